// AccessIndex: an immutable, in-memory snapshot of every role definition,
// role assignment, group membership and vault access policy, shaped for the
// authorization decision: principal (or group) id → its grants, member →
// its groups, vault id → its policies.
// The RbacRegistry builds a new snapshot after each of its own writes and
// publishes it atomically; a request reads one snapshot and never the store.
// Immutable after construction, so safe to share between threads.
#pragma once

#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "auth/access_policy.hpp"
#include "auth/role_definition.hpp"

namespace coffer::auth {

class AccessIndex {
 public:
  // `custom_roles` join the built-in roles. Assignments whose role is unknown
  // grant nothing.
  AccessIndex(const std::vector<RoleDefinition>& custom_roles, const std::vector<RoleAssignment>& assignments,
              const std::vector<Group>& groups,
              std::unordered_map<std::string, std::vector<AccessPolicy>> access_policies = {});
  AccessIndex(const AccessIndex&) = delete;
  AccessIndex& operator=(const AccessIndex&) = delete;

  // Deny by default: true only when an assignment to `object_id`, or to a
  // group it is a direct member of, at `scope` or an ancestor of it, names a
  // role that grants `action` (see role_grants()).
  bool allows(std::string_view object_id, std::string_view action, std::string_view scope) const;
  // allows() for Microsoft.Authorization/roleAssignments/write|delete of an
  // assignment of role `role_id`: a grant from a role with an
  // assignable_role_ids condition counts only if the condition lists it.
  bool allows_assignment(std::string_view object_id, std::string_view action, std::string_view scope,
                         std::string_view role_id) const;

  // Deny by default: true only when an access policy of the vault with id
  // `vault_id`, for `object_id` or a group it is a direct member of, holds
  // `permission` ("secrets/get").
  bool policy_allows(std::string_view vault_id, std::string_view object_id, std::string_view permission) const;

  std::size_t assignment_count() const { return assignments_; }

 private:
  struct Grant {
    std::string scope;
    const RoleDefinition* role;
  };
  bool check(std::string_view object_id, std::string_view action, std::string_view scope,
             const std::string* role_id) const;

  std::unordered_map<std::string, RoleDefinition> roles_;                // role GUID → role
  std::unordered_map<std::string, std::vector<Grant>> grants_;           // principal or group id → grants
  std::unordered_map<std::string, std::vector<std::string>> groups_of_;  // member id → group ids
  std::unordered_map<std::string, std::vector<AccessPolicy>> policies_;  // vault id → its access policies
  std::size_t assignments_ = 0;
};

}  // namespace coffer::auth
