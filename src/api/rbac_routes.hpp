// The data-plane role-management API of rbac.json, on vault hosts and the
// bare host:
//   GET    /{scope}/providers/Microsoft.Authorization/roleDefinitions[?$filter=roleName eq '…']
//   GET|PUT|DELETE /{scope}/providers/Microsoft.Authorization/roleDefinitions/{guid}   (PUT → 201)
//   GET    /{scope}/providers/Microsoft.Authorization/roleAssignments[?$filter=atScope() | principalId eq '…']
//   GET|PUT|DELETE /{scope}/providers/Microsoft.Authorization/roleAssignments/{guid}   (PUT → 201)
// {scope} is sent unencoded ("//providers/…" for "/"). On the bare host it is
// absolute ("/", "/vaults/v", "/vaults/v/secrets/n"); on a vault host it is
// relative to that vault ("/" = the vault, "/secrets/n" = one secret).
// Actions: Microsoft.Authorization/roleDefinitions|roleAssignments/read|write|delete
// at the request's scope (auth/operation_actions.hpp). Creating or deleting
// an assignment also checks the caller may hand out that particular role.
#pragma once

#include <optional>
#include <string>

#include "api/operation.hpp"
#include "auth/authorizer.hpp"
#include "auth/principal.hpp"
#include "auth/rbac_registry.hpp"

namespace coffer::api {

struct RbacContext {
  auth::RbacRegistry& rbac;
  const auth::Authorizer& authorizer;
  const auth::Principal& caller;
};

// True when the path goes through ".../providers/Microsoft.Authorization/…".
bool is_rbac_path(const ParsedTarget& target);

// `scope_prefix`: "" on the bare host, "/vaults/<vault>" on a vault host.
// nullopt when no route matches.
std::optional<Operation> route_rbac(const http::Request& req, const ParsedTarget& target,
                                    const std::string& scope_prefix, const RbacContext& ctx);

}  // namespace coffer::api
