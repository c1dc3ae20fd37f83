// `coffer keyvault key …` (see key_commands.cpp). Adds `key` under the
// `keyvault` command, so call it after add_secret_commands().
#pragma once

#include <CLI/CLI.hpp>

#include "cli/cli_context.hpp"

namespace coffer::cli {

void add_key_commands(CLI::App& app, CliContext& ctx);

}  // namespace coffer::cli
