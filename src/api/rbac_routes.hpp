// The data-plane role-management API of rbac.json, on vault hosts and the
// bare host:
//   GET    /{scope}/providers/Microsoft.Authorization/roleDefinitions[?$filter=roleName eq '…']
//   GET|PUT|DELETE /{scope}/providers/Microsoft.Authorization/roleDefinitions/{guid}   (PUT → 201)
//   GET    /{scope}/providers/Microsoft.Authorization/roleAssignments[?$filter=atScope() | principalId eq '…']
//   GET|PUT|DELETE /{scope}/providers/Microsoft.Authorization/roleAssignments/{guid}   (PUT → 201)
// {scope} is sent unencoded ("//providers/…" for "/"). How it is written is
// the ScopeForm's: on the bare host absolute Coffer scopes ("/", "/vaults/v",
// "/vaults/v/secrets/n"); on a vault host relative to that vault ("/" = the
// vault, "/secrets/n" = one secret); on Azure Resource Manager resource ids
// (api/arm_routes.hpp).
// Actions: Microsoft.Authorization/roleDefinitions|roleAssignments/read|write|delete
// at the request's scope (auth/operation_actions.hpp). Creating or deleting
// an assignment also checks the caller may hand out that particular role.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "api/operation.hpp"
#include "auth/authorizer.hpp"
#include "auth/principal.hpp"
#include "auth/rbac_registry.hpp"
#include "auth/users.hpp"

namespace coffer::api {

// How one surface writes scopes, in URLs, ids and properties.scope.
struct ScopeForm {
  // The scope as the URL writes it (before /providers/Microsoft.Authorization)
  // → a canonical Coffer scope (auth::normalize_scope); an error explains.
  std::function<Result<std::string>(std::string_view written)> parse;
  // A canonical Coffer scope → as this surface shows it ("" stands for "/" in ids).
  std::function<std::string(const std::string& scope)> show;
  // What role definition ids start with before /providers/Microsoft.Authorization/….
  std::string definitions_prefix;
  bool arm = false;  // ARM's spellings: BuiltInRole, principalType, createdOn…
};

// rbac.json's form: absolute scopes (`vault_prefix` empty) or relative to the vault "/vaults/<name>".
ScopeForm coffer_scope_form(std::string vault_prefix);

struct RbacContext {
  auth::RbacRegistry& rbac;
  const auth::Authorizer& authorizer;
  const auth::Principal& caller;
  const ScopeForm& form;
  auth::UserRegistry* users = nullptr;  // tells users from service principals in ARM's principalType
};

// True when the path goes through ".../providers/Microsoft.Authorization/…".
bool is_rbac_path(const ParsedTarget& target);

// nullopt when no route matches. The operation refers to `req`, `target` and `ctx`.
std::optional<Operation> route_rbac(const http::Request& req, const ParsedTarget& target, const RbacContext& ctx);

}  // namespace coffer::api
