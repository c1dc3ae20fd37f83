// `coffer keyvault certificate pending show|merge|delete|cancel`: a
// certificate's pending operation (…/pending). merge sends the certificate
// signed elsewhere (and its chain) for the key of the pending version, as az
// does: every CERTIFICATE block of a PEM file as base64 DER in "x5c".
#include <boost/json.hpp>
#include <memory>

#include "cli/certificate_commands.hpp"
#include "cli/certificate_files.hpp"
#include "cli/file_io.hpp"
#include "cli/object_ref.hpp"
#include "cli/secret_support.hpp"
#include "cli/vault_calls.hpp"
#include "common/base64.hpp"

namespace coffer::cli {
namespace json = boost::json;
namespace {

struct MergeArgs {
  ObjectRef ref;
  std::string file;
  bool disabled = false;
  std::vector<std::string> tags;
  CLI::Option* tags_opt = nullptr;
};

Status run_merge(const CliContext& ctx, const MergeArgs& a) {
  COFFER_ASSIGN_OR_RETURN(std::string bytes, read_file(a.file));
  COFFER_ASSIGN_OR_RETURN(std::vector<std::string> chain, certificates_der(bytes));
  json::array x5c;
  for (const auto& der : chain) x5c.emplace_back(base64_encode(der));
  json::object body{{"x5c", std::move(x5c)}, {"attributes", json::object{{"enabled", !a.disabled}}}};
  if (a.tags_opt->count()) body["tags"] = tags_json(a.tags);
  json::value request = std::move(body);
  return call_and_print(ctx, a.ref.vault_name, "POST", object_path(kCertificateObject, a.ref.name) + "/pending/merge",
                        &request);
}

}  // namespace

void add_certificate_pending_commands(CLI::App* certificate, CliContext& ctx) {
  auto* pending =
      certificate->add_subcommand("pending", "Show, complete (merge), cancel or delete a pending operation.");
  pending->require_subcommand(1);
  add_named_calls(
      pending, ctx, kCertificateObject,
      {{"show", "Show a certificate's operation (with the CSR while it is pending).", "GET", false, "/pending"},
       {"delete", "Delete a certificate's operation; the pending version stays, not issued.", "DELETE", false,
        "/pending"}});

  auto c = std::make_shared<ObjectRef>();
  auto* cancel = pending->add_subcommand("cancel", "Ask for a pending operation to be cancelled.");
  add_required_name_options(cancel, *c, kCertificateObject);
  on_run(cancel, ctx, [&ctx, c] {
    json::value request = json::object{{"cancellation_requested", true}};
    return call_and_print(ctx, c->vault_name, "PATCH", object_path(kCertificateObject, c->name) + "/pending", &request);
  });

  auto m = std::make_shared<MergeArgs>();
  auto* merge = pending->add_subcommand(
      "merge", "Complete a pending certificate with the certificate signed for its CSR (and the chain).");
  add_required_name_options(merge, m->ref, kCertificateObject);
  merge->add_option("--file,-f", m->file, "PEM file: the signed certificate first, then its chain (or one DER).")
      ->required();
  merge->add_flag("--disabled", m->disabled, "Leave the certificate disabled.");
  m->tags_opt = add_tags_option(merge, m->tags);
  on_run(merge, ctx, [&ctx, m] { return run_merge(ctx, *m); });
}

}  // namespace coffer::cli
