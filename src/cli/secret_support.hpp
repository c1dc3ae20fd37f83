// Pieces shared by the `coffer keyvault secret` commands (and the key and
// certificate commands' tags and times): AKV paths on the vault, usage
// validators for ISO-8601 times and tags, and the az-shaped printing of
// answers. The options that name a secret are object_ref.hpp's.
#pragma once

#include <CLI/CLI.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <string>
#include <vector>

#include "cli/cli_context.hpp"
#include "cli/object_ref.hpp"
#include "cli/secret_view.hpp"
#include "cli/service_client.hpp"

namespace coffer::cli {

// "?api-version=7.4"
std::string api_query();
// "/secrets/<name>", "/deletedsecrets/<name>" (names percent-encoded).
std::string secret_path(const std::string& name);
std::string deleted_secret_path(const std::string& name);
// "/secrets/<name>/<version>", or "/secrets/<name>/" for the latest (as the SDKs send it).
std::string secret_version_path(const std::string& name, const std::string& version);

CLI::Validator iso8601_validator();
CLI::Validator tag_validator();
// Adds --tags (space-separated key[=value] arguments, checked by tag_validator).
CLI::Option* add_tags_option(CLI::App* cmd, std::vector<std::string>& tags,
                             const std::string& help = "Space-separated tags: key[=value] ...");
// Unix seconds of a value the validator accepted.
int64_t iso8601_seconds(const std::string& text);
// The tags of `--tags` arguments the validator accepted, as a JSON object.
boost::json::object tags_json(const std::vector<std::string>& args);

// print_result(secret_view(answer, shape)) / over a list.
void print_secret(const CliContext& ctx, const boost::json::value& answer, SecretShape shape);
void print_secret_list(const CliContext& ctx, const boost::json::value& items, SecretShape shape);

}  // namespace coffer::cli
