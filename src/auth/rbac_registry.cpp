#include "auth/rbac_registry.hpp"

#include <algorithm>

#include "common/record_codec.hpp"
#include "crypto/random.hpp"

namespace coffer::auth {
namespace {

constexpr std::string_view kRolePrefix = "rbac/role/";
constexpr std::string_view kAssignmentPrefix = "rbac/assignment/";
constexpr std::string_view kGroupPrefix = "rbac/group/";
constexpr std::string_view kPolicyPrefix = "rbac/policies/";  // + vault id
// Bumped by every write, in its transaction: another server's change shows as a new revision.
constexpr std::string_view kMarkerKey = "rbac/marker";
constexpr std::size_t kMaxListEntries = 1000;

// ---- records -------------------------------------------------------------
enum PermissionField : uint8_t { kActions = 1, kNotActions, kDataActions, kNotDataActions };
enum RoleField : uint8_t { kRoleId = 1, kRoleName, kRoleDescription, kRolePermissions, kRoleScopes };
enum AssignmentField : uint8_t { kAsgName = 1, kAsgScope, kAsgRole, kAsgPrincipal };
enum GroupField : uint8_t { kGroupId = 1, kGroupName, kGroupMembers };

std::string encode_role(const RoleDefinition& r) {
  std::vector<std::string> perms;
  for (const auto& p : r.permissions) {
    RecordWriter w;
    w.list(kActions, p.actions).list(kNotActions, p.not_actions);
    w.list(kDataActions, p.data_actions).list(kNotDataActions, p.not_data_actions);
    perms.push_back(w.take());
  }
  RecordWriter w;
  w.bytes(kRoleId, r.name).bytes(kRoleName, r.role_name).bytes(kRoleDescription, r.description);
  w.list(kRolePermissions, perms).list(kRoleScopes, r.assignable_scopes);
  return w.take();
}

std::optional<RoleDefinition> decode_role(std::string_view data) {
  auto r = RecordReader::parse(data);
  if (!r) return std::nullopt;
  RoleDefinition out;
  out.name = r->bytes(kRoleId);
  out.role_name = r->bytes(kRoleName);
  out.description = r->bytes(kRoleDescription);
  for (const auto& enc : r->list(kRolePermissions)) {
    auto p = RecordReader::parse(enc);
    if (!p) return std::nullopt;
    out.permissions.push_back(
        Permission{p->list(kActions), p->list(kNotActions), p->list(kDataActions), p->list(kNotDataActions)});
  }
  out.assignable_scopes = r->list(kRoleScopes);
  return out;
}

std::string encode_assignment(const RoleAssignment& a) {
  RecordWriter w;
  w.bytes(kAsgName, a.name).bytes(kAsgScope, a.scope).bytes(kAsgRole, a.role_definition_id);
  w.bytes(kAsgPrincipal, a.principal_id);
  return w.take();
}

std::optional<RoleAssignment> decode_assignment(std::string_view data) {
  auto r = RecordReader::parse(data);
  if (!r) return std::nullopt;
  return RoleAssignment{r->bytes(kAsgName), r->bytes(kAsgScope), r->bytes(kAsgRole), r->bytes(kAsgPrincipal)};
}

std::string encode_group(const Group& g) {
  RecordWriter w;
  w.bytes(kGroupId, g.object_id).bytes(kGroupName, g.display_name).list(kGroupMembers, g.members);
  return w.take();
}

std::optional<Group> decode_group(std::string_view data) {
  auto r = RecordReader::parse(data);
  if (!r) return std::nullopt;
  return Group{r->bytes(kGroupId), r->bytes(kGroupName), r->list(kGroupMembers)};
}

std::string key(std::string_view prefix, const std::string& id) { return std::string(prefix) + id; }

// ---- validation ----------------------------------------------------------

Status validate_display_name(const std::string& name, std::string_view what, std::size_t max) {
  if (name.empty() || name.size() > max) {
    return bad_parameter(std::string(what) + " must be 1-" + std::to_string(max) + " characters.");
  }
  for (unsigned char c : name) {
    if (c < 0x20 || c == 0x7f) return bad_parameter(std::string(what) + " contains control characters.");
  }
  return Status::Ok();
}

Status validate_patterns(std::vector<std::string>& patterns) {
  if (patterns.size() > 200) return bad_parameter("A permission may list at most 200 actions.");
  for (const auto& p : patterns) COFFER_RETURN_IF_ERROR(validate_action_pattern(p));
  return Status::Ok();
}

Status role_not_found(std::string_view id) {
  return Status(Code::kNotFound, "The role definition '" + std::string(id.substr(0, 64)) + "' does not exist.",
                "RoleDefinitionNotFound");
}
Status assignment_not_found() {
  return Status(Code::kNotFound, "Requested role assignment not found.", "RoleAssignmentNotFound");
}
Status group_not_found(std::string_view id) {
  return Status(Code::kNotFound, "Group '" + std::string(id.substr(0, 64)) + "' was not found.", "GroupNotFound");
}

template <typename T, typename Decode>
Status load_prefix(store::ReadTxn& txn, std::string_view prefix, Decode decode, std::map<std::string, T>& out,
                   std::string T::*id) {
  return store::for_each_entry(txn, prefix, [&](const store::Entry& e) -> Status {
    auto v = decode(e.value);
    if (!v) return Status(Code::kInternal, "corrupt RBAC record " + e.key);
    std::string k = (*v).*id;
    out.emplace(std::move(k), std::move(*v));
    return Status::Ok();
  });
}

}  // namespace

RbacRegistry::RbacRegistry(store::Store& store)
    : store_(store),
      index_(std::make_shared<const AccessIndex>(std::vector<RoleDefinition>{}, std::vector<RoleAssignment>{},
                                                 std::vector<Group>{})) {
  store_.watch(std::string(kMarkerKey));
}

Status RbacRegistry::load() {
  MutexLock lock(write_mu_);
  const std::uint64_t generation = store_.generation();
  COFFER_RETURN_IF_ERROR(load_locked());
  checked_at_.store(generation);
  return Status::Ok();
}

Status RbacRegistry::load_locked() const {
  State loaded;
  int64_t marker = 0;
  COFFER_RETURN_IF_ERROR(store_.read([&](store::ReadTxn& txn) -> Status {
    COFFER_ASSIGN_OR_RETURN(auto m, txn.get(kMarkerKey));
    marker = m ? m->revision : 0;
    COFFER_RETURN_IF_ERROR(load_prefix(txn, kRolePrefix, decode_role, loaded.roles, &RoleDefinition::name));
    COFFER_RETURN_IF_ERROR(
        load_prefix(txn, kAssignmentPrefix, decode_assignment, loaded.assignments, &RoleAssignment::name));
    COFFER_RETURN_IF_ERROR(load_prefix(txn, kGroupPrefix, decode_group, loaded.groups, &Group::object_id));
    return store::for_each_entry(txn, kPolicyPrefix, [&](const store::Entry& e) -> Status {
      auto policies = decode_access_policies(e.value);
      if (!policies) return Status(Code::kInternal, "corrupt RBAC record " + e.key);
      loaded.policies.emplace(e.key.substr(kPolicyPrefix.size()), std::move(*policies));  // keyed by vault id
      return Status::Ok();
    });
  }));
  state_ = std::move(loaded);
  marker_revision_ = marker;
  publish_locked();
  return Status::Ok();
}

Status RbacRegistry::refresh_locked(std::uint64_t generation) const {
  if (marker_revision_ >= 0 && checked_at_.load() == generation) return Status::Ok();
  COFFER_ASSIGN_OR_RETURN(int64_t marker, store::current_revision(store_, kMarkerKey));
  if (marker != marker_revision_) COFFER_RETURN_IF_ERROR(load_locked());
  checked_at_.store(generation);
  return Status::Ok();
}

Status RbacRegistry::commit_locked(const std::function<Status(store::WriteTxn&)>& mutation) {
  int64_t next_marker = -1;
  const int64_t loaded_at = marker_revision_;  // (read under write_mu_, which the callback runs within)
  Status st = store_.write([&](store::WriteTxn& txn) -> Status {
    COFFER_ASSIGN_OR_RETURN(auto m, txn.get(kMarkerKey));
    if ((m ? m->revision : 0) != loaded_at) {
      return Status(Code::kConflict, "Role management changed on another server meanwhile; retry the request.",
                    "RoleManagementConflict");
    }
    COFFER_RETURN_IF_ERROR(mutation(txn));
    COFFER_RETURN_IF_ERROR(txn.put(kMarkerKey, ""));
    COFFER_ASSIGN_OR_RETURN(auto bumped, txn.get(kMarkerKey));
    next_marker = bumped ? bumped->revision : -1;
    return Status::Ok();
  });
  if (st.code() == Code::kConflict && st.reason() == "RoleManagementConflict") {
    (void)load_locked();  // the next request sees the other server's change
    return st;
  }
  COFFER_RETURN_IF_ERROR(st);
  marker_revision_ = next_marker;
  return Status::Ok();
}

std::shared_ptr<const AccessIndex> RbacRegistry::index() const {
  MutexLock lock(index_mu_);
  return index_;
}

Result<std::shared_ptr<const AccessIndex>> RbacRegistry::fresh_index() const {
  const std::uint64_t generation = store_.generation();
  if (checked_at_.load() != generation) {
    MutexLock lock(write_mu_);
    if (Status st = refresh_locked(generation); !st.ok()) {
      return Status(Code::kUnavailable, "Role assignments cannot be checked right now: " + st.message());
    }
  }
  return index();
}

void RbacRegistry::publish_locked() const {
  std::vector<RoleDefinition> roles;
  for (const auto& [id, r] : state_.roles) roles.push_back(r);
  std::vector<RoleAssignment> assignments;
  for (const auto& [id, a] : state_.assignments) assignments.push_back(a);
  std::vector<Group> groups;
  for (const auto& [id, g] : state_.groups) groups.push_back(g);
  std::unordered_map<std::string, std::vector<AccessPolicy>> policies(state_.policies.begin(), state_.policies.end());
  auto next = std::make_shared<const AccessIndex>(roles, assignments, groups, std::move(policies));
  MutexLock lock(index_mu_);
  index_ = std::move(next);
}

const RoleDefinition* RbacRegistry::role_locked(const std::string& id) const {
  if (const RoleDefinition* b = find_builtin_role(id)) return b;
  auto it = state_.roles.find(id);
  return it == state_.roles.end() ? nullptr : &it->second;
}

// ---- role definitions ----------------------------------------------------

std::vector<RoleDefinition> RbacRegistry::list_roles() const {
  MutexLock lock(write_mu_);
  (void)refresh_locked(store_.generation());  // on failure: what this server knows
  std::vector<RoleDefinition> out = builtin_roles();
  std::vector<RoleDefinition> custom;
  for (const auto& [id, r] : state_.roles) custom.push_back(r);
  std::sort(custom.begin(), custom.end(),
            [](const auto& a, const auto& b) { return lower_ascii(a.role_name) < lower_ascii(b.role_name); });
  out.insert(out.end(), custom.begin(), custom.end());
  return out;
}

Result<RoleDefinition> RbacRegistry::get_role(std::string_view id) const {
  MutexLock lock(write_mu_);
  (void)refresh_locked(store_.generation());  // on failure: what this server knows
  const RoleDefinition* r = role_locked(lower_ascii(id));
  if (!r) return role_not_found(id);
  return *r;
}

Result<RoleDefinition> RbacRegistry::find_role_by_name(std::string_view role_name) const {
  const std::string wanted = lower_ascii(role_name);
  for (const auto& r : list_roles()) {
    if (lower_ascii(r.role_name) == wanted) return r;
  }
  return Status(Code::kNotFound, "No role is named '" + std::string(role_name.substr(0, 120)) + "'.",
                "RoleDefinitionNotFound");
}

Result<RoleDefinition> RbacRegistry::put_role(RoleDefinition def) {
  def.name = lower_ascii(def.name);
  def.built_in = false;
  def.assignable_role_ids.clear();
  if (!is_guid(def.name)) return bad_parameter("The role definition name must be a GUID.");
  if (find_builtin_role(def.name)) {
    return bad_parameter("Cannot re-use the name/GUID matching that of a built-in role. Please use a unique role ID.");
  }
  COFFER_RETURN_IF_ERROR(validate_display_name(def.role_name, "roleName", 512));
  if (def.description.size() > 2048) return bad_parameter("description must be at most 2048 characters.");
  if (def.permissions.empty() || def.permissions.size() > 10) return bad_parameter("A role needs 1-10 permissions.");
  bool grants_something = false;
  for (auto& p : def.permissions) {
    COFFER_RETURN_IF_ERROR(validate_patterns(p.actions));
    COFFER_RETURN_IF_ERROR(validate_patterns(p.not_actions));
    COFFER_RETURN_IF_ERROR(validate_patterns(p.data_actions));
    COFFER_RETURN_IF_ERROR(validate_patterns(p.not_data_actions));
    grants_something = grants_something || !p.actions.empty() || !p.data_actions.empty();
  }
  if (!grants_something) return bad_parameter("A role must grant at least one action or data action.");
  if (def.assignable_scopes.empty()) def.assignable_scopes = {"/"};
  if (def.assignable_scopes.size() > 50) return bad_parameter("A role may list at most 50 assignable scopes.");
  for (auto& s : def.assignable_scopes) {
    COFFER_ASSIGN_OR_RETURN(s, normalize_scope(s));
  }

  MutexLock lock(write_mu_);
  COFFER_RETURN_IF_ERROR(refresh_locked(store_.generation()));
  if (state_.roles.size() >= kMaxListEntries && !state_.roles.count(def.name)) {
    return bad_parameter("This server holds the maximum number of custom roles.");
  }
  const std::string wanted = lower_ascii(def.role_name);
  for (const auto& r : builtin_roles()) {
    if (lower_ascii(r.role_name) == wanted) {
      return Status(Code::kConflict, "A built-in role is named '" + r.role_name + "'.", "RoleDefinitionExists");
    }
  }
  for (const auto& [id, r] : state_.roles) {
    if (id != def.name && lower_ascii(r.role_name) == wanted) {
      return Status(Code::kConflict, "A role named '" + r.role_name + "' already exists.", "RoleDefinitionExists");
    }
  }
  const std::string record = encode_role(def);
  COFFER_RETURN_IF_ERROR(commit_locked([&](store::WriteTxn& txn) -> Status {
    COFFER_RETURN_IF_ERROR(txn.put(key(kRolePrefix, def.name), record));
    return changed_everywhere(txn);
  }));
  state_.roles[def.name] = def;
  publish_locked();
  return def;
}

Result<RoleDefinition> RbacRegistry::delete_role(std::string_view id_in) {
  const std::string id = lower_ascii(id_in);
  if (find_builtin_role(id)) return bad_parameter("Built-in roles cannot be deleted.");
  MutexLock lock(write_mu_);
  COFFER_RETURN_IF_ERROR(refresh_locked(store_.generation()));
  auto it = state_.roles.find(id);
  if (it == state_.roles.end()) return role_not_found(id_in);
  for (const auto& [name, a] : state_.assignments) {
    if (a.role_definition_id == id) {
      return Status(
          Code::kConflict,
          "There are existing role assignments referencing role '" + it->second.role_name + "'; delete them first.",
          "RoleDefinitionHasAssignments");
    }
  }
  COFFER_RETURN_IF_ERROR(commit_locked([&](store::WriteTxn& txn) -> Status {
    COFFER_RETURN_IF_ERROR(txn.erase(key(kRolePrefix, id)));
    return changed_everywhere(txn);
  }));
  RoleDefinition removed = std::move(it->second);
  state_.roles.erase(it);
  publish_locked();
  return removed;
}

// ---- role assignments ----------------------------------------------------

Result<RoleAssignment> RbacRegistry::create_assignment(RoleAssignment a) {
  MutexLock lock(write_mu_);
  COFFER_RETURN_IF_ERROR(refresh_locked(store_.generation()));
  return create_assignment_locked(std::move(a));
}

Result<RoleAssignment> RbacRegistry::create_assignment_locked(RoleAssignment a) {
  a.name = lower_ascii(a.name);
  a.principal_id = lower_ascii(a.principal_id);
  a.role_definition_id = lower_ascii(a.role_definition_id);
  if (!is_guid(a.name)) return bad_parameter("The role assignment name must be a GUID.");
  if (!is_guid(a.principal_id)) return bad_parameter("principalId must be an object id (a GUID).");
  if (!is_guid(a.role_definition_id)) return bad_parameter("roleDefinitionId must name a role definition by its GUID.");
  COFFER_ASSIGN_OR_RETURN(a.scope, normalize_scope(a.scope));
  const RoleDefinition* role = role_locked(a.role_definition_id);
  if (!role) return role_not_found(a.role_definition_id);
  const bool assignable = std::any_of(role->assignable_scopes.begin(), role->assignable_scopes.end(),
                                      [&](const std::string& s) { return scope_covers(s, a.scope); });
  if (!assignable) {
    return bad_parameter("The role '" + role->role_name + "' is not assignable at scope '" + a.scope + "'.");
  }
  if (auto it = state_.assignments.find(a.name); it != state_.assignments.end()) {
    const RoleAssignment& old = it->second;
    if (old.scope == a.scope && old.principal_id == a.principal_id && old.role_definition_id == a.role_definition_id) {
      return old;
    }
    return Status(Code::kConflict,
                  "A role assignment named '" + a.name + "' already exists; assignments cannot be updated.",
                  "RoleAssignmentUpdateNotPermitted");
  }
  for (const auto& [name, old] : state_.assignments) {
    if (old.scope == a.scope && old.principal_id == a.principal_id && old.role_definition_id == a.role_definition_id) {
      return Status(Code::kConflict, "The role assignment already exists (as '" + name + "').", "RoleAssignmentExists");
    }
  }
  if (state_.assignments.size() >= 100 * kMaxListEntries) {
    return bad_parameter("This server holds the maximum number of role assignments.");
  }
  const std::string record = encode_assignment(a);
  COFFER_RETURN_IF_ERROR(commit_locked([&](store::WriteTxn& txn) -> Status {
    COFFER_RETURN_IF_ERROR(txn.put_if(key(kAssignmentPrefix, a.name), record, 0));
    return access_changed_ ? access_changed_(txn, a.scope, {}) : Status::Ok();
  }));
  state_.assignments[a.name] = a;
  publish_locked();
  return a;
}

Result<RoleAssignment> RbacRegistry::get_assignment(std::string_view name) const {
  MutexLock lock(write_mu_);
  (void)refresh_locked(store_.generation());  // on failure: what this server knows
  auto it = state_.assignments.find(lower_ascii(name));
  if (it == state_.assignments.end()) return assignment_not_found();
  return it->second;
}

std::vector<RoleAssignment> RbacRegistry::list_assignments() const {
  MutexLock lock(write_mu_);
  (void)refresh_locked(store_.generation());  // on failure: what this server knows
  std::vector<RoleAssignment> out;
  for (const auto& [name, a] : state_.assignments) out.push_back(a);
  return out;
}

Result<RoleAssignment> RbacRegistry::delete_assignment(std::string_view name_in) {
  const std::string name = lower_ascii(name_in);
  MutexLock lock(write_mu_);
  COFFER_RETURN_IF_ERROR(refresh_locked(store_.generation()));
  auto it = state_.assignments.find(name);
  if (it == state_.assignments.end()) return assignment_not_found();
  COFFER_RETURN_IF_ERROR(commit_locked([&](store::WriteTxn& txn) -> Status {
    COFFER_RETURN_IF_ERROR(txn.erase(key(kAssignmentPrefix, name)));
    return access_changed_ ? access_changed_(txn, it->second.scope, {}) : Status::Ok();
  }));
  RoleAssignment removed = std::move(it->second);
  state_.assignments.erase(it);
  publish_locked();
  return removed;
}

Result<std::size_t> RbacRegistry::delete_assignments_within(std::string_view scope_in) {
  COFFER_ASSIGN_OR_RETURN(std::string scope, normalize_scope(scope_in));
  const std::string below = scope == "/" ? "/" : scope + "/";
  MutexLock lock(write_mu_);
  COFFER_RETURN_IF_ERROR(refresh_locked(store_.generation()));
  std::vector<std::string> names;
  for (const auto& [name, a] : state_.assignments) {
    if (a.scope == scope || a.scope.starts_with(below)) names.push_back(name);
  }
  if (names.empty()) return std::size_t{0};
  COFFER_RETURN_IF_ERROR(commit_locked([&](store::WriteTxn& txn) -> Status {
    for (const auto& name : names) COFFER_RETURN_IF_ERROR(txn.erase(key(kAssignmentPrefix, name)));
    return Status::Ok();
  }));
  for (const auto& name : names) state_.assignments.erase(name);
  publish_locked();
  return names.size();
}

Status RbacRegistry::ensure_assignment(std::string_view principal_id, std::string_view role_id,
                                       std::string_view scope_in) {
  COFFER_ASSIGN_OR_RETURN(std::string scope, normalize_scope(scope_in));
  const std::string pid = lower_ascii(principal_id), rid = lower_ascii(role_id);
  MutexLock lock(write_mu_);
  COFFER_RETURN_IF_ERROR(refresh_locked(store_.generation()));
  for (const auto& [name, a] : state_.assignments) {
    if (a.principal_id == pid && a.role_definition_id == rid && a.scope == scope) return Status::Ok();
  }
  return create_assignment_locked(RoleAssignment{crypto::new_guid(), scope, rid, pid}).status();
}

// ---- groups --------------------------------------------------------------

Result<Group> RbacRegistry::create_group(const std::string& display_name) {
  COFFER_RETURN_IF_ERROR(validate_display_name(display_name, "displayName", 120));
  Group g{crypto::new_guid(), display_name, {}};
  MutexLock lock(write_mu_);
  COFFER_RETURN_IF_ERROR(refresh_locked(store_.generation()));
  if (state_.groups.size() >= kMaxListEntries) return bad_parameter("This server holds the maximum number of groups.");
  const std::string record = encode_group(g);
  COFFER_RETURN_IF_ERROR(
      commit_locked([&](store::WriteTxn& txn) { return txn.put_if(key(kGroupPrefix, g.object_id), record, 0); }));
  state_.groups[g.object_id] = g;
  publish_locked();
  return g;
}

std::vector<Group> RbacRegistry::list_groups() const {
  MutexLock lock(write_mu_);
  (void)refresh_locked(store_.generation());  // on failure: what this server knows
  std::vector<Group> out;
  for (const auto& [id, g] : state_.groups) out.push_back(g);
  return out;
}

Result<Group> RbacRegistry::get_group(std::string_view object_id) const {
  MutexLock lock(write_mu_);
  (void)refresh_locked(store_.generation());  // on failure: what this server knows
  auto it = state_.groups.find(lower_ascii(object_id));
  if (it == state_.groups.end()) return group_not_found(object_id);
  return it->second;
}

Status RbacRegistry::delete_group(std::string_view object_id) {
  const std::string id = lower_ascii(object_id);
  MutexLock lock(write_mu_);
  COFFER_RETURN_IF_ERROR(refresh_locked(store_.generation()));
  auto it = state_.groups.find(id);
  if (it == state_.groups.end()) return group_not_found(object_id);
  std::vector<std::string> doomed;
  for (const auto& [name, a] : state_.assignments) {
    if (a.principal_id == id) doomed.push_back(name);
  }
  COFFER_RETURN_IF_ERROR(commit_locked([&](store::WriteTxn& txn) -> Status {
    for (const auto& name : doomed) COFFER_RETURN_IF_ERROR(txn.erase(key(kAssignmentPrefix, name)));
    COFFER_RETURN_IF_ERROR(txn.erase(key(kGroupPrefix, id)));
    return changed_everywhere(txn);
  }));
  for (const auto& name : doomed) state_.assignments.erase(name);
  state_.groups.erase(it);
  publish_locked();
  return Status::Ok();
}

Result<std::vector<AccessPolicy>> RbacRegistry::access_policies(std::string_view vault_id) const {
  MutexLock lock(write_mu_);
  COFFER_RETURN_IF_ERROR(refresh_locked(store_.generation()));
  auto it = state_.policies.find(lower_ascii(vault_id));
  if (it == state_.policies.end()) return std::vector<AccessPolicy>{};
  return it->second;
}

Result<std::vector<AccessPolicy>> RbacRegistry::set_access_policies(std::string_view vault_id,
                                                                    std::vector<AccessPolicy> policies) {
  const std::string id = lower_ascii(vault_id);
  if (!is_guid(id)) return bad_parameter("A vault id must be a GUID.");
  if (policies.size() > kMaxAccessPolicies) return bad_parameter("A vault takes at most 1024 access policies.");
  for (auto& p : policies) COFFER_RETURN_IF_ERROR(normalise_access_policy(p));
  MutexLock lock(write_mu_);
  COFFER_RETURN_IF_ERROR(refresh_locked(store_.generation()));
  const std::string record_key = key(kPolicyPrefix, id);
  COFFER_RETURN_IF_ERROR(commit_locked([&](store::WriteTxn& txn) -> Status {
    COFFER_RETURN_IF_ERROR(policies.empty() ? txn.erase(record_key)
                                            : txn.put(record_key, encode_access_policies(policies)));
    return access_changed_ ? access_changed_(txn, {}, id) : Status::Ok();
  }));
  if (policies.empty()) {
    state_.policies.erase(id);
  } else {
    state_.policies[id] = policies;
  }
  publish_locked();
  return policies;
}

Result<Group> RbacRegistry::add_member(std::string_view group_id, std::string_view member_id) {
  const std::string member = lower_ascii(member_id);
  if (!is_guid(member)) return bad_parameter("A member must be named by its object id (a GUID).");
  MutexLock lock(write_mu_);
  COFFER_RETURN_IF_ERROR(refresh_locked(store_.generation()));
  auto it = state_.groups.find(lower_ascii(group_id));
  if (it == state_.groups.end()) return group_not_found(group_id);
  if (state_.groups.count(member)) return bad_parameter("Groups cannot be members of groups.");
  Group g = it->second;
  auto pos = std::lower_bound(g.members.begin(), g.members.end(), member);
  if (pos != g.members.end() && *pos == member) return g;
  if (g.members.size() >= kMaxListEntries) return bad_parameter("A group has at most 1000 members.");
  g.members.insert(pos, member);
  const std::string record = encode_group(g);
  COFFER_RETURN_IF_ERROR(commit_locked([&](store::WriteTxn& txn) -> Status {
    COFFER_RETURN_IF_ERROR(txn.put(key(kGroupPrefix, g.object_id), record));
    return changed_everywhere(txn);
  }));
  it->second = g;
  publish_locked();
  return g;
}

Result<Group> RbacRegistry::remove_member(std::string_view group_id, std::string_view member_id) {
  const std::string member = lower_ascii(member_id);
  MutexLock lock(write_mu_);
  COFFER_RETURN_IF_ERROR(refresh_locked(store_.generation()));
  auto it = state_.groups.find(lower_ascii(group_id));
  if (it == state_.groups.end()) return group_not_found(group_id);
  Group g = it->second;
  auto pos = std::find(g.members.begin(), g.members.end(), member);
  if (pos == g.members.end()) return g;
  g.members.erase(pos);
  const std::string record = encode_group(g);
  COFFER_RETURN_IF_ERROR(commit_locked([&](store::WriteTxn& txn) -> Status {
    COFFER_RETURN_IF_ERROR(txn.put(key(kGroupPrefix, g.object_id), record));
    return changed_everywhere(txn);
  }));
  it->second = g;
  publish_locked();
  return g;
}

Status grant_administrator(RbacRegistry& rbac, std::string_view object_id) {
  COFFER_RETURN_IF_ERROR(rbac.ensure_assignment(object_id, kKeyVaultAdministratorRoleId, "/"));
  return rbac.ensure_assignment(object_id, kCofferAdministratorRoleId, "/");
}

}  // namespace coffer::auth
