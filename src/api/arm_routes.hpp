// The part of Azure Resource Manager that az and the management SDKs call on
// a cloud: the cloud's metadata endpoints (`az cloud register
// --endpoint-resource-manager`), the one subscription that stands for this
// server's tenant (`az login`, `az account show`) and its resource groups
// (`az group create|show|exists|list|delete`). Answers and errors in ARM's
// shapes. Routes are served on the authority's host; everything under
// /subscriptions needs a token for the authority audience (the cloud's
// activeDirectoryResourceId), /metadata/endpoints none.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "api/operation.hpp"
#include "api/rbac_routes.hpp"
#include "api/target.hpp"
#include "auth/rbac_registry.hpp"
#include "http/message.hpp"
#include "vault/resource_groups.hpp"
#include "vault/vault_registry.hpp"
#include "vault/vault_removal.hpp"

namespace coffer::api {

struct ArmContext {
  std::string authority;  // "https://localhost:8443": login, ARM and Graph endpoints
  std::string tenant_id;
  vault::ResourceGroupRegistry* groups;
  vault::VaultRegistry* vaults;
  vault::VaultRemoval* removal;  // purges deleted vaults
  auth::RbacRegistry* rbac;      // the vaults' access policies
  // https://<name>.<suffix>[:port]/ for a vault name.
  std::function<std::string(const std::string&)> vault_url;
};

// The subscription id of `tenant_id`: a GUID derived from it (RFC 9562
// version 8), so every replica and every restart names the same one.
std::string subscription_id_of(std::string_view tenant_id);

// Whether `target` is on ARM's surface (/metadata/endpoints, /tenants, /subscriptions…).
bool is_arm_path(const ParsedTarget& target);
// Whether the ARM request needs no token (the cloud metadata).
bool is_public_arm_path(const ParsedTarget& target);

// ARM's api-version check (a date, optionally with a suffix); the refusal in ARM's shape.
std::optional<http::Response> refuse_arm_api_version(const ParsedTarget& target);

// How ARM writes role-management scopes: /subscriptions/{s} ↔ "/",
// …/resourceGroups/{g} ↔ "/resourcegroups/{g}", …/providers/Microsoft.KeyVault/
// vaults/{v}[/secrets|keys|certificates/{n}] ↔ "/vaults/{v}[/…]"; role
// definition ids under /subscriptions/{s}.
ScopeForm arm_scope_form(const ArmContext& ctx);

// The operation for an ARM request (is_arm_path). Its action is empty for
// the cloud and its subscription, which any principal of the tenant may
// read; resource groups take ARM's actions (Microsoft.Resources/…) at "/".
Operation route_arm(const http::Request& req, const ParsedTarget& target, const ArmContext& ctx);

// ARM's and Graph's 401: AuthenticationFailed when no token came, else
// InvalidAuthenticationToken, with a Bearer challenge naming `authorization_uri`.
http::Response arm_unauthorized(std::string_view authorization_uri, bool token_missing, std::string_view why);

// ARM's error body: {"error": {"code", "message"}}.
http::Response arm_error(int status, std::string_view code, std::string_view message);
// A refusal of a lower layer in ARM's shape: its reason is the code where it
// has one (else ARM's generic code for the status); 500 and 503 keep AKV's.
http::Response arm_failure(const Status& st);
// The resource path of a vault: /subscriptions/{s}/resourceGroups/{rg}/providers/Microsoft.KeyVault/vaults/{name}.
std::string arm_vault_id(const ArmContext& ctx, const vault::VaultInfo& v);

}  // namespace coffer::api
