#include "cli/vault_calls.hpp"

#include <boost/json.hpp>
#include <memory>
#include <optional>

#include "cli/connect.hpp"
#include "cli/secret_support.hpp"
#include "common/base64.hpp"

namespace coffer::cli {
namespace json = boost::json;
namespace {

constexpr std::size_t kMaxPage = 25;  // AKV's largest maxresults

}  // namespace

Status print_call(const CliContext& ctx, ServiceClient& client, const std::string& method, const std::string& path,
                  const json::value* body) {
  COFFER_ASSIGN_OR_RETURN(json::value answer, client.call(method, path + api_query(), body));
  if (!answer.is_null()) print_result(ctx, answer);
  return Status::Ok();
}

Status call_and_print(const CliContext& ctx, const std::string& vault, const std::string& method,
                      const std::string& path, const json::value* body) {
  COFFER_ASSIGN_OR_RETURN(ServiceClient client, connect_vault(ctx, vault));
  return print_call(ctx, client, method, path, body);
}

Result<json::array> fetch_list(ServiceClient& client, const std::string& path, std::size_t max_results,
                               std::string_view extra_query) {
  std::string target = path + api_query() + std::string(extra_query);
  if (max_results) target += "&maxresults=" + std::to_string(std::min(max_results, kMaxPage));
  return client.list(target, max_results ? std::optional<std::size_t>(max_results) : std::nullopt);
}

Status list_and_print(const CliContext& ctx, const std::string& vault, const std::string& path, std::size_t max_results,
                      std::string_view extra_query) {
  COFFER_ASSIGN_OR_RETURN(ServiceClient client, connect_vault(ctx, vault));
  COFFER_ASSIGN_OR_RETURN(json::array items, fetch_list(client, path, max_results, extra_query));
  print_result(ctx, items);
  return Status::Ok();
}

Status save_backup(ServiceClient& client, const std::string& object_path, const std::string& file,
                   Overwrite overwrite) {
  COFFER_ASSIGN_OR_RETURN(json::value answer, client.call("POST", object_path + "/backup" + api_query()));
  const json::value* v = answer.is_object() ? answer.get_object().if_contains("value") : nullptr;
  if (!v || !v->is_string()) return Status(Code::kInternal, "The server's backup answer has no 'value'.");
  auto blob = base64url_decode(v->get_string());
  if (!blob) return Status(Code::kInternal, "The server's backup blob is not base64url.");
  return write_private_file(file, *blob, overwrite);
}

Result<json::value> restore_backup(ServiceClient& client, ObjectKind kind, const std::string& file) {
  COFFER_ASSIGN_OR_RETURN(std::string blob, read_file(file));
  json::value request = json::object{{"value", base64url_encode(blob)}};
  return client.call("POST", "/" + std::string(kind.collection) + "/restore" + api_query(), &request);
}

void add_backup_restore_commands(CLI::App* parent, CliContext& ctx, ObjectKind kind, const std::string& backup_help) {
  struct Args {
    ObjectRef ref;
    std::string file;
  };
  auto b = std::make_shared<Args>();
  auto* backup = parent->add_subcommand("backup", backup_help);
  add_required_name_options(backup, b->ref, kind);
  backup->add_option("--file,-f", b->file, "File to write (must not exist).")->required();
  on_run(backup, ctx, [&ctx, b, kind]() -> Status {
    COFFER_ASSIGN_OR_RETURN(ServiceClient client, connect_vault(ctx, b->ref.vault_name));
    return save_backup(client, object_path(kind, b->ref.name), b->file, Overwrite::kRefuse);
  });

  auto r = std::make_shared<Args>();
  auto* restore = parent->add_subcommand("restore", "Restore a " + std::string(kind.noun) + " from a backup file.");
  restore->add_option("--vault-name", r->ref.vault_name, "Name of the vault.")->required();
  restore->add_option("--file,-f", r->file, "Backup file.")->required();
  on_run(restore, ctx, [&ctx, r, kind]() -> Status {
    COFFER_ASSIGN_OR_RETURN(ServiceClient client, connect_vault(ctx, r->ref.vault_name));
    COFFER_ASSIGN_OR_RETURN(json::value answer, restore_backup(client, kind, r->file));
    print_result(ctx, answer);
    return Status::Ok();
  });
}

Result<json::object> json_object_argument(const std::string& value, std::string_view option) {
  std::string text = value;
  const std::size_t start = text.find_first_not_of(" \t\r\n");
  if (start == std::string::npos || text[start] != '{') {
    COFFER_ASSIGN_OR_RETURN(text, read_file(!value.empty() && value.front() == '@' ? value.substr(1) : value));
  }
  boost::system::error_code ec;
  json::value parsed = json::parse(text, ec);
  if (ec || !parsed.is_object()) {
    return Status(Code::kBadParameter,
                  std::string(option) + " is not a JSON object" + (ec ? " (" + ec.message() + ")." : "."));
  }
  return std::move(parsed.get_object());
}

void add_named_calls(CLI::App* parent, CliContext& ctx, ObjectKind kind, std::initializer_list<NamedCall> calls) {
  for (const NamedCall& call : calls) {
    auto ref = std::make_shared<ObjectRef>();
    auto* cmd = parent->add_subcommand(call.name, call.help);
    add_required_name_options(cmd, *ref, kind);
    on_run(cmd, ctx, [&ctx, ref, call, kind] {
      const std::string path = call.deleted ? deleted_object_path(kind, ref->name) : object_path(kind, ref->name);
      return call_and_print(ctx, ref->vault_name, call.method, path + call.suffix);
    });
  }
}

}  // namespace coffer::cli
