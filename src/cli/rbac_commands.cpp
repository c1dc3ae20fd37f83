// `coffer role definition …`, `coffer role assignment …` and `coffer group …`:
// role-based access control through the server's rbac.json routes (on the
// authority, with absolute scopes) and the admin API's groups, shaped like
// `az role …` and `az ad group …`:
//   coffer role assignment create --role "Key Vault Secrets User" --assignee <appId|objectId|groupId|userName>
//                                 --scope /vaults/<vault>[/secrets/<name>]
// Roles are named by roleName or GUID; assignees by a service principal's
// client id or object id, or a group's object id.
#include <boost/json.hpp>
#include <memory>

#include "auth/role_definition.hpp"
#include "cli/commands.hpp"
#include "cli/connect.hpp"
#include "cli/endpoints.hpp"
#include "cli/file_io.hpp"
#include "crypto/random.hpp"

namespace coffer::cli {
namespace json = boost::json;
namespace {

const std::string kGroups = "/coffer/admin/groups";
const std::string kPrincipals = "/coffer/admin/service-principals";
const std::string kApi = "api-version=7.4";

// "/{scope}/providers/Microsoft.Authorization/{collection}[/{name}]", scope unencoded as rbac.json sends it.
Result<std::string> rbac_path(const std::string& scope, const std::string& collection, const std::string& name = "") {
  COFFER_ASSIGN_OR_RETURN(std::string canonical, auth::normalize_scope(scope));
  std::string path = (canonical == "/" ? "/" : canonical) + "/providers/Microsoft.Authorization/" + collection;
  if (!name.empty()) path += "/" + percent_encode(name);
  return path;
}

std::string with_query(const std::string& path, const std::string& filter = "") {
  return path + "?" + kApi + (filter.empty() ? "" : "&$filter=" + percent_encode(filter));
}

const json::array* value_array(const json::value& v) {
  const auto* o = v.if_object();
  const auto* items = o ? o->if_contains("value") : nullptr;
  return items && items->is_array() ? &items->get_array() : nullptr;
}

std::string str(const json::value& v, std::initializer_list<const char*> path) {
  const json::value* cur = &v;
  for (const char* key : path) {
    const auto* o = cur->if_object();
    cur = o ? o->if_contains(key) : nullptr;
    if (!cur) return "";
  }
  return cur->is_string() ? std::string(cur->get_string()) : "";
}

Result<json::array> list_definitions(ServiceClient& client) {
  COFFER_ASSIGN_OR_RETURN(std::string path, rbac_path("/", "roleDefinitions"));
  COFFER_ASSIGN_OR_RETURN(json::value answer, client.call("GET", with_query(path)));
  const json::array* items = value_array(answer);
  return items ? *items : json::array{};
}

// A role definition by GUID or roleName (case-insensitive).
Result<json::value> resolve_role(ServiceClient& client, const std::string& role) {
  COFFER_ASSIGN_OR_RETURN(json::array defs, list_definitions(client));
  const std::string wanted = lower_ascii(role);
  for (const auto& d : defs) {
    if (lower_ascii(str(d, {"name"})) == wanted || lower_ascii(str(d, {"id"})) == wanted ||
        lower_ascii(str(d, {"properties", "roleName"})) == wanted) {
      return d;
    }
  }
  return Status(Code::kNotFound, "Role '" + role + "' doesn't exist.");
}

// An object id from a group object id, a principal's client id or object id, a user's name or object id.
Result<std::string> resolve_assignee(ServiceClient& client, const std::string& assignee) {
  const std::string wanted = lower_ascii(assignee);
  COFFER_ASSIGN_OR_RETURN(json::value groups, client.call("GET", kGroups));
  if (const json::array* items = value_array(groups)) {
    for (const auto& g : *items) {
      if (lower_ascii(str(g, {"objectId"})) == wanted) return wanted;
    }
  }
  COFFER_ASSIGN_OR_RETURN(json::value principals, client.call("GET", kPrincipals));
  if (const json::array* items = value_array(principals)) {
    for (const auto& p : *items) {
      if (lower_ascii(str(p, {"clientId"})) == wanted || lower_ascii(str(p, {"objectId"})) == wanted) {
        return lower_ascii(str(p, {"objectId"}));
      }
    }
  }
  COFFER_ASSIGN_OR_RETURN(json::value users, client.call("GET", "/coffer/admin/users"));
  if (const json::array* items = value_array(users)) {
    for (const auto& u : *items) {
      if (lower_ascii(str(u, {"userName"})) == wanted || lower_ascii(str(u, {"objectId"})) == wanted) {
        return lower_ascii(str(u, {"objectId"}));
      }
    }
  }
  return Status(Code::kNotFound, "Cannot find user, service principal or group '" + assignee +
                                     "' (pass --assignee-object-id to assign an object id as is).");
}

// az's flat view of an assignment, with the role's name.
json::value assignment_view(const json::value& a, const json::array& defs) {
  const std::string role_id = str(a, {"properties", "roleDefinitionId"});
  std::string role_name;
  for (const auto& d : defs) {
    if (str(d, {"id"}) == role_id) role_name = str(d, {"properties", "roleName"});
  }
  return json::object{{"id", str(a, {"id"})},
                      {"name", str(a, {"name"})},
                      {"principalId", str(a, {"properties", "principalId"})},
                      {"roleDefinitionId", role_id},
                      {"roleDefinitionName", role_name},
                      {"scope", str(a, {"properties", "scope"})},
                      {"type", str(a, {"type"})}};
}

struct AssignmentArgs {
  std::string role, assignee, assignee_object_id, scope, name;
  std::vector<std::string> ids;
};

// The assignments matching --assignee/--role/--scope (each optional).
Result<json::array> find_assignments(ServiceClient& client, const AssignmentArgs& a, const json::array& defs) {
  std::string filter;
  if (!a.assignee.empty() || !a.assignee_object_id.empty()) {
    std::string oid = lower_ascii(a.assignee_object_id);
    if (oid.empty()) {
      COFFER_ASSIGN_OR_RETURN(oid, resolve_assignee(client, a.assignee));
    }
    filter = "principalId eq '" + oid + "'";
  }
  std::string role_id;
  if (!a.role.empty()) {
    COFFER_ASSIGN_OR_RETURN(json::value role, resolve_role(client, a.role));
    role_id = str(role, {"id"});
  }
  COFFER_ASSIGN_OR_RETURN(std::string path, rbac_path(a.scope.empty() ? "/" : a.scope, "roleAssignments"));
  COFFER_ASSIGN_OR_RETURN(json::value answer, client.call("GET", with_query(path, filter)));
  std::string scope;
  if (!a.scope.empty()) {
    COFFER_ASSIGN_OR_RETURN(scope, auth::normalize_scope(a.scope));
  }
  json::array out;
  if (const json::array* items = value_array(answer)) {
    for (const auto& item : *items) {
      if (!role_id.empty() && str(item, {"properties", "roleDefinitionId"}) != role_id) continue;
      if (!scope.empty() && str(item, {"properties", "scope"}) != scope) continue;
      out.push_back(assignment_view(item, defs));
    }
  }
  return out;
}

void add_assignment_commands(CLI::App* role, CliContext& ctx) {
  auto* assignment = role->add_subcommand("assignment", "Manage role assignments.");
  assignment->require_subcommand(1);
  auto a = std::make_shared<AssignmentArgs>();

  auto* create = assignment->add_subcommand("create", "Grant a role to a principal or group at a scope.");
  create->add_option("--role", a->role, "Role name or GUID, e.g. \"Key Vault Secrets User\".")->required();
  auto* assignee = create->add_option("--assignee", a->assignee,
                                      "Client id or object id of a service principal, or a group's object id.");
  auto* raw = create->add_option("--assignee-object-id", a->assignee_object_id, "Object id, used as is.");
  assignee->excludes(raw);
  create->add_option("--scope", a->scope, "'/', '/vaults/{vault}' or '/vaults/{vault}/secrets/{name}'.")
      ->default_str("/");
  create->add_option("--name", a->name, "The assignment's GUID (default: a new one).");
  on_run(
      create, ctx,
      [&ctx, a]() -> Status {
        COFFER_ASSIGN_OR_RETURN(ServiceClient client, connect_admin(ctx));
        COFFER_ASSIGN_OR_RETURN(json::value role_definition, resolve_role(client, a->role));
        std::string oid = lower_ascii(a->assignee_object_id);
        if (oid.empty()) {
          COFFER_ASSIGN_OR_RETURN(oid, resolve_assignee(client, a->assignee));
        }
        const std::string name = a->name.empty() ? crypto::new_guid() : a->name;
        COFFER_ASSIGN_OR_RETURN(std::string path,
                                rbac_path(a->scope.empty() ? "/" : a->scope, "roleAssignments", name));
        json::value body = json::object{
            {"properties", json::object{{"roleDefinitionId", str(role_definition, {"id"})}, {"principalId", oid}}}};
        COFFER_ASSIGN_OR_RETURN(json::value created, client.call("PUT", with_query(path), &body));
        print_result(ctx, assignment_view(created, json::array{role_definition}));
        return Status::Ok();
      },
      [a] {
        if (a->assignee.empty() && a->assignee_object_id.empty()) {
          throw CLI::ValidationError("--assignee", "--assignee or --assignee-object-id is required");
        }
      });

  auto* list = assignment->add_subcommand("list", "List role assignments (at, above and below --scope).");
  list->add_option("--role", a->role, "Only this role (name or GUID).");
  list->add_option("--assignee", a->assignee, "Only this principal or group (client id or object id).");
  list->add_option("--scope", a->scope, "Only assignments at exactly this scope.");
  on_run(list, ctx, [&ctx, a]() -> Status {
    COFFER_ASSIGN_OR_RETURN(ServiceClient client, connect_admin(ctx));
    COFFER_ASSIGN_OR_RETURN(json::array defs, list_definitions(client));
    COFFER_ASSIGN_OR_RETURN(json::array found, find_assignments(client, *a, defs));
    print_result(ctx, found);
    return Status::Ok();
  });

  auto* del =
      assignment->add_subcommand("delete", "Delete role assignments by --ids, or by --assignee/--role/--scope.");
  del->add_option("--ids", a->ids, "Assignment ids or names (GUIDs).");
  del->add_option("--role", a->role, "Role name or GUID.");
  del->add_option("--assignee", a->assignee, "Client id or object id of a principal, or a group's object id.");
  del->add_option("--scope", a->scope, "Scope of the assignments.");
  on_run(
      del, ctx,
      [&ctx, a]() -> Status {
        COFFER_ASSIGN_OR_RETURN(ServiceClient client, connect_admin(ctx));
        COFFER_ASSIGN_OR_RETURN(json::array defs, list_definitions(client));
        json::array targets;
        if (!a->ids.empty()) {
          COFFER_ASSIGN_OR_RETURN(std::string all_path, rbac_path("/", "roleAssignments"));
          COFFER_ASSIGN_OR_RETURN(json::value answer, client.call("GET", with_query(all_path)));
          for (const auto& id : a->ids) {
            const std::string wanted = lower_ascii(id);
            bool found = false;
            if (const json::array* items = value_array(answer)) {
              for (const auto& item : *items) {
                if (lower_ascii(str(item, {"name"})) == wanted || lower_ascii(str(item, {"id"})) == wanted) {
                  targets.push_back(assignment_view(item, defs));
                  found = true;
                }
              }
            }
            if (!found) return Status(Code::kNotFound, "Role assignment '" + id + "' was not found.");
          }
        } else {
          COFFER_ASSIGN_OR_RETURN(targets, find_assignments(client, *a, defs));
          if (targets.empty()) return Status(Code::kNotFound, "No matched assignments were found to delete.");
        }
        for (const auto& t : targets) {
          COFFER_ASSIGN_OR_RETURN(std::string path, rbac_path(str(t, {"scope"}), "roleAssignments", str(t, {"name"})));
          COFFER_RETURN_IF_ERROR(client.call("DELETE", with_query(path)).status());
        }
        return Status::Ok();
      },
      [a] {
        if (a->ids.empty() && a->assignee.empty() && a->role.empty() && a->scope.empty()) {
          throw CLI::ValidationError("delete", "give --ids, or at least one of --assignee, --role, --scope");
        }
      });
}

// az's role definition JSON ({"Name","Description","Actions","NotActions",
// "DataActions","NotDataActions","AssignableScopes"}, keys in any case) or
// rbac.json's {"properties":{…}} → the PUT body and the role's GUID.
Result<std::pair<std::string, json::value>> definition_body(const std::string& text) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec || !v.is_object()) return Status(Code::kBadParameter, "--role-definition must be a JSON object.");
  json::object in = v.get_object();
  if (auto* props = in.if_contains("properties"); props && props->is_object()) {
    json::object merged = props->get_object();
    for (const char* k : {"name", "id"}) {
      if (auto* x = in.if_contains(k)) merged[k] = *x;
    }
    in = merged;
  }
  json::object lower;
  for (const auto& [k, val] : in) lower[lower_ascii(k)] = val;
  auto get_list = [&](const char* key) -> Result<json::array> {
    auto* x = lower.if_contains(key);
    if (!x || x->is_null()) return json::array{};
    if (!x->is_array()) return Status(Code::kBadParameter, std::string("'") + key + "' must be an array of strings.");
    return x->get_array();
  };
  std::string id, role_name;
  for (const char* k : {"id", "name"}) {
    auto* x = lower.if_contains(k);
    if (x && x->is_string()) {
      std::string s(x->get_string());
      std::string tail = s.substr(s.rfind('/') == std::string::npos ? 0 : s.rfind('/') + 1);
      if (auth::is_guid(tail)) {
        id = lower_ascii(tail);
      } else if (std::string(k) == "name") {
        role_name = s;
      }
    }
  }
  if (auto* x = lower.if_contains("rolename"); x && x->is_string()) role_name = std::string(x->get_string());
  if (role_name.empty()) return Status(Code::kBadParameter, "The role definition needs a Name (roleName).");
  if (id.empty()) id = crypto::new_guid();
  json::object perm;
  const std::pair<const char*, const char*> keys[] = {{"actions", "actions"},
                                                      {"notactions", "notActions"},
                                                      {"dataactions", "dataActions"},
                                                      {"notdataactions", "notDataActions"}};
  for (const auto& [from, to] : keys) {
    COFFER_ASSIGN_OR_RETURN(json::array list, get_list(from));
    perm[to] = list;
  }
  json::array perms;
  if (auto* p = lower.if_contains("permissions"); p && p->is_array()) {
    perms = p->get_array();
  } else {
    perms.push_back(perm);
  }
  json::object props{{"roleName", role_name}, {"type", "CustomRole"}, {"permissions", perms}};
  if (auto* d = lower.if_contains("description"); d && d->is_string()) props["description"] = *d;
  COFFER_ASSIGN_OR_RETURN(json::array scopes, get_list("assignablescopes"));
  if (!scopes.empty()) props["assignableScopes"] = scopes;
  return std::make_pair(id, json::value(json::object{{"properties", props}}));
}

