#include "cli/secret_support.hpp"

#include "cli/connect.hpp"
#include "cli/endpoints.hpp"
#include "cli/secret_encoding.hpp"
#include "cli/time_format.hpp"

namespace coffer::cli {

void add_secret_ref_options(CLI::App* cmd, SecretRef& ref, RefOptions which) {
  auto* vault = cmd->add_option("--vault-name", ref.vault_name, "Name of the vault.");
  auto* name = cmd->add_option("--name,-n", ref.name, "Name of the secret.");
  if (which == RefOptions::kName) return;
  auto* version = cmd->add_option("--version,-v", ref.version, "Secret version; default: the latest.");
  cmd->add_option("--id", ref.id, "Id of the secret: https://<vault-host>/secrets/<name>[/<version>].")
      ->check(CLI::Validator(
          [](std::string& text) {
            auto id = parse_secret_id(text);
            return id.ok() ? std::string() : id.status().message();
          },
          "URL"))
      ->excludes(vault)
      ->excludes(name)
      ->excludes(version);
}

void require_secret_ref(const SecretRef& ref) {
  if (!ref.id.empty()) return;
  if (ref.vault_name.empty() || ref.name.empty()) {
    throw CLI::RequiredError(ref.vault_name.empty() ? "--vault-name" : "--name");
  }
}

Result<OpenedSecret> open_secret(const CliContext& ctx, const SecretRef& ref) {
  if (!ref.id.empty()) {
    COFFER_ASSIGN_OR_RETURN(SecretId id, parse_secret_id(ref.id));
    COFFER_ASSIGN_OR_RETURN(ServiceClient client, connect_vault_id(ctx, id));
    return OpenedSecret{std::move(client), id.name, id.version};
  }
  COFFER_ASSIGN_OR_RETURN(ServiceClient client, connect_vault(ctx, ref.vault_name));
  return OpenedSecret{std::move(client), ref.name, ref.version};
}

std::string api_query() { return std::string("?api-version=") + kApiVersion; }

std::string secret_path(const std::string& name) { return "/secrets/" + percent_encode(name); }

std::string deleted_secret_path(const std::string& name) { return "/deletedsecrets/" + percent_encode(name); }

std::string secret_version_path(const std::string& name, const std::string& version) {
  return secret_path(name) + "/" + percent_encode(version);
}

CLI::Validator iso8601_validator() {
  return CLI::Validator(
      [](std::string& text) {
        return parse_iso8601(text) ? std::string()
                                   : "'" + text + "' is not an ISO-8601 time (e.g. 2026-11-27T19:01:34Z)";
      },
      "ISO8601");
}

CLI::Validator tag_validator() {
  return CLI::Validator(
      [](std::string& text) {
        auto tags = parse_tags({text});
        return tags.ok() ? std::string() : tags.status().message();
      },
      "KEY[=VALUE]");
}

int64_t iso8601_seconds(const std::string& text) { return parse_iso8601(text).value_or(0); }

void print_secret(const CliContext& ctx, const boost::json::value& answer, SecretShape shape) {
  print_result(ctx, secret_view(answer, shape));
}

void print_secret_list(const CliContext& ctx, const boost::json::value& items, SecretShape shape) {
  print_result(ctx, secret_list_view(items, shape));
}

}  // namespace coffer::cli
