// Authorizer: the one decision point for "may this principal perform this
// action on this scope". Every data-plane and admin request calls it with
// an action (e.g. "Microsoft.KeyVault/vaults/secrets/getSecret/action",
// "Coffer/vaults/write"; see operation_actions.hpp) and a scope
// ("/vaults/<vault>/secrets/<name>"). Deny by default: the answer is OK only
// when the caller belongs to the server's tenant and the RBAC index holds an
// assignment (to the caller or one of its groups, at the scope or above)
// whose role grants the action. Reads the registry's in-memory index, after
// the registry made sure it is current (RbacRegistry::fresh_index(): a store
// generation check, a reload only after a change); kUnavailable when it
// cannot (fail closed). Thread-safe.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "auth/operation_actions.hpp"
#include "auth/principal.hpp"
#include "auth/rbac_registry.hpp"
#include "common/status.hpp"

namespace coffer::auth {

class Authorizer {
 public:
  // The resource group of a live vault, "" when there is no such vault.
  using VaultGroupOf = std::function<std::string(std::string_view vault_name)>;
  // With `group_of`, an assignment at "/resourcegroups/{g}" also covers the
  // vaults in group g and everything in them.
  Authorizer(std::string tenant_id, const RbacRegistry& rbac, VaultGroupOf group_of = {})
      : tenant_id_(std::move(tenant_id)), rbac_(rbac), group_of_(std::move(group_of)) {}
  // OK, or kForbidden (reason "ForbiddenByRbac") with AKV's message naming
  // the caller, the action and the resource.
  Status authorize(const Principal& principal, std::string_view action, std::string_view scope) const;
  // authorize() for creating or deleting an assignment of role `role_id`,
  // honouring the Data Access Administrator's condition (which roles it may
  // hand out).
  Status authorize_assignment(const Principal& principal, std::string_view action, std::string_view scope,
                              std::string_view role_id) const;
  // For a vault whose access policies authorize its data plane: OK when a
  // policy of vault `vault_id` for the caller (or one of its groups) holds
  // the permission `operation` takes (operation_actions.hpp), else kForbidden
  // (reason "AccessDenied") with AKV's access-policy message naming
  // `vault_label` ("name;location=eastus").
  Status authorize_by_access_policy(const Principal& principal, std::string_view operation, std::string_view vault_id,
                                    std::string_view vault_label) const;
  // The 403 Status AKV sends when no assignment grants `action`.
  static Status denied(const Principal& principal, std::string_view action, std::string_view scope);

 private:
  // The scope of the resource group holding the vault `scope` is in; "" when none.
  std::string group_scope(std::string_view scope) const;

  std::string tenant_id_;
  const RbacRegistry& rbac_;
  VaultGroupOf group_of_;
};

}  // namespace coffer::auth