void add_definition_commands(CLI::App* role, CliContext& ctx) {
  auto* definition = role->add_subcommand("definition", "Manage role definitions.");
  definition->require_subcommand(1);
  auto name = std::make_shared<std::string>();
  auto custom_only = std::make_shared<bool>(false);

  auto* list = definition->add_subcommand("list", "List role definitions (built-in and custom).");
  list->add_option("--name", *name, "Only the role with this name or GUID.");
  list->add_flag("--custom-role-only", *custom_only, "Only custom roles.");
  on_run(list, ctx, [&ctx, name, custom_only]() -> Status {
    COFFER_ASSIGN_OR_RETURN(ServiceClient client, connect_admin(ctx));
    COFFER_ASSIGN_OR_RETURN(json::array defs, list_definitions(client));
    json::array out;
    for (const auto& d : defs) {
      if (*custom_only && str(d, {"properties", "type"}) != "CustomRole") continue;
      if (!name->empty() && lower_ascii(str(d, {"properties", "roleName"})) != lower_ascii(*name) &&
          lower_ascii(str(d, {"name"})) != lower_ascii(*name)) {
        continue;
      }
      out.push_back(d);
    }
    print_result(ctx, out);
    return Status::Ok();
  });

  auto* show = definition->add_subcommand("show", "Show a role definition.");
  show->add_option("--name,-n", *name, "Role name or GUID.")->required();
  on_run(show, ctx, [&ctx, name]() -> Status {
    COFFER_ASSIGN_OR_RETURN(ServiceClient client, connect_admin(ctx));
    COFFER_ASSIGN_OR_RETURN(json::value role_definition, resolve_role(client, *name));
    print_result(ctx, role_definition);
    return Status::Ok();
  });

  auto body_text = std::make_shared<std::string>();
  auto* create = definition->add_subcommand("create", "Create (or update) a custom role.");
  create
      ->add_option("--role-definition", *body_text,
                   "JSON as for az ({\"Name\",\"Description\",\"DataActions\",\"NotDataActions\",…}) or "
                   "@file holding it.")
      ->required();
  on_run(create, ctx, [&ctx, body_text]() -> Status {
    std::string text = *body_text;
    if (!text.empty() && text.front() == '@') {
      COFFER_ASSIGN_OR_RETURN(text, read_file(text.substr(1), 1u << 20));
    }
    COFFER_ASSIGN_OR_RETURN(auto parsed, definition_body(text));
    COFFER_ASSIGN_OR_RETURN(ServiceClient client, connect_admin(ctx));
    COFFER_ASSIGN_OR_RETURN(std::string path, rbac_path("/", "roleDefinitions", parsed.first));
    COFFER_ASSIGN_OR_RETURN(json::value created, client.call("PUT", with_query(path), &parsed.second));
    print_result(ctx, created);
    return Status::Ok();
  });

  auto* del = definition->add_subcommand("delete", "Delete a custom role (no assignment may use it).");
  del->add_option("--name,-n", *name, "Role name or GUID.")->required();
  on_run(del, ctx, [&ctx, name]() -> Status {
    COFFER_ASSIGN_OR_RETURN(ServiceClient client, connect_admin(ctx));
    COFFER_ASSIGN_OR_RETURN(json::value role_definition, resolve_role(client, *name));
    COFFER_ASSIGN_OR_RETURN(std::string path, rbac_path("/", "roleDefinitions", str(role_definition, {"name"})));
    return client.call("DELETE", with_query(path)).status();
  });
}

