// CliContext: what every subcommand shares — the global options (-o,
// --query, --data-dir) and the one action that parsing selected — plus the
// helpers commands use to report: results go to stdout in the chosen
// format, errors to stderr as "ERROR: <message>" with exit code 1.
#pragma once

#include <CLI/CLI.hpp>
#include <boost/json/value.hpp>
#include <functional>
#include <string>

#include "common/status.hpp"

namespace coffer::cli {

struct CliContext {
  std::string output = "json";  // json | table | tsv
  std::string query;            // --query, empty = whole result
  std::string data_dir;         // --data-dir, empty = COFFER_DATA_DIR or ./coffer-data
  std::function<int()> action;  // set by the chosen subcommand's callback
};

// Makes `run` the action of `command`; it runs after the whole command line
// parsed. Its Status becomes the exit code through finish(). `check`, when
// given, runs as soon as the command's own arguments are parsed and may throw
// a CLI::ParseError (a usage error, exit code 2).
void on_run(CLI::App* command, CliContext& ctx, std::function<Status()> run, std::function<void()> check = nullptr);

// Prints `result` (after --query) to stdout in the --output format.
void print_result(const CliContext& ctx, const boost::json::value& result);

// 0 for OK; otherwise prints "ERROR: <message>" to stderr and returns 1.
int finish(const Status& status);

// A CLI11 validator for --query (bad expressions are usage errors, exit 2).
CLI::Validator query_validator();

}  // namespace coffer::cli
