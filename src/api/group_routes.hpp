// Groups on Coffer's admin API (bearer token for the authority audience):
//   GET    /coffer/admin/groups                          list
//   POST   /coffer/admin/groups {displayName}            create → 201
//   GET    /coffer/admin/groups/{objectId}               show
//   DELETE /coffer/admin/groups/{objectId}               delete (and its role assignments) → 204
//   PUT    /coffer/admin/groups/{objectId}/members/{id}  add a member → 200 with the group
//   DELETE /coffer/admin/groups/{objectId}/members/{id}  remove a member → 200 with the group
// A member is named by a service principal's object id or client id; it is
// stored as the object id. Group JSON: {objectId, displayName, members[]}.
// Actions: Coffer/groups/read|write|delete, Coffer/groups/members/write|delete at "/".
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "api/operation.hpp"
#include "auth/rbac_registry.hpp"
#include "auth/service_principals.hpp"
#include "auth/users.hpp"

namespace coffer::api {

struct GroupContext {
  auth::RbacRegistry& rbac;
  auth::ServicePrincipalRegistry& principals;
  auth::UserRegistry* users = nullptr;  // null: members are service principals only
};

// `segments` start after "coffer", "admin"; nullopt unless they start with "groups".
std::optional<Operation> route_groups(const http::Request& req, const std::vector<std::string>& segments,
                                      const GroupContext& ctx);

}  // namespace coffer::api
