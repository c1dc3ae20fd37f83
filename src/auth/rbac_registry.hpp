// RbacRegistry: custom role definitions, role assignments, groups and the
// access policies of vaults that do not use RBAC, kept in the store (keys
// "rbac/role/", "rbac/assignment/", "rbac/group/", "rbac/policies/") and
// mirrored in memory. Every write goes to the store first; only when it is
// durable does the registry update its copy and publish a new AccessIndex,
// so the index never grants what the store does not hold. The built-in roles
// are compiled in and never stored.
//
// Several servers may share the store (PostgreSQL replicas). Every write
// also bumps a marker entry ("rbac/marker") in the same transaction, and
// commits only if the marker is still at the revision this registry's copy
// was loaded at — otherwise nothing is written and the caller gets kConflict
// (reason "RoleManagementConflict": another server changed roles meanwhile;
// the copy is reloaded, a retry works). fresh_index(), which authorization
// uses, first checks the marker whenever the store's generation() moved and
// reloads the copy when another server changed it, so a revocation anywhere
// holds at the next request everywhere.
//
// Ids (GUIDs) are lower-cased on the way in; scopes are normalized (see
// role_definition.hpp). Errors: kBadParameter for invalid input (message
// says which), kNotFound with reason "RoleDefinitionNotFound" /
// "RoleAssignmentNotFound" / "GroupNotFound", kConflict with reason
// "RoleAssignmentExists" / "RoleDefinitionHasAssignments" / ….
// Thread-safe.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "auth/access_index.hpp"
#include "auth/access_policy.hpp"
#include "auth/role_definition.hpp"
#include "common/status.hpp"
#include "common/thread_annotations.hpp"
#include "store/store.hpp"

namespace coffer::auth {

class RbacRegistry {
 public:
  explicit RbacRegistry(store::Store& store);
  RbacRegistry(const RbacRegistry&) = delete;

  // Who may use a vault changed: a role assignment was made or removed at
  // `scope` (normalized; at or below a vault, or above it), or the access
  // policies of the vault `vault_id` were set (scope empty), or a custom role
  // definition, a group or a group's members changed (scope "/": anywhere).
  // Runs inside the change's transaction (its error undoes the change): the
  // events outbox (VaultAccessPolicyChanged) and the change feed hook in
  // here. Set before serving.
  using AccessChanged =
      std::function<Status(store::WriteTxn& txn, const std::string& scope, const std::string& vault_id)>;
  void on_access_changed(AccessChanged hook) { access_changed_ = std::move(hook); }
  RbacRegistry& operator=(const RbacRegistry&) = delete;

  // Reads everything from the store and publishes the first index. Until it
  // succeeds the index is empty (everything is denied).
  Status load();

  // The current snapshot; never null. Cheap: one shared_ptr copy.
  std::shared_ptr<const AccessIndex> index() const;
  // The snapshot after making sure it reflects every committed change, by
  // this or any other server sharing the store (a generation check; a marker
  // read and a reload only when something changed). kUnavailable when the
  // store cannot tell: authorization then fails closed.
  Result<std::shared_ptr<const AccessIndex>> fresh_index() const;

  // Role definitions: built-in first (in Azure's order), then custom by name.
  std::vector<RoleDefinition> list_roles() const;
  Result<RoleDefinition> get_role(std::string_view id) const;
  // Exact role name, case-insensitive.
  Result<RoleDefinition> find_role_by_name(std::string_view role_name) const;
  // Creates or replaces custom role `def.name`. Validates: GUID name not a
  // built-in's, roleName 1-512 characters and unique, at least one
  // permission with at least one action or data action, each pattern valid,
  // assignable scopes valid (default {"/"}). Returns the stored definition.
  Result<RoleDefinition> put_role(RoleDefinition def);
  // Custom roles only, and only when no assignment uses them.
  Result<RoleDefinition> delete_role(std::string_view id);

