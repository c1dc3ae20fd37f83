// The soft-delete and backup half of `coffer keyvault certificate`: delete,
// recover, purge, show-deleted, list-deleted (the certificate with its key
// and secret), backup and restore (an opaque blob of every version).
#include <memory>

#include "cli/certificate_commands.hpp"
#include "cli/object_ref.hpp"
#include "cli/vault_calls.hpp"

namespace coffer::cli {

void add_certificate_lifecycle_commands(CLI::App* certificate, CliContext& ctx) {
  add_named_calls(certificate, ctx, kCertificateObject,
                  {{"delete", "Delete a certificate, its key and secret (soft delete: recoverable until purged).",
                    "DELETE", false, ""},
                   {"recover", "Recover a deleted certificate.", "POST", true, "/recover"},
                   {"purge", "Permanently remove a deleted certificate.", "DELETE", true, ""},
                   {"show-deleted", "Show a deleted certificate.", "GET", true, ""}});

  struct ListArgs {
    std::string vault_name;
    std::size_t max_results = 0;
    bool include_pending = false;
  };
  auto l = std::make_shared<ListArgs>();
  auto* list = certificate->add_subcommand("list-deleted", "List deleted certificates.");
  list->add_option("--vault-name", l->vault_name, "Name of the vault.")->required();
  list->add_option("--maxresults", l->max_results, "Return at most this many.")->check(CLI::PositiveNumber);
  list->add_flag("--include-pending", l->include_pending, "Include certificates that were not issued.");
  on_run(list, ctx, [&ctx, l] {
    return list_and_print(ctx, l->vault_name, "/deletedcertificates", l->max_results,
                          l->include_pending ? "&includePending=true" : "");
  });

  add_backup_restore_commands(certificate, ctx, kCertificateObject,
                              "Save a backup of every version of a certificate (with its key and secret) to a file.");
}

}  // namespace coffer::cli
