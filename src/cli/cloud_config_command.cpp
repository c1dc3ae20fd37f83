// coffer cloud-config: the custom-cloud JSON for `az cloud register
// --cloud-config @file`, naming this server as the cloud's identity provider,
// Resource Manager and Graph, and its vault DNS suffix. The server comes from
// --port (https://localhost:PORT) or, by default, from the CLI's credentials
// (dev.json or AZURE_AUTHORITY_HOST / COFFER_VAULT_DNS_SUFFIX). The tenant's
// subscription id goes to stderr when the tenant is known (a GUID).
#include <boost/json.hpp>
#include <iostream>

#include "api/arm_routes.hpp"
#include "cli/commands.hpp"
#include "cli/credentials.hpp"

namespace coffer::cli {
namespace json = boost::json;
namespace {

struct CloudConfigArgs {
  int port = 0;
};

bool is_guid(const std::string& s) {
  if (s.size() != 36) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash != (s[i] == '-') || (!dash && std::isxdigit(static_cast<unsigned char>(s[i])) == 0)) return false;
  }
  return true;
}

Status run_cloud_config(const CliContext& ctx, const CloudConfigArgs& a) {
  std::string authority, suffix, tenant;
  if (a.port > 0) {
    authority = "https://localhost:" + std::to_string(a.port);
    suffix = "vault.localhost:" + std::to_string(a.port);
    if (auto creds = load_credentials(ctx.data_dir); creds.ok()) tenant = creds->tenant_id;
  } else {
    COFFER_ASSIGN_OR_RETURN(Credentials creds, load_credentials(ctx.data_dir));
    COFFER_ASSIGN_OR_RETURN(suffix, require_vault_suffix(creds));
    authority = creds.authority;
    tenant = creds.tenant_id;
  }
  const std::string resource = authority + "/";
  print_result(ctx, json::object{{"endpoints", json::object{{"resourceManager", resource},
                                                            {"activeDirectory", authority + "/adfs"},
                                                            {"activeDirectoryResourceId", resource},
                                                            {"activeDirectoryGraphResourceId", resource},
                                                            {"microsoftGraphResourceId", resource}}},
                                 {"suffixes", json::object{{"keyvaultDns", "." + suffix}}}});
  if (is_guid(tenant)) {
    std::cerr << "# tenant " << tenant << ", subscription " << api::subscription_id_of(tenant) << std::endl;
  }
  return Status::Ok();
}

}  // namespace

void add_cloud_config_command(CLI::App& app, CliContext& ctx) {
  auto args = std::make_shared<CloudConfigArgs>();
  CLI::App* cmd = app.add_subcommand(
      "cloud-config", "Print the custom-cloud JSON for `az cloud register -n Coffer --cloud-config @FILE`.");
  cmd->add_option("--port", args->port, "The server's port on localhost (default: from dev.json or AZURE_*).")
      ->check(CLI::Range(1, 65535));
  on_run(cmd, ctx, [&ctx, args] { return run_cloud_config(ctx, *args); });
}

}  // namespace coffer::cli
