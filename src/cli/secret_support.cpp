#include "cli/secret_support.hpp"

#include "cli/connect.hpp"
#include "cli/endpoints.hpp"
#include "cli/secret_encoding.hpp"
#include "common/time_format.hpp"

namespace coffer::cli {

std::string api_query() { return std::string("?api-version=") + kApiVersion; }

std::string secret_path(const std::string& name) { return object_path(kSecretObject, name); }

std::string deleted_secret_path(const std::string& name) { return deleted_object_path(kSecretObject, name); }

std::string secret_version_path(const std::string& name, const std::string& version) {
  return object_version_path(kSecretObject, name, version);
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

CLI::Option* add_tags_option(CLI::App* cmd, std::vector<std::string>& tags, const std::string& help) {
  return cmd->add_option("--tags", tags, help)
      ->expected(0, CLI::detail::expected_max_vector_size)
      ->check(tag_validator());
}

int64_t iso8601_seconds(const std::string& text) { return parse_iso8601(text).value_or(0); }

boost::json::object tags_json(const std::vector<std::string>& args) {
  boost::json::object out;
  auto tags = parse_tags(args);  // validated at parse time
  if (tags.ok()) {
    for (const auto& [k, v] : *tags) out[k] = v;
  }
  return out;
}

void print_secret(const CliContext& ctx, const boost::json::value& answer, SecretShape shape) {
  print_result(ctx, secret_view(answer, shape));
}

void print_secret_list(const CliContext& ctx, const boost::json::value& items, SecretShape shape) {
  print_result(ctx, secret_list_view(items, shape));
}

}  // namespace coffer::cli
