#include "api/rbac_routes.hpp"

#include <boost/json.hpp>

#include "api/json_body.hpp"
#include "api/responses.hpp"
#include "api/route_support.hpp"
#include "auth/operation_actions.hpp"
#include "auth/role_definition.hpp"
#include "common/ascii.hpp"

namespace coffer::api {
namespace json = boost::json;
namespace {

constexpr std::string_view kDefinitionsPath = "/providers/Microsoft.Authorization/roleDefinitions/";
constexpr std::string_view kAssignmentsPath = "/providers/Microsoft.Authorization/roleAssignments/";

// AKV-style errors for role management: the reason ("RoleAssignmentNotFound")
// is the top-level code, as the service sends it.
http::Response rbac_error(const Status& st) {
  if (st.reason().empty() || st.code() == Code::kForbidden) return error_response(st);
  return json_response(http_status_of(st.code()),
                       json::object{{"error", json::object{{"code", st.reason()}, {"message", st.message()}}}});
}

// A body that is not JSON of the expected shape (not an object, a field of the wrong type): AKV
// answers BadParameter; ARM, which deserializes the body before its providers see it,
// InvalidRequestContent.
http::Response malformed_body(const Status& st, const ScopeForm& form) {
  return rbac_error(form.arm ? Status(st.code(), st.message(), "InvalidRequestContent") : st);
}

// A scope as properties show it: "/" stays "/" (ids write it as "").
std::string shown_scope(const std::string& scope, const ScopeForm& form) {
  const std::string shown = form.show(scope);
  return shown.empty() ? "/" : shown;
}

json::object definition_json(const auth::RoleDefinition& r, const ScopeForm& form) {
  json::array perms;
  for (const auto& p : r.permissions) {
    perms.push_back(json::object{{"actions", string_array(p.actions)},
                                 {"notActions", string_array(p.not_actions)},
                                 {"dataActions", string_array(p.data_actions)},
                                 {"notDataActions", string_array(p.not_data_actions)}});
  }
  json::array scopes;
  for (const auto& a : r.assignable_scopes) scopes.emplace_back(shown_scope(a, form));
  json::object props{{"roleName", r.role_name},
                     {"description", r.description},
                     {"type", !r.built_in ? "CustomRole"
                              : form.arm  ? "BuiltInRole"
                                          : "AKVBuiltInRole"},
                     {"permissions", perms},
                     {"assignableScopes", std::move(scopes)}};
  if (form.arm) {
    for (const char* k : {"createdOn", "updatedOn", "createdBy", "updatedBy"}) props[k] = nullptr;
  }
  return json::object{{"id", form.definitions_prefix + std::string(kDefinitionsPath) + r.name},
                      {"name", r.name},
                      {"type", "Microsoft.Authorization/roleDefinitions"},
                      {"properties", std::move(props)}};
}

json::object assignment_json(const auth::RoleAssignment& a, const RbacContext& ctx) {
  const std::string scope = ctx.form.show(a.scope);
  json::object props{
      {"scope", shown_scope(a.scope, ctx.form)},
      {"roleDefinitionId", ctx.form.definitions_prefix + std::string(kDefinitionsPath) + a.role_definition_id},
      {"principalId", a.principal_id}};
  if (ctx.form.arm) {
    props["principalType"] = ctx.rbac.get_group(a.principal_id).ok()             ? "Group"
                             : ctx.users && ctx.users->find(a.principal_id).ok() ? "User"
                                                                                 : "ServicePrincipal";
  }
  return json::object{{"id", scope + std::string(kAssignmentsPath) + a.name},
                      {"name", a.name},
                      {"type", "Microsoft.Authorization/roleAssignments"},
                      {"properties", std::move(props)}};
}

// "…/roleDefinitions/{guid}" or a bare GUID.
std::string role_id_from(std::string_view ref) {
  auto slash = ref.rfind('/');
  return lower_ascii(slash == std::string_view::npos ? ref : ref.substr(slash + 1));
}

// The terms of a $filter joined by "and": atScope(), atScopeAndBelow(),
// principalId eq '…', roleName eq '…'.
struct AssignmentFilter {
  bool at_scope = false;
  bool and_below = false;
  std::optional<std::string> principal_id;
  std::optional<std::string> role_name;
};

std::string trim(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return std::string(s);
}

Result<AssignmentFilter> parse_filter(std::optional<std::string_view> text) {
  AssignmentFilter f;
  if (!text || text->empty()) return f;
  std::string rest(*text);
  const Status bad(Code::kBadParameter, "The $filter '" + rest.substr(0, 200) +
                                            "' is not supported. Use atScope(), atScopeAndBelow(), "
                                            "principalId eq '{id}' or roleName eq '{name}'.");
  std::vector<std::string> terms;
  while (true) {
    std::string lower = lower_ascii(rest);
    auto pos = lower.find(" and ");
    terms.push_back(trim(rest.substr(0, pos)));
    if (pos == std::string::npos) break;
    rest = rest.substr(pos + 5);
  }
  for (const auto& t : terms) {
    if (iequals_ascii(t, "atScope()")) {
      f.at_scope = true;
      continue;
    }
    if (iequals_ascii(t, "atScopeAndBelow()")) {
      f.and_below = true;
      continue;
    }
    auto eq = lower_ascii(t).find(" eq ");
    if (eq == std::string::npos) return bad;
    const std::string field = trim(std::string_view(t).substr(0, eq));
    std::string value = trim(std::string_view(t).substr(eq + 4));
    if (value.size() >= 2 && value.front() == '\'' && value.back() == '\'') value = value.substr(1, value.size() - 2);
    if (iequals_ascii(field, "principalId")) {
      f.principal_id = lower_ascii(value);
    } else if (iequals_ascii(field, "roleName")) {
      f.role_name = value;
    } else {
      return bad;
    }
  }
  return f;
}

http::Response put_definition(const http::Request& req, const std::string& name, const std::string& scope,
                              const RbacContext& ctx) {
  auto body = parse_json_object(req.body);
  if (!body.ok()) return malformed_body(body.status(), ctx.form);
  auto props = opt_object(*body, "properties");
  if (!props.ok()) return malformed_body(props.status(), ctx.form);
  if (!*props) return rbac_error(Status(Code::kBadParameter, "Property 'properties' is required."));
  const json::object& p = **props;
  auth::RoleDefinition def;
  def.name = name;
  auto role_name = opt_string(p, "roleName");
  auto description = opt_string(p, "description");
  auto type = opt_string(p, "type");
  auto scopes = opt_string_array(p, "assignableScopes");
  for (const Status& st : {role_name.status(), description.status(), type.status(), scopes.status()}) {
    if (!st.ok()) return malformed_body(st, ctx.form);
  }
  if (*type && !iequals_ascii(**type, "CustomRole")) {
    return rbac_error(Status(Code::kBadParameter, "Only roles of type 'CustomRole' can be created."));
  }
  def.role_name = role_name->value_or("");
  def.description = description->value_or("");
  auto it = p.find("permissions");
  if (it == p.end() || !it->value().is_array()) {
    return malformed_body(Status(Code::kBadParameter, "Property 'permissions' must be an array."), ctx.form);
  }
  for (const auto& v : it->value().get_array()) {
    if (!v.is_object()) {
      return malformed_body(Status(Code::kBadParameter, "Each permission must be an object."), ctx.form);
    }
    auth::Permission perm;
    const auto& o = v.get_object();
    std::pair<const char*, std::vector<std::string>*> fields[] = {{"actions", &perm.actions},
                                                                  {"notActions", &perm.not_actions},
                                                                  {"dataActions", &perm.data_actions},
                                                                  {"notDataActions", &perm.not_data_actions}};
    for (auto& [key, dest] : fields) {
      auto list = opt_string_array(o, key);
      if (!list.ok()) return malformed_body(list.status(), ctx.form);
      *dest = list->value_or(std::vector<std::string>{});
    }
    def.permissions.push_back(std::move(perm));
  }
  // Absent: assignable at the scope the role is defined at.
  for (const auto& s : scopes->value_or(std::vector<std::string>{})) {
    auto abs = ctx.form.parse(s);
    if (!abs.ok()) return rbac_error(abs.status());
    if (!auth::scope_covers(scope, *abs)) {
      return rbac_error(
          Status(Code::kBadParameter, "Assignable scope '" + *abs + "' is outside the request scope '" + scope + "'."));
    }
    def.assignable_scopes.push_back(*abs);
  }
  if (def.assignable_scopes.empty()) def.assignable_scopes.push_back(scope);
  auto stored = ctx.rbac.put_role(std::move(def));
  if (!stored.ok()) return rbac_error(stored.status());
  return json_response(201, definition_json(*stored, ctx.form));
}

http::Response put_assignment(const http::Request& req, const std::string& name, const std::string& scope,
                              const RbacContext& ctx) {
  auto body = parse_json_object(req.body);
  if (!body.ok()) return malformed_body(body.status(), ctx.form);
  auto props = opt_object(*body, "properties");
  if (!props.ok()) return malformed_body(props.status(), ctx.form);
  if (!*props) return rbac_error(Status(Code::kBadParameter, "Property 'properties' is required."));
  auto role = opt_string(**props, "roleDefinitionId");
  auto principal = opt_string(**props, "principalId");
  if (!role.ok()) return malformed_body(role.status(), ctx.form);
  if (!principal.ok()) return malformed_body(principal.status(), ctx.form);
  if (!*role || !*principal) {
    return rbac_error(Status(Code::kBadParameter, "Properties 'roleDefinitionId' and 'principalId' are required."));
  }
  const std::string role_id = role_id_from(**role);
  if (Status st =
          ctx.authorizer.authorize_assignment(ctx.caller, auth::action_of("RoleAssignmentCreate"), scope, role_id);
      !st.ok()) {
    return rbac_error(st);
  }
  auto created = ctx.rbac.create_assignment(auth::RoleAssignment{name, scope, role_id, **principal});
  if (!created.ok()) return rbac_error(created.status());
  return json_response(201, assignment_json(*created, ctx));
}

Status assignment_not_found() {
  return Status(Code::kNotFound, "Requested role assignment not found.", "RoleAssignmentNotFound");
}

// An assignment is visible through a scope at, above or below it.
bool related(const std::string& assignment_scope, const std::string& scope) {
  return auth::scope_covers(assignment_scope, scope) || auth::scope_covers(scope, assignment_scope);
}

}  // namespace

ScopeForm coffer_scope_form(std::string vault_prefix) {
  ScopeForm form;
  form.parse = [vault_prefix](std::string_view written) -> Result<std::string> {
    if (vault_prefix.empty()) return auth::normalize_scope(written);
    std::string rel(written);
    while (!rel.empty() && rel.front() == '/') rel.erase(0, 1);
    return auth::normalize_scope(vault_prefix + (rel.empty() ? "" : "/" + rel));
  };
  form.show = [](const std::string& scope) { return scope == "/" ? std::string() : scope; };
  return form;
}

bool is_rbac_path(const ParsedTarget& target) {
  const auto& s = target.segments;
  for (std::size_t i = 0; i + 2 < s.size(); ++i) {
    if (iequals_ascii(s[i], "providers") && iequals_ascii(s[i + 1], "Microsoft.Authorization")) return true;
  }
  return false;
}

std::optional<Operation> route_rbac(const http::Request& req, const ParsedTarget& target, const RbacContext& ctx) {
  const auto& s = target.segments;
  std::size_t i = 0;
  while (i + 2 < s.size() && !(iequals_ascii(s[i], "providers") && iequals_ascii(s[i + 1], "Microsoft.Authorization")))
    ++i;
  if (i + 2 >= s.size() || s.size() > i + 4) return std::nullopt;
  std::string written;
  for (std::size_t k = 0; k < i; ++k) written += "/" + s[k];
  const std::string collection = s[i + 2];
  const std::string name = s.size() == i + 4 ? s[i + 3] : "";
  const std::string& m = req.method;
  const bool definitions = iequals_ascii(collection, "roleDefinitions");
  if (!definitions && !iequals_ascii(collection, "roleAssignments")) return std::nullopt;

  auto scope_r = ctx.form.parse(written);
  if (!scope_r.ok()) {
    // Authorize at the host's own scope, then explain what is wrong with the URL.
    const Status why = scope_r.status();
    auto own = ctx.form.parse("/");
    return coffer_operation(definitions ? "RoleDefinitionList" : "RoleAssignmentList", own.ok() ? *own : "/",
                            [why] { return rbac_error(why); });
  }
  const std::string scope = *scope_r;
  auto& rbac = ctx.rbac;

  if (definitions) {
    if (name.empty() && m == "GET") {
      return coffer_operation("RoleDefinitionList", scope, [&, scope] {
        auto filter = parse_filter(target.param("$filter"));
        if (!filter.ok()) return rbac_error(filter.status());
        json::array items;
        for (const auto& r : rbac.list_roles()) {
          if (filter->role_name && !iequals_ascii(*filter->role_name, r.role_name)) continue;
          bool visible = false;
          for (const auto& a : r.assignable_scopes) {
            visible = visible || auth::scope_covers(a, scope) || auth::scope_covers(scope, a);
          }
          if (visible) items.push_back(definition_json(r, ctx.form));
        }
        return json_response(200, json::object{{"value", items}, {"nextLink", nullptr}});
      });
    }
    if (name.empty()) return std::nullopt;
    if (m == "GET") {
      return coffer_operation("RoleDefinitionGet", scope, [&, name] {
        auto r = rbac.get_role(name);
        return r.ok() ? json_response(200, definition_json(*r, ctx.form)) : rbac_error(r.status());
      });
    }
    if (m == "PUT") {
      return coffer_operation("RoleDefinitionCreateOrUpdate", scope,
                              [&, name, scope] { return put_definition(req, name, scope, ctx); });
    }
    if (m == "DELETE") {
      return coffer_operation("RoleDefinitionDelete", scope, [&, name] {
        auto r = rbac.delete_role(name);
        return r.ok() ? json_response(200, definition_json(*r, ctx.form)) : rbac_error(r.status());
      });
    }
    return std::nullopt;
  }

  if (name.empty() && m == "GET") {
    return coffer_operation("RoleAssignmentList", scope, [&, scope] {
      auto filter = parse_filter(target.param("$filter"));
      if (!filter.ok()) return rbac_error(filter.status());
      json::array items;
      for (const auto& a : rbac.list_assignments()) {
        const bool at_or_above = auth::scope_covers(a.scope, scope);
        if (filter->at_scope ? !at_or_above : !related(a.scope, scope)) continue;
        if (filter->principal_id && *filter->principal_id != a.principal_id) continue;
        items.push_back(assignment_json(a, ctx));
      }
      return json_response(200, json::object{{"value", items}, {"nextLink", nullptr}});
    });
  }
  if (name.empty()) return std::nullopt;
  if (m == "GET") {
    return coffer_operation("RoleAssignmentGet", scope, [&, name, scope] {
      auto a = rbac.get_assignment(name);
      if (!a.ok()) return rbac_error(a.status());
      if (!related(a->scope, scope)) return rbac_error(assignment_not_found());  // not visible from here
      return json_response(200, assignment_json(*a, ctx));
    });
  }
  if (m == "PUT") {
    return coffer_operation("RoleAssignmentCreate", scope,
                            [&, name, scope] { return put_assignment(req, name, scope, ctx); });
  }
  if (m == "DELETE") {
    return coffer_operation("RoleAssignmentDelete", scope, [&, name, scope] {
      auto a = rbac.get_assignment(name);
      if (!a.ok()) return rbac_error(a.status());
      if (!auth::scope_covers(scope, a->scope)) return rbac_error(assignment_not_found());
      if (Status st = ctx.authorizer.authorize_assignment(ctx.caller, auth::action_of("RoleAssignmentDelete"), scope,
                                                          a->role_definition_id);
          !st.ok()) {
        return rbac_error(st);
      }
      auto removed = rbac.delete_assignment(name);
      return removed.ok() ? json_response(200, assignment_json(*removed, ctx)) : rbac_error(removed.status());
    });
  }
  return std::nullopt;
}

}  // namespace coffer::api
