// Pieces shared by the `coffer keyvault secret` commands: the options that
// name a secret (--vault-name/--name/--version or --id), AKV paths on the
// vault, usage validators for ISO-8601 times and tags, and the az-shaped
// printing of answers.
#pragma once

#include <CLI/CLI.hpp>
#include <boost/json/value.hpp>
#include <string>

#include "cli/cli_context.hpp"
#include "cli/secret_view.hpp"
#include "cli/service_client.hpp"

namespace coffer::cli {

struct SecretRef {
  std::string vault_name;
  std::string name;
  std::string version;  // empty = latest
  std::string id;       // full secret id, instead of the three above
};

enum class RefOptions { kName, kNameVersionId };
// Adds --vault-name and --name/-n, and with kNameVersionId --version/-v and --id.
void add_secret_ref_options(CLI::App* cmd, SecretRef& ref, RefOptions which);
// For on_run's check: throws CLI::RequiredError unless --id or both
// --vault-name and --name were given.
void require_secret_ref(const SecretRef& ref);

// A client for the referenced vault and the secret's name and version.
struct OpenedSecret {
  ServiceClient client;
  std::string name;
  std::string version;
};
Result<OpenedSecret> open_secret(const CliContext& ctx, const SecretRef& ref);

// "?api-version=7.4"
std::string api_query();
// "/secrets/<name>", "/deletedsecrets/<name>" (names percent-encoded).
std::string secret_path(const std::string& name);
std::string deleted_secret_path(const std::string& name);
// "/secrets/<name>/<version>", or "/secrets/<name>/" for the latest (as the SDKs send it).
std::string secret_version_path(const std::string& name, const std::string& version);

CLI::Validator iso8601_validator();
CLI::Validator tag_validator();
// Unix seconds of a value the validator accepted.
int64_t iso8601_seconds(const std::string& text);

// print_result(secret_view(answer, shape)) / over a list.
void print_secret(const CliContext& ctx, const boost::json::value& answer, SecretShape shape);
void print_secret_list(const CliContext& ctx, const boost::json::value& items, SecretShape shape);

}  // namespace coffer::cli
