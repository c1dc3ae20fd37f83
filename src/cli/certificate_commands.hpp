// `coffer keyvault certificate …`, mirroring `az keyvault certificate`
// (AKV api-version 7.4). add_certificate_commands() adds `certificate` under
// the `keyvault` command (call it after add_secret_commands()) and, through
// the functions below, each group of its subcommands. Answers are printed as
// the server sends them (CertificateBundle, CertificateOperation, item lists,
// IssuerBundle, Contacts).
#pragma once

#include <CLI/CLI.hpp>

#include "cli/cli_context.hpp"

namespace coffer::cli {

void add_certificate_commands(CLI::App& app, CliContext& ctx);

// delete, recover, purge, show-deleted, list-deleted, backup, restore
// (certificate_lifecycle_commands.cpp)
void add_certificate_lifecycle_commands(CLI::App* certificate, CliContext& ctx);
// pending show|merge|delete|cancel (certificate_pending_commands.cpp)
void add_certificate_pending_commands(CLI::App* certificate, CliContext& ctx);
// issuer create|show|list|update|delete (certificate_issuer_commands.cpp)
void add_certificate_issuer_commands(CLI::App* certificate, CliContext& ctx);
// contact add|list|delete (certificate_contact_commands.cpp)
void add_certificate_contact_commands(CLI::App* certificate, CliContext& ctx);

}  // namespace coffer::cli
