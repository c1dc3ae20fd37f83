// Workload credentials of a service principal (src/api/credential_routes.hpp),
// as `az ad app federated-credential …` and `az ad sp credential …` spell them:
//   coffer sp federated-credential create|list|show|delete
//   coffer sp credential add|list|delete   (certificates; `reset` lives in admin_commands.cpp)
// `credential add --cert FILE` sends only the first CERTIFICATE block of the
// file (or the DER file, base64-encoded): a private key in the same PEM file
// never leaves this machine.
#include <boost/json.hpp>
#include <memory>
#include <vector>

#include "cli/commands.hpp"
#include "cli/connect.hpp"
#include "cli/endpoints.hpp"
#include "cli/file_io.hpp"
#include "common/base64.hpp"

namespace coffer::cli {
namespace json = boost::json;
namespace {

std::string principal_path(const std::string& id) { return "/coffer/admin/service-principals/" + percent_encode(id); }

}  // namespace

// The first PEM CERTIFICATE block of `file` (with its markers), or the
// whole file base64-encoded when it holds no PEM (DER).
Result<std::string> certificate_for_upload(const std::string& file) {
  static constexpr std::string_view kBegin = "-----BEGIN CERTIFICATE-----";
  static constexpr std::string_view kEnd = "-----END CERTIFICATE-----";
  const auto begin = file.find(kBegin);
  if (begin != std::string::npos) {
    const auto end = file.find(kEnd, begin);
    if (end == std::string::npos) return Status(Code::kBadParameter, "The PEM certificate block is not terminated.");
    return file.substr(begin, end + kEnd.size() - begin) + "\n";
  }
  if (file.find("-----BEGIN") != std::string::npos) {
    return Status(Code::kBadParameter, "The file holds PEM data but no CERTIFICATE block.");
  }
  if (file.empty()) return Status(Code::kBadParameter, "The certificate file is empty.");
  return base64_encode(file);
}

void add_sp_credential_commands(CLI::App* sp, CLI::App* credential, CliContext& ctx) {
  struct Args {
    std::string id;
    std::string name;
    std::string issuer;
    std::string subject;
    std::vector<std::string> audiences;
    std::string description;
    std::string cert_file;
    std::string key_id;
  };
  auto a = std::make_shared<Args>();

  auto* fic = sp->add_subcommand("federated-credential",
                                 "Manage federated identity credentials (workload identity: tokens of an external "
                                 "issuer, such as a Kubernetes service-account token, stand for this principal).");
  fic->require_subcommand(1);

  auto* create = fic->add_subcommand("create", "Add a federated identity credential.");
  create->add_option("--id", a->id, "Client (application) id.")->required();
  create->add_option("--name,-n", a->name, "Credential name (3-120: letters, digits, '-', '_').")->required();
  create->add_option("--issuer", a->issuer, "Token issuer URL (https), e.g. the cluster's service-account issuer.")
      ->required();
  create->add_option("--subject", a->subject, "Token subject, e.g. system:serviceaccount:NAMESPACE:NAME.")->required();
  create->add_option("--audiences", a->audiences, "Accepted token audiences (default: api://AzureADTokenExchange).");
  create->add_option("--description", a->description, "Free text.");
  on_run(create, ctx, [&ctx, a] {
    json::array audiences;
    for (const auto& aud : a->audiences) audiences.emplace_back(aud);
    json::object body{{"name", a->name}, {"issuer", a->issuer}, {"subject", a->subject}};
    if (!audiences.empty()) body["audiences"] = audiences;
    if (!a->description.empty()) body["description"] = a->description;
    json::value v = body;
    return call_admin_and_print(ctx, "POST", principal_path(a->id) + "/federated-credentials", &v);
  });

  auto* list = fic->add_subcommand("list", "List federated identity credentials.");
  list->add_option("--id", a->id, "Client (application) id.")->required();
  on_run(list, ctx, [&ctx, a] {
    return call_admin_and_print(ctx, "GET", principal_path(a->id) + "/federated-credentials", nullptr);
  });

  auto* show = fic->add_subcommand("show", "Show a federated identity credential.");
  show->add_option("--id", a->id, "Client (application) id.")->required();
  show->add_option("--name,-n", a->name, "Credential name.")->required();
  on_run(show, ctx, [&ctx, a] {
    return call_admin_and_print(ctx, "GET", principal_path(a->id) + "/federated-credentials/" + percent_encode(a->name),
                                nullptr);
  });

  auto* del = fic->add_subcommand("delete", "Delete a federated identity credential.");
  del->add_option("--id", a->id, "Client (application) id.")->required();
  del->add_option("--name,-n", a->name, "Credential name.")->required();
  on_run(del, ctx, [&ctx, a] {
    return call_admin_and_print(ctx, "DELETE",
                                principal_path(a->id) + "/federated-credentials/" + percent_encode(a->name), nullptr);
  });

  auto* add = credential->add_subcommand("add",
                                         "Register a certificate: client assertions signed by its key "
                                         "authenticate the principal.");
  add->add_option("--id", a->id, "Client (application) id.")->required();
  add->add_option("--cert", a->cert_file, "Certificate file, PEM or DER (only the certificate is sent).")->required();
  on_run(add, ctx, [&ctx, a] {
    COFFER_ASSIGN_OR_RETURN(std::string file, read_file(a->cert_file, 1u << 20));
    COFFER_ASSIGN_OR_RETURN(std::string cert, certificate_for_upload(file));
    json::value body = json::object{{"certificate", cert}};
    return call_admin_and_print(ctx, "POST", principal_path(a->id) + "/certificates", &body);
  });

  auto* cert_list = credential->add_subcommand("list", "List registered certificates.");
  cert_list->add_option("--id", a->id, "Client (application) id.")->required();
  on_run(cert_list, ctx,
         [&ctx, a] { return call_admin_and_print(ctx, "GET", principal_path(a->id) + "/certificates", nullptr); });

  auto* cert_del = credential->add_subcommand("delete", "Remove a registered certificate.");
  cert_del->add_option("--id", a->id, "Client (application) id.")->required();
  cert_del->add_option("--key-id", a->key_id, "The certificate's keyId or SHA-1 thumbprint (hex).")->required();
  on_run(cert_del, ctx, [&ctx, a] {
    return call_admin_and_print(ctx, "DELETE", principal_path(a->id) + "/certificates/" + percent_encode(a->key_id),
                                nullptr);
  });
}

}  // namespace coffer::cli
