// The part of Microsoft Graph that az asks before it grants or assigns:
// `/v1.0/me` (the signed-in user; a service principal is not a user: 400,
// as Graph answers an app-only token, after which az looks the principal
// up), `/v1.0/users/{id or userPrincipalName}` and
// `/v1.0/servicePrincipals`, filtered by `servicePrincipalNames/any(c:c eq
// '<app id>')`, `appId eq '…'` or `displayName eq '…'`, or one by object id;
// `/v1.0/groups` (all, `displayName eq '…'`, or one by id) and
// `POST /v1.0/directoryObjects/getByIds` (what az resolves assignees and
// role-assignment principals with) — backed by Coffer's service principals
// and groups. Graph's shapes and error codes;
// served on the authority's host for tokens of the authority audience (the
// cloud's microsoftGraphResourceId). Reads only: every principal of the
// tenant may read the directory.
#pragma once

#include <string>

#include "api/operation.hpp"
#include "api/target.hpp"
#include "auth/rbac_registry.hpp"
#include "auth/service_principals.hpp"
#include "auth/users.hpp"
#include "http/message.hpp"

namespace coffer::api {

struct GraphContext {
  std::string authority;
  auth::ServicePrincipalRegistry* principals;
  auth::RbacRegistry* groups;           // null: no groups
  auth::UserRegistry* users = nullptr;  // null: no users
  auth::Principal caller = {};          // who asks (/me)
};

// Whether `target` is on Graph's surface (/v1.0/…).
bool is_graph_path(const ParsedTarget& target);

Operation route_graph(const http::Request& req, const ParsedTarget& target, const GraphContext& ctx);

}  // namespace coffer::api
