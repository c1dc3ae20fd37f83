// Role-based access control, the vocabulary: role definitions (what a role
// may do), role assignments (who holds a role, and where) and groups (whom
// a grant to a group reaches), plus the pure functions the decision is made
// of: Azure-style action wildcards and Coffer's scopes.
//
// Scopes, canonical form (lower case, no trailing slash):
//   "/"                                           every vault, and the admin API
//   "/vaults/{vault}"                             one vault and all its objects
//   "/vaults/{vault}/{secrets|keys|certificates}/{name}"   one object, all versions
// An assignment at a scope covers that scope and everything below it.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/ascii.hpp"
#include "common/status.hpp"

namespace coffer::auth {

// One permission entry. `dataActions` grant data-plane actions minus
// `notDataActions` (a subtraction within this entry, not a deny).
// `actions` / `notActions` are ARM control-plane actions; Coffer honours them
// only for "Microsoft.Authorization/…" actions (role management is Coffer's
// part of the control plane), as Azure's Data Access Administrator needs.
struct Permission {
  std::vector<std::string> actions;
  std::vector<std::string> not_actions;
  std::vector<std::string> data_actions;
  std::vector<std::string> not_data_actions;
};

struct RoleDefinition {
  std::string name;       // GUID, lower case: the role's id
  std::string role_name;  // "Key Vault Secrets User"
  std::string description;
  bool built_in = false;
  std::vector<Permission> permissions;
  std::vector<std::string> assignable_scopes;  // canonical scopes, usually {"/"}
  // Models the ABAC condition of Key Vault Data Access Administrator: when
  // non-empty, Microsoft.Authorization/roleAssignments/write|delete granted by
  // this role apply only to assignments of these role definitions.
  std::vector<std::string> assignable_role_ids;
};

struct RoleAssignment {
  std::string name;                // GUID, lower case
  std::string scope;               // canonical scope
  std::string role_definition_id;  // the role's GUID, lower case
  std::string principal_id;        // object id of a service principal or group, lower case
};

struct Group {
  std::string object_id;  // GUID, lower case
  std::string display_name;
  std::vector<std::string> members;  // principal object ids, lower case, sorted, unique
};

// GUIDs of the built-in roles used by Coffer itself.
inline constexpr std::string_view kKeyVaultAdministratorRoleId = "00482a5a-887f-4fb3-b363-3b7fe8e74483";
inline constexpr std::string_view kKeyVaultSecretsUserRoleId = "4633458b-17de-408a-b874-0445c86b69e6";
inline constexpr std::string_view kKeyVaultContributorRoleId = "f25e0fa2-a7c8-4377-a976-54943a77a395";
inline constexpr std::string_view kKeyVaultDataAccessAdministratorRoleId = "8b54135c-b56d-4d72-a534-26097cfdc8d8";
// Coffer's own built-in role for its admin API and role management
// (dataActions "Coffer/*" and "Microsoft.Authorization/*"). A fixed GUID,
// chosen once for Coffer; it is not an Azure role.
inline constexpr std::string_view kCofferAdministratorRoleId = "c0ffe700-0000-4000-8000-00000000ad01";

// Azure's built-in Key Vault roles (RBAC-ROLES.md §1.1) and Coffer Administrator.
const std::vector<RoleDefinition>& builtin_roles();
// nullptr when `guid` is not a built-in role.
const RoleDefinition* find_builtin_role(std::string_view guid);

// Azure's wildcard match: `*` matches any run of characters (including '/'),
// everything else compares case-insensitively.
bool action_matches(std::string_view pattern, std::string_view action);
// Whether `action` acts on a vault's contents (Microsoft.KeyVault/vaults/
// secrets|keys|certificates|…/…) or on Coffer's own admin surface (Coffer/…):
// granted by dataActions. Every other action is Azure Resource Manager's
// control plane (Microsoft.KeyVault/vaults/write, Microsoft.Resources/…,
// Microsoft.Authorization/…): granted by actions.
bool is_data_action(std::string_view action);
// True when some permission of `role` grants `action`: a data action by its
// dataActions less notDataActions, any other by its actions less notActions.
bool role_grants(const RoleDefinition& role, std::string_view action);

// "8-4-4-4-12" hex digits.
bool is_guid(std::string_view s);

// Canonical scope for `scope` ("" and repeated or trailing slashes are
// tolerated; names lower-cased), or kBadParameter naming the accepted forms:
// "/", "/resourcegroups/{group}" (ARM's resource groups: it covers the
// vaults in that group, which the Authorizer looks up), "/vaults/{vault}",
// "/vaults/{vault}/secrets|keys|certificates/{name}".
Result<std::string> normalize_scope(std::string_view scope);
// True when an assignment at `assigned` (canonical) covers `requested`
// (any case; normalized with the same rules).
bool scope_covers(std::string_view assigned, std::string_view requested);

// Checks a data action / action pattern written in a role definition:
// 1-256 printable ASCII characters, no spaces.
Status validate_action_pattern(std::string_view pattern);

}  // namespace coffer::auth
