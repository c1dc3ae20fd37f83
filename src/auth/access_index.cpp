#include "auth/access_index.hpp"

#include <algorithm>

namespace coffer::auth {

AccessIndex::AccessIndex(const std::vector<RoleDefinition>& custom_roles,
                         const std::vector<RoleAssignment>& assignments, const std::vector<Group>& groups,
                         std::unordered_map<std::string, std::vector<AccessPolicy>> access_policies)
    : policies_(std::move(access_policies)) {
  for (const auto& r : builtin_roles()) roles_.emplace(r.name, r);
  for (const auto& r : custom_roles) roles_.emplace(r.name, r);
  for (const auto& a : assignments) {
    auto role = roles_.find(a.role_definition_id);
    if (role == roles_.end()) continue;
    grants_[a.principal_id].push_back(Grant{a.scope, &role->second});
    ++assignments_;
  }
  for (const auto& g : groups) {
    for (const auto& m : g.members) groups_of_[m].push_back(g.object_id);
  }
}

bool AccessIndex::allows(std::string_view object_id, std::string_view action, std::string_view scope) const {
  return check(object_id, action, scope, nullptr);
}

bool AccessIndex::allows_assignment(std::string_view object_id, std::string_view action, std::string_view scope,
                                    std::string_view role_id) const {
  const std::string id = lower_ascii(role_id);
  return check(object_id, action, scope, &id);
}

bool AccessIndex::check(std::string_view object_id, std::string_view action, std::string_view scope,
                        const std::string* role_id) const {
  const std::string oid = lower_ascii(object_id);
  auto grants_allow = [&](const std::string& holder) {
    auto it = grants_.find(holder);
    if (it == grants_.end()) return false;
    for (const Grant& g : it->second) {
      if (!scope_covers(g.scope, scope) || !role_grants(*g.role, action)) continue;
      const auto& allowed = g.role->assignable_role_ids;
      if (role_id && !allowed.empty() && std::find(allowed.begin(), allowed.end(), *role_id) == allowed.end()) {
        continue;
      }
      return true;
    }
    return false;
  };
  if (grants_allow(oid)) return true;
  auto groups = groups_of_.find(oid);
  if (groups == groups_of_.end()) return false;
  return std::any_of(groups->second.begin(), groups->second.end(), grants_allow);
}

bool AccessIndex::policy_allows(std::string_view vault_id, std::string_view object_id,
                                std::string_view permission) const {
  auto policies = policies_.find(std::string(vault_id));
  if (policies == policies_.end()) return false;
  const std::string oid = lower_ascii(object_id);
  const auto groups = groups_of_.find(oid);
  const auto holder_is_caller = [&](const std::string& holder) {
    if (holder == oid) return true;
    return groups != groups_of_.end() &&
           std::find(groups->second.begin(), groups->second.end(), holder) != groups->second.end();
  };
  return std::any_of(policies->second.begin(), policies->second.end(), [&](const AccessPolicy& p) {
    // A compound policy (applicationId set) holds only for that application acting for the user;
    // Coffer's tokens carry no such pair, so it grants nothing.
    return p.application_id.empty() && holder_is_caller(p.object_id) && policy_grants(p, permission);
  });
}

}  // namespace coffer::auth