  // Validates GUIDs, the scope, that the role exists and may be assigned at
  // that scope. Creating the same (name, scope, role, principal) twice is
  // OK; another assignment under that name, or the same grant under another
  // name, is kConflict.
  Result<RoleAssignment> create_assignment(RoleAssignment a);
  Result<RoleAssignment> get_assignment(std::string_view name) const;
  std::vector<RoleAssignment> list_assignments() const;
  Result<RoleAssignment> delete_assignment(std::string_view name);
  // Deletes every assignment at `scope` or below it (a deleted vault takes
  // its assignments along, as an Azure resource does, so a vault created
  // later under the same name starts without them). Returns how many.
  Result<std::size_t> delete_assignments_within(std::string_view scope);
  // Creates the assignment unless the principal already holds the role at
  // exactly that scope (for bootstrap; idempotent across restarts).
  Status ensure_assignment(std::string_view principal_id, std::string_view role_id, std::string_view scope);

  // Groups: display names 1-120 printable characters. Deleting a group also
  // deletes the role assignments made to it.
  Result<Group> create_group(const std::string& display_name);
  std::vector<Group> list_groups() const;
  Result<Group> get_group(std::string_view object_id) const;
  Status delete_group(std::string_view object_id);
  // `member_id`: a principal's object id (GUID). Adding twice or removing an
  // absent member is OK.
  Result<Group> add_member(std::string_view group_id, std::string_view member_id);
  Result<Group> remove_member(std::string_view group_id, std::string_view member_id);

  // The access policies of the vault with id `vault_id` (access_policy.hpp),
  // in the order set.
  Result<std::vector<AccessPolicy>> access_policies(std::string_view vault_id) const;
  // Replaces them (validated, at most kMaxAccessPolicies); none removes the
  // record. Returns what is stored.
  Result<std::vector<AccessPolicy>> set_access_policies(std::string_view vault_id, std::vector<AccessPolicy> policies);

 private:
  struct State {
    std::map<std::string, RoleDefinition> roles;                // custom roles by GUID
    std::map<std::string, RoleAssignment> assignments;          // by GUID
    std::map<std::string, Group> groups;                        // by object id
    std::map<std::string, std::vector<AccessPolicy>> policies;  // by vault id
  };
  const RoleDefinition* role_locked(const std::string& id) const COFFER_REQUIRES(write_mu_);
  void publish_locked() const COFFER_REQUIRES(write_mu_);
  Result<RoleAssignment> create_assignment_locked(RoleAssignment a) COFFER_REQUIRES(write_mu_);
  // Reads everything (and the marker's revision) into state_ and publishes.
  Status load_locked() const COFFER_REQUIRES(write_mu_);
  // Reloads when the marker moved since state_ was loaded; `generation` is
  // the store's, taken before the check.
  Status refresh_locked(std::uint64_t generation) const COFFER_REQUIRES(write_mu_);
  // Writes `mutation` and bumps the marker, if the marker is where state_
  // was loaded at; afterwards state_'s marker revision is the new one.
  Status commit_locked(const std::function<Status(store::WriteTxn&)>& mutation) COFFER_REQUIRES(write_mu_);
  // The hook for a change that may alter access anywhere (scope "/").
  Status changed_everywhere(store::WriteTxn& txn) const {
    return access_changed_ ? access_changed_(txn, "/", {}) : Status::Ok();
  }

  store::Store& store_;
  AccessChanged access_changed_;
  mutable Mutex write_mu_;  // serializes writers and reloads; guards state_ and the marker fields
  mutable State state_ COFFER_GUARDED_BY(write_mu_);
  mutable int64_t marker_revision_ COFFER_GUARDED_BY(write_mu_) = -1;  // of state_; -1 = never loaded
  mutable std::atomic<std::uint64_t> checked_at_{0};  // store generation when state_ was last known current
  mutable Mutex index_mu_;                            // guards index_ (the pointer only)
  mutable std::shared_ptr<const AccessIndex> index_ COFFER_GUARDED_BY(index_mu_);
};

// Makes `object_id` a server administrator: Key Vault Administrator and
// Coffer Administrator at "/" (idempotent). For the bootstrap principals.
Status grant_administrator(RbacRegistry& rbac, std::string_view object_id);

}  // namespace coffer::auth
