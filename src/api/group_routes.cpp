#include "api/group_routes.hpp"

#include <boost/json.hpp>

#include "api/json_body.hpp"
#include "api/responses.hpp"
#include "api/route_support.hpp"
#include "auth/operation_actions.hpp"

namespace coffer::api {
namespace json = boost::json;
namespace {

json::object group_json(const auth::Group& g) {
  json::array members;
  for (const auto& m : g.members) members.emplace_back(m);
  return json::object{{"objectId", g.object_id}, {"displayName", g.display_name}, {"members", members}};
}

http::Response group_result(const Result<auth::Group>& g, int status = 200) {
  return g.ok() ? json_response(status, group_json(*g)) : error_response(g.status());
}

// A member's object id from a service principal's object id or client id, or a user's object id or name.
Result<std::string> member_object_id(const std::string& id, auth::ServicePrincipalRegistry& principals,
                                     auth::UserRegistry* users) {
  const std::string wanted = lower_ascii(id);
  COFFER_ASSIGN_OR_RETURN(auto all, principals.list());
  for (const auto& p : all) {
    if (lower_ascii(p.object_id) == wanted || lower_ascii(p.app_id) == wanted) {
      return lower_ascii(p.object_id);
    }
  }
  if (users) {
    auto user = users->find(id);
    if (user.ok()) return lower_ascii(user->object_id);
    if (user.status().code() != Code::kNotFound) return user.status();
  }
  return Status(Code::kNotFound,
                "No service principal or user has the object id, client id or name '" + id.substr(0, 64) + "'.");
}

}  // namespace

std::optional<Operation> route_groups(const http::Request& req, const std::vector<std::string>& s,
                                      const GroupContext& ctx) {
  const std::string& m = req.method;
  if (s.empty() || s[0] != "groups") return std::nullopt;
  // The operations run after this returns: they hold the registries, never `ctx` (often a temporary).
  auth::RbacRegistry& rbac = ctx.rbac;
  auth::ServicePrincipalRegistry& principals = ctx.principals;
  auth::UserRegistry* const users = ctx.users;
  if (s.size() == 1 && m == "GET") {
    return coffer_operation("GroupList", "/", [&] {
      json::array items;
      for (const auto& g : rbac.list_groups()) items.push_back(group_json(g));
      return json_response(200, json::object{{"value", items}});
    });
  }
  if (s.size() == 1 && m == "POST") {
    return coffer_operation("GroupCreate", "/", [&] {
      auto body = parse_json_object(req.body);
      if (!body.ok()) return error_response(body.status());
      auto name = opt_string(*body, "displayName");
      if (!name.ok()) return error_response(name.status());
      if (!*name) return error_response(Status(Code::kBadParameter, "Property 'displayName' is required."));
      return group_result(rbac.create_group(**name), 201);
    });
  }
  if (s.size() < 2 || s[1].empty()) return std::nullopt;
  const std::string id = s[1];
  if (s.size() == 2 && m == "GET")
    return coffer_operation("GroupGet", "/", [&, id] { return group_result(rbac.get_group(id)); });
  if (s.size() == 2 && m == "DELETE") {
    return coffer_operation("GroupDelete", "/", [&, id] {
      Status st = rbac.delete_group(id);
      return st.ok() ? empty_response(204) : error_response(st);
    });
  }
  if (s.size() == 4 && s[2] == "members" && !s[3].empty() && (m == "PUT" || m == "DELETE")) {
    const std::string member = s[3];
    if (m == "PUT") {
      return coffer_operation("GroupMemberAdd", "/", [&, users, id, member] {
        if (auto g = rbac.get_group(id); !g.ok()) return error_response(g.status());
        auto oid = member_object_id(member, principals, users);
        if (!oid.ok()) return error_response(oid.status());
        return group_result(rbac.add_member(id, *oid));
      });
    }
    return coffer_operation("GroupMemberRemove", "/", [&, users, id, member] {
      // A deleted principal can still be removed by its object id.
      auto oid = member_object_id(member, principals, users);
      return group_result(rbac.remove_member(id, oid.ok() ? *oid : member));
    });
  }
  return std::nullopt;
}

}  // namespace coffer::api
