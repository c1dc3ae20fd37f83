// `coffer keyvault secret` delete/recover/purge/list-deleted/show-deleted
// (soft delete) and backup/restore (opaque blobs), mirroring az.
#include <boost/json.hpp>
#include <memory>

#include "cli/commands.hpp"
#include "cli/connect.hpp"
#include "cli/file_io.hpp"
#include "cli/secret_support.hpp"
#include "cli/vault_calls.hpp"

namespace coffer::cli {
namespace json = boost::json;
namespace {

struct NameArgs {
  ObjectRef ref;
  std::string file;
  std::size_t max_results = 0;
};

// One request on the named secret, printed in `shape` (nothing when the answer is empty).
Status simple_call(const CliContext& ctx, const NameArgs& a, const std::string& method, const std::string& path,
                   SecretShape shape) {
  COFFER_ASSIGN_OR_RETURN(ServiceClient client, connect_vault(ctx, a.ref.vault_name));
  COFFER_ASSIGN_OR_RETURN(json::value answer, client.call(method, path + api_query()));
  if (!answer.is_null()) print_secret(ctx, answer, shape);
  return Status::Ok();
}

Status run_backup(const CliContext& ctx, const NameArgs& a) {
  COFFER_ASSIGN_OR_RETURN(ServiceClient client, connect_vault(ctx, a.ref.vault_name));
  return save_backup(client, secret_path(a.ref.name), a.file, Overwrite::kAllow);
}

Status run_restore(const CliContext& ctx, const NameArgs& a) {
  COFFER_ASSIGN_OR_RETURN(ServiceClient client, connect_vault(ctx, a.ref.vault_name));
  COFFER_ASSIGN_OR_RETURN(json::value answer, restore_backup(client, kSecretObject, a.file));
  print_secret(ctx, answer, SecretShape::kBundle);
  return Status::Ok();
}

Status run_list_deleted(const CliContext& ctx, const NameArgs& a) {
  COFFER_ASSIGN_OR_RETURN(ServiceClient client, connect_vault(ctx, a.ref.vault_name));
  COFFER_ASSIGN_OR_RETURN(json::array items, fetch_list(client, "/deletedsecrets", a.max_results));
  print_secret_list(ctx, items, SecretShape::kDeletedItem);
  return Status::Ok();
}

// A command taking --vault-name and --name (both required) that runs `run`.
CLI::App* named(CLI::App* secret, CliContext& ctx, const char* name, const char* help,
                std::function<Status(const CliContext&, const NameArgs&)> run, std::shared_ptr<NameArgs>& args) {
  args = std::make_shared<NameArgs>();
  auto* cmd = secret->add_subcommand(name, help);
  cmd->add_option("--vault-name", args->ref.vault_name, "Name of the vault.")->required();
  cmd->add_option("--name,-n", args->ref.name, "Name of the secret.")->required();
  on_run(cmd, ctx, [&ctx, a = args, run = std::move(run)] { return run(ctx, *a); });
  return cmd;
}

}  // namespace

void add_secret_lifecycle_commands(CLI::App* secret, CliContext& ctx) {
  std::shared_ptr<NameArgs> a;
  named(
      secret, ctx, "delete", "Delete a secret, all versions (soft delete: recoverable until purged).",
      [](const CliContext& c, const NameArgs& n) {
        return simple_call(c, n, "DELETE", secret_path(n.ref.name), SecretShape::kDeletedBundle);
      },
      a);
  named(
      secret, ctx, "recover", "Recover a deleted secret.",
      [](const CliContext& c, const NameArgs& n) {
        return simple_call(c, n, "POST", deleted_secret_path(n.ref.name) + "/recover", SecretShape::kBundle);
      },
      a);
  named(
      secret, ctx, "purge", "Permanently remove a deleted secret.",
      [](const CliContext& c, const NameArgs& n) {
        return simple_call(c, n, "DELETE", deleted_secret_path(n.ref.name), SecretShape::kDeletedBundle);
      },
      a);
  named(
      secret, ctx, "show-deleted", "Show a deleted secret (no value).",
      [](const CliContext& c, const NameArgs& n) {
        return simple_call(c, n, "GET", deleted_secret_path(n.ref.name), SecretShape::kDeletedBundle);
      },
      a);
  named(secret, ctx, "backup", "Write a secret's backup blob (all versions) to a file.", run_backup, a)
      ->add_option("--file,-f", a->file, "File to write (replaced if it exists).")
      ->required();

  auto r = std::make_shared<NameArgs>();
  auto* restore = secret->add_subcommand("restore", "Restore a secret from a backup blob.");
  restore->add_option("--vault-name", r->ref.vault_name, "Name of the vault.")->required();
  restore->add_option("--file,-f", r->file, "Backup file to read.")->required();
  on_run(restore, ctx, [&ctx, r] { return run_restore(ctx, *r); });

  auto l = std::make_shared<NameArgs>();
  auto* list = secret->add_subcommand("list-deleted", "List deleted secrets.");
  list->add_option("--vault-name", l->ref.vault_name, "Name of the vault.")->required();
  list->add_option("--maxresults", l->max_results, "Return at most this many.")->check(CLI::Range(1, 1000000));
  on_run(list, ctx, [&ctx, l] { return run_list_deleted(ctx, *l); });
}

}  // namespace coffer::cli
