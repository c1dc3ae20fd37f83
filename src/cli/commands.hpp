// Registration of the `coffer` subcommands on the root CLI11 app. Each
// function adds its commands, their options and their actions (see
// CliContext); nothing runs until the whole command line has parsed.
#pragma once

#include <CLI/CLI.hpp>

#include "cli/cli_context.hpp"

namespace coffer::cli {

// coffer server [--dev] [--data-dir DIR] [--listen HOST:PORT] [--config FILE] [--test-clock]
void add_server_command(CLI::App& app, CliContext& ctx);
// coffer vault create|show|list|delete, coffer sp create|show|list|delete|credential reset,
// coffer test-clock advance
void add_admin_commands(CLI::App& app, CliContext& ctx);
// coffer sp federated-credential create|list|show|delete and coffer sp
// credential add|list|delete (certificates), added to `sp` and its `credential`.
void add_sp_credential_commands(CLI::App* sp, CLI::App* credential, CliContext& ctx);
// The first PEM CERTIFICATE block of a file's bytes, or base64 of a DER file.
Result<std::string> certificate_for_upload(const std::string& file);
// coffer keyvault secret … (set, show, list, list-versions, set-attributes, download)
void add_secret_commands(CLI::App& app, CliContext& ctx);
// the soft-delete and backup half of `coffer keyvault secret` (delete, recover,
// purge, list-deleted, show-deleted, backup, restore), added to `secret`.
void add_secret_lifecycle_commands(CLI::App* secret, CliContext& ctx);
// rotation-policy show|set and rotate (Coffer's secret rotation), added to `secret`.
void add_secret_rotation_commands(CLI::App* secret, CliContext& ctx);

// coffer csi-provider [--endpoint unix://…] [--provider-name coffer] … (cli/csi_command.cpp)
void add_csi_provider_command(CLI::App& app, CliContext& ctx);

// coffer cloud-config [--port N]: the JSON for `az cloud register --cloud-config` (cli/cloud_config_command.cpp)
void add_cloud_config_command(CLI::App& app, CliContext& ctx);

// coffer operator init|unseal|seal-status: the seal of a running server (cli/operator_commands.cpp)
void add_operator_commands(CLI::App& app, CliContext& ctx);

// coffer storage migrate --from DIR --to URL (cli/storage_commands.cpp)
void add_storage_commands(CLI::App& app, CliContext& ctx);

// coffer audit verify|hash|tail|search (offline, see cli/audit_commands.cpp)
void add_audit_commands(CLI::App& app, CliContext& ctx);

// coffer event-subscription create|list|show|delete|dead-letters (cli/event_subscription_commands.cpp)
void add_event_subscription_commands(CLI::App& app, CliContext& ctx);

// coffer role definition list|show|create|delete, coffer role assignment
// create|list|delete, coffer group create|list|show|delete|member add|remove|list
void add_rbac_commands(CLI::App& app, CliContext& ctx);

}  // namespace coffer::cli
