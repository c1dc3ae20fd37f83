// `coffer keyvault certificate issuer create|show|list|update|delete`: a
// vault's certificate issuer objects (/certificates/issuers/{name}) with the
// provider, its account credentials, the organization and whether enabled.
// create replaces the whole issuer (PUT); update sends only what is given
// (PATCH). The server never returns the password.
#include <boost/json.hpp>
#include <memory>

#include "cli/certificate_commands.hpp"
#include "cli/endpoints.hpp"
#include "cli/vault_calls.hpp"

namespace coffer::cli {
namespace json = boost::json;
namespace {

struct IssuerArgs {
  std::string vault_name;
  std::string issuer_name;
  std::string provider;
  std::string account_id;
  std::string password;
  std::string organization_id;
  std::string enabled;    // update: "", "true", "false"
  bool disabled = false;  // create
  CLI::Option* account_opt = nullptr;
  CLI::Option* password_opt = nullptr;
  CLI::Option* organization_opt = nullptr;
};

std::string issuer_path(const std::string& name) { return "/certificates/issuers/" + percent_encode(name); }

void add_issuer_name(CLI::App* cmd, IssuerArgs& a) {
  cmd->add_option("--vault-name", a.vault_name, "Name of the vault.")->required();
  cmd->add_option("--issuer-name", a.issuer_name, "Name of the issuer.")->required();
}

void add_issuer_fields(CLI::App* cmd, IssuerArgs& a, bool create) {
  auto* provider =
      cmd->add_option("--provider-name", a.provider,
                      "The issuer's provider; with Coffer, --account-id names the vault's CA certificate that signs.");
  if (create) provider->required();
  a.account_opt = cmd->add_option("--account-id", a.account_id, "Account id with the provider.");
  a.password_opt = cmd->add_option("--password", a.password, "Password of the account with the provider.");
  a.organization_opt = cmd->add_option("--organization-id", a.organization_id, "Organization id with the provider.");
  if (create) {
    cmd->add_flag("--disabled", a.disabled, "Create the issuer disabled.");
  } else {
    cmd->add_option("--enabled", a.enabled, "Enable or disable the issuer.")
        ->check(CLI::IsMember({"true", "false"}, CLI::ignore_case));
  }
}

// The IssuerBundle to send: for create every section, as az sends it; for
// update only the members given.
json::object issuer_body(const IssuerArgs& a, bool create) {
  json::object body;
  if (!a.provider.empty()) body["provider"] = a.provider;
  json::object credentials;
  if (a.account_opt->count()) credentials["account_id"] = a.account_id;
  if (a.password_opt->count()) credentials["pwd"] = a.password;
  if (create || !credentials.empty()) body["credentials"] = std::move(credentials);
  json::object org;
  if (a.organization_opt->count()) org["id"] = a.organization_id;
  if (create) org["admin_details"] = json::array();
  if (!org.empty()) body["org_details"] = std::move(org);
  if (create) {
    body["attributes"] = json::object{{"enabled", !a.disabled}};
  } else if (!a.enabled.empty()) {
    body["attributes"] = json::object{{"enabled", a.enabled == "true"}};
  }
  return body;
}

}  // namespace

void add_certificate_issuer_commands(CLI::App* certificate, CliContext& ctx) {
  auto* issuer = certificate->add_subcommand("issuer", "Manage the certificate issuers of a vault.");
  issuer->require_subcommand(1);

  for (bool create : {true, false}) {
    auto a = std::make_shared<IssuerArgs>();
    auto* cmd = create ? issuer->add_subcommand("create", "Create (or replace) a certificate issuer.")
                       : issuer->add_subcommand("update", "Change some members of a certificate issuer.");
    add_issuer_name(cmd, *a);
    add_issuer_fields(cmd, *a, create);
    on_run(cmd, ctx, [&ctx, a, create] {
      json::value request = issuer_body(*a, create);
      return call_and_print(ctx, a->vault_name, create ? "PUT" : "PATCH", issuer_path(a->issuer_name), &request);
    });
  }

  struct Named {
    const char* name;
    const char* help;
    const char* method;
  };
  for (const Named& op : {Named{"show", "Show a certificate issuer (without its password).", "GET"},
                          Named{"delete", "Delete a certificate issuer.", "DELETE"}}) {
    auto a = std::make_shared<IssuerArgs>();
    auto* cmd = issuer->add_subcommand(op.name, op.help);
    add_issuer_name(cmd, *a);
    on_run(cmd, ctx,
           [&ctx, a, op] { return call_and_print(ctx, a->vault_name, op.method, issuer_path(a->issuer_name)); });
  }

  auto l = std::make_shared<IssuerArgs>();
  auto* list = issuer->add_subcommand("list", "List the certificate issuers of a vault.");
  list->add_option("--vault-name", l->vault_name, "Name of the vault.")->required();
  on_run(list, ctx, [&ctx, l] { return list_and_print(ctx, l->vault_name, "/certificates/issuers", 0); });
}

}  // namespace coffer::cli