json::value group_list_view(const json::value& v) {
  const json::array* items = value_array(v);
  return items ? json::value(*items) : v;
}

Status group_call(const CliContext& ctx, const std::string& method, const std::string& path, const json::value* body,
                  bool print = true) {
  COFFER_ASSIGN_OR_RETURN(ServiceClient client, connect_admin(ctx));
  COFFER_ASSIGN_OR_RETURN(json::value answer, client.call(method, path, body));
  if (print && !answer.is_null()) print_result(ctx, group_list_view(answer));
  return Status::Ok();
}

void add_group_commands(CLI::App& app, CliContext& ctx) {
  auto* group = app.add_subcommand("group", "Manage groups of principals, so roles can be granted to teams.");
  group->require_subcommand(1);
  auto name = std::make_shared<std::string>();
  auto id = std::make_shared<std::string>();
  auto member = std::make_shared<std::string>();

  auto* create = group->add_subcommand("create", "Create a group.");
  create->add_option("--display-name", *name, "Display name.")->required();
  on_run(create, ctx, [&ctx, name] {
    json::value body = json::object{{"displayName", *name}};
    return group_call(ctx, "POST", kGroups, &body);
  });
  auto* list = group->add_subcommand("list", "List groups.");
  on_run(list, ctx, [&ctx] { return group_call(ctx, "GET", kGroups, nullptr); });
  auto* show = group->add_subcommand("show", "Show a group and its members.");
  show->add_option("--group,-g", *id, "Group object id.")->required();
  on_run(show, ctx, [&ctx, id] { return group_call(ctx, "GET", kGroups + "/" + percent_encode(*id), nullptr); });
  auto* del = group->add_subcommand("delete", "Delete a group and the role assignments made to it.");
  del->add_option("--group,-g", *id, "Group object id.")->required();
  on_run(del, ctx, [&ctx, id] { return group_call(ctx, "DELETE", kGroups + "/" + percent_encode(*id), nullptr); });

  auto* members = group->add_subcommand("member", "Manage a group's members.");
  members->require_subcommand(1);
  auto* add = members->add_subcommand("add", "Add a service principal to a group.");
  add->add_option("--group,-g", *id, "Group object id.")->required();
  add->add_option("--member-id", *member, "Client id or object id of the service principal.")->required();
  on_run(add, ctx, [&ctx, id, member] {
    return group_call(ctx, "PUT", kGroups + "/" + percent_encode(*id) + "/members/" + percent_encode(*member), nullptr,
                      false);
  });
  auto* remove = members->add_subcommand("remove", "Remove a member from a group.");
  remove->add_option("--group,-g", *id, "Group object id.")->required();
  remove->add_option("--member-id", *member, "Client id or object id of the member.")->required();
  on_run(remove, ctx, [&ctx, id, member] {
    return group_call(ctx, "DELETE", kGroups + "/" + percent_encode(*id) + "/members/" + percent_encode(*member),
                      nullptr, false);
  });
  auto* mlist = members->add_subcommand("list", "List a group's members (object ids).");
  mlist->add_option("--group,-g", *id, "Group object id.")->required();
  on_run(mlist, ctx, [&ctx, id]() -> Status {
    COFFER_ASSIGN_OR_RETURN(ServiceClient client, connect_admin(ctx));
    COFFER_ASSIGN_OR_RETURN(json::value g, client.call("GET", kGroups + "/" + percent_encode(*id)));
    const auto* o = g.if_object();
    const auto* m = o ? o->if_contains("members") : nullptr;
    print_result(ctx, m ? *m : json::value(json::array{}));
    return Status::Ok();
  });
}

}  // namespace

void add_rbac_commands(CLI::App& app, CliContext& ctx) {
  auto* role = app.add_subcommand("role", "Manage role definitions and role assignments (Azure RBAC).");
  role->require_subcommand(1);
  add_definition_commands(role, ctx);
  add_assignment_commands(role, ctx);
  add_group_commands(app, ctx);
}

}  // namespace coffer::cli
