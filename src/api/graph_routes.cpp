#include "api/graph_routes.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <optional>

#include "api/json_body.hpp"
#include "api/responses.hpp"
#include "common/ascii.hpp"

namespace coffer::api {
namespace json = boost::json;
namespace {

http::Response graph_error(int status, std::string_view code, std::string_view message) {
  return json_response(
      status, json::object{{"error", json::object{{"code", json::string(code)}, {"message", json::string(message)}}}});
}

Operation graph_operation(std::string name, std::function<http::Response()> run) {
  return Operation{std::move(name), "", "/", "", std::move(run)};
}

json::object graph_principal_json(const auth::Principal& p) {
  return json::object{{"@odata.type", "#microsoft.graph.servicePrincipal"},
                      {"id", p.object_id},
                      {"appId", p.app_id},
                      {"displayName", p.display_name},
                      {"appOwnerOrganizationId", p.tenant_id},
                      {"servicePrincipalNames", json::array{json::string(p.app_id)}},
                      {"servicePrincipalType", "Application"},
                      {"accountEnabled", true}};
}

json::object graph_user_json(const auth::User& u) {
  return json::object{{"@odata.type", "#microsoft.graph.user"},
                      {"id", u.object_id},
                      {"displayName", u.display_name},
                      {"userPrincipalName", u.user_name},
                      {"accountEnabled", true}};
}

json::object graph_group_json(const auth::Group& g) {
  return json::object{{"@odata.type", "#microsoft.graph.group"},
                      {"id", g.object_id},
                      {"displayName", g.display_name},
                      {"securityEnabled", true},
                      {"mailEnabled", false},
                      {"mailNickname", g.object_id},
                      {"groupTypes", json::array{}}};
}

http::Response not_found(std::string_view id) {
  return graph_error(404, "Request_ResourceNotFound",
                     "Resource '" + std::string(id.substr(0, 100)) +
                         "' does not exist or one of its queried reference-property objects are not present.");
}

// POST /v1.0/directoryObjects/getByIds {"ids": [...], "types": [...]?}: the
// objects found, in no particular order; ids that name nothing are left out.
http::Response get_by_ids(const http::Request& req, const GraphContext& ctx) {
  auto body = parse_json_object(req.body);
  if (!body.ok()) return graph_error(400, "Request_BadRequest", body.status().message());
  auto ids = opt_string_array(*body, "ids");
  auto types = opt_string_array(*body, "types");
  if (!ids.ok() || !*ids || !types.ok()) {
    return graph_error(400, "Request_BadRequest", "The body must be {\"ids\": [\"...\"], \"types\": [...]}.");
  }
  if ((*ids)->size() > 1000) return graph_error(400, "Request_BadRequest", "At most 1000 ids per request.");
  const auto wanted = [&](std::string_view type) {
    if (!*types || (*types)->empty()) return true;
    return std::any_of((*types)->begin(), (*types)->end(),
                       [&](const std::string& t) { return iequals_ascii(t, type); });
  };
  const auto asked = [&](const std::string& id) {
    return std::any_of((*ids)->begin(), (*ids)->end(), [&](const std::string& i) { return iequals_ascii(i, id); });
  };
  json::array value;
  if (wanted("servicePrincipal")) {
    auto all = ctx.principals->list();
    if (!all.ok()) return error_response(all.status());
    for (const auto& p : *all) {
      if (asked(p.object_id)) value.push_back(graph_principal_json(p));
    }
  }
  if (wanted("user") && ctx.users) {
    auto all = ctx.users->list();
    if (!all.ok()) return error_response(all.status());
    for (const auto& u : *all) {
      if (asked(u.object_id)) value.push_back(graph_user_json(u));
    }
  }
  if (wanted("group") && ctx.groups) {
    for (const auto& g : ctx.groups->list_groups()) {
      if (asked(g.object_id)) value.push_back(graph_group_json(g));
    }
  }
  return json_response(200, json::object{{"@odata.context", ctx.authority + "/v1.0/$metadata#directoryObjects"},
                                         {"value", std::move(value)}});
}

// The OData string literal that starts `s` ('…' with '' for a quote) and what follows it.
std::optional<std::pair<std::string, std::string_view>> odata_string(std::string_view s) {
  if (s.empty() || s[0] != '\'') return std::nullopt;
  std::string out;
  for (std::size_t i = 1; i < s.size(); ++i) {
    if (s[i] != '\'') {
      out += s[i];
    } else if (i + 1 < s.size() && s[i + 1] == '\'') {
      out += '\'';
      ++i;
    } else {
      return std::make_pair(out, s.substr(i + 1));
    }
  }
  return std::nullopt;
}

struct Filter {
  enum class Field { kAll, kAppId, kDisplayName } field = Field::kAll;
  std::string value;
};

// The $filter forms az and the SDKs send for service principals; nullopt for any other.
std::optional<Filter> parse_filter(std::string_view f) {
  auto trim = [](std::string_view s) {
    while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
    while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
    return s;
  };
  f = trim(f);
  if (f.empty()) return Filter{};
  auto literal_after = [&](std::string_view prefix, std::string_view closing) -> std::optional<std::string> {
    if (!istarts_with_ascii(f, prefix)) return std::nullopt;
    auto lit = odata_string(trim(f.substr(prefix.size())));
    if (!lit || trim(lit->second) != closing) return std::nullopt;
    return lit->first;
  };
  if (istarts_with_ascii(f, "servicePrincipalNames/any(")) {
    // servicePrincipalNames/any(c:c eq '…'), any variable name
    std::string_view rest = f.substr(std::string_view("servicePrincipalNames/any(").size());
    const auto colon = rest.find(':');
    if (colon == std::string_view::npos || colon == 0) return std::nullopt;
    const std::string var(rest.substr(0, colon));
    rest = trim(rest.substr(colon + 1));
    if (!istarts_with_ascii(rest, var + " eq ")) return std::nullopt;
    auto lit = odata_string(trim(rest.substr(var.size() + 4)));
    if (!lit || trim(lit->second) != ")") return std::nullopt;
    return Filter{Filter::Field::kAppId, lit->first};
  }
  if (auto v = literal_after("appId eq ", "")) return Filter{Filter::Field::kAppId, *v};
  if (auto v = literal_after("displayName eq ", "")) return Filter{Filter::Field::kDisplayName, *v};
  return std::nullopt;
}

http::Response list_principals(const GraphContext& ctx, const Filter& filter) {
  auto all = ctx.principals->list();
  if (!all.ok()) return error_response(all.status());
  json::array value;
  for (const auto& p : *all) {
    const bool match = filter.field == Filter::Field::kAll ||
                       (filter.field == Filter::Field::kAppId && iequals_ascii(p.app_id, filter.value)) ||
                       (filter.field == Filter::Field::kDisplayName && p.display_name == filter.value);
    if (match) value.push_back(graph_principal_json(p));
  }
  return json_response(200, json::object{{"@odata.context", ctx.authority + "/v1.0/$metadata#servicePrincipals"},
                                         {"value", std::move(value)}});
}

}  // namespace

bool is_graph_path(const ParsedTarget& target) { return !target.segments.empty() && target.segments[0] == "v1.0"; }

Operation route_graph(const http::Request& req, const ParsedTarget& target, const GraphContext& ctx) {
  const auto& s = target.segments;
  if (req.method == "POST" && s.size() == 3 && iequals_ascii(s[1], "directoryObjects") &&
      iequals_ascii(s[2], "getByIds")) {
    return graph_operation("DirectoryObjectsGetByIds", [&req, ctx] { return get_by_ids(req, ctx); });
  }
  if (req.method != "GET") {
    return graph_operation("GraphRequest", [] {
      return graph_error(405, "Request_BadRequest", "Only reads of the directory are served here.");
    });
  }
  if (s.size() == 2 && iequals_ascii(s[1], "me")) {
    return graph_operation("GraphMe", [ctx] {
      if (ctx.caller.user_name.empty() || !ctx.users) {
        return graph_error(400, "BadRequest", "/me request is only valid with delegated authentication flow.");
      }
      auto user = ctx.users->find(ctx.caller.object_id);
      return user.ok() ? json_response(200, graph_user_json(*user)) : not_found(ctx.caller.object_id);
    });
  }
  if (s.size() == 3 && iequals_ascii(s[1], "users") && ctx.users) {
    return graph_operation("UserGet", [ctx, id = s[2]] {
      auto user = ctx.users->find(id);
      if (!user.ok()) return user.status().code() == Code::kNotFound ? not_found(id) : error_response(user.status());
      return json_response(200, graph_user_json(*user));
    });
  }
  if (s.size() == 2 && iequals_ascii(s[1], "servicePrincipals")) {
    const auto filter = parse_filter(target.param("$filter").value_or(""));
    if (!filter) {
      return graph_operation("ServicePrincipalList",
                             [] { return graph_error(400, "Request_UnsupportedQuery", "Unsupported Query."); });
    }
    return graph_operation("ServicePrincipalList", [ctx, f = *filter] { return list_principals(ctx, f); });
  }
  if (s.size() == 3 && iequals_ascii(s[1], "servicePrincipals")) {
    return graph_operation("ServicePrincipalGet", [ctx, id = s[2]] {
      auto all = ctx.principals->list();
      if (!all.ok()) return error_response(all.status());
      for (const auto& p : *all) {
        if (iequals_ascii(p.object_id, id)) return json_response(200, graph_principal_json(p));
      }
      return not_found(id);
    });
  }
  if (s.size() == 2 && iequals_ascii(s[1], "groups") && ctx.groups) {
    const auto filter = parse_filter(target.param("$filter").value_or(""));
    if (!filter || filter->field == Filter::Field::kAppId) {
      return graph_operation("GroupList",
                             [] { return graph_error(400, "Request_UnsupportedQuery", "Unsupported Query."); });
    }
    return graph_operation("GroupList", [ctx, f = *filter] {
      json::array value;
      for (const auto& g : ctx.groups->list_groups()) {
        if (f.field == Filter::Field::kAll || g.display_name == f.value) value.push_back(graph_group_json(g));
      }
      return json_response(
          200, json::object{{"@odata.context", ctx.authority + "/v1.0/$metadata#groups"}, {"value", std::move(value)}});
    });
  }
  if (s.size() == 3 && iequals_ascii(s[1], "groups") && ctx.groups) {
    return graph_operation("GroupGet", [ctx, id = s[2]] {
      auto g = ctx.groups->get_group(id);
      return g.ok() ? json_response(200, graph_group_json(*g)) : not_found(id);
    });
  }
  return graph_operation("GraphRequest", [path = target.path.substr(0, 200)] {
    return graph_error(400, "BadRequest", "Resource not found for the segment in '" + path + "'.");
  });
}

}  // namespace coffer::api
