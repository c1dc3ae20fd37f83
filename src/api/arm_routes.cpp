#include "api/arm_routes.hpp"

#include <boost/json.hpp>
#include <cctype>

#include "api/arm_vault_routes.hpp"
#include "api/json_body.hpp"
#include "api/object_json.hpp"
#include "api/responses.hpp"
#include "auth/role_definition.hpp"
#include "common/ascii.hpp"
#include "common/base64.hpp"
#include "crypto/digest.hpp"

namespace coffer::api {
namespace json = boost::json;
namespace {}  // namespace

// ARM's api-version: a date, optionally "-preview" or another suffix ("2022-07-01",
// "2021-04-01-preview"). Each resource provider knows its own versions; these routes
// serve every one az and the SDKs send, so only the shape is checked.
std::optional<http::Response> refuse_arm_api_version(const ParsedTarget& target) {
  const auto v = target.param("api-version");
  if (!v || v->empty()) {
    return arm_error(400, "MissingApiVersionParameter",
                     "The api-version query parameter (?api-version=) is required for all requests.");
  }
  const std::string_view s = *v;
  const auto digits = [&](std::size_t from, std::size_t n) {
    for (std::size_t i = from; i < from + n; ++i) {
      if (i >= s.size() || std::isdigit(static_cast<unsigned char>(s[i])) == 0) return false;
    }
    return true;
  };
  const bool shape = s.size() <= 40 && digits(0, 4) && s.size() >= 10 && s[4] == '-' && digits(5, 2) && s[7] == '-' &&
                     digits(8, 2) && (s.size() == 10 || s[10] == '-');
  if (!shape) {
    return arm_error(400, "InvalidApiVersionParameter",
                     "The api-version '" + std::string(s.substr(0, 60)) +
                         "' is invalid. The supported versions are dates such as '2022-07-01'.");
  }
  return std::nullopt;
}

namespace {

json::object subscription_json(const ArmContext& ctx) {
  const std::string id = subscription_id_of(ctx.tenant_id);
  return json::object{{"id", "/subscriptions/" + id},
                      {"authorizationSource", "RoleBased"},
                      {"managedByTenants", json::array{}},
                      {"subscriptionId", id},
                      {"tenantId", ctx.tenant_id},
                      {"displayName", "Coffer"},
                      {"state", "Enabled"},
                      {"subscriptionPolicies", json::object{{"locationPlacementId", "Public_2014-09-01"},
                                                            {"quotaId", "PayAsYouGo_2014-09-01"},
                                                            {"spendingLimit", "Off"}}}};
}

Operation arm_operation(std::string name, std::function<http::Response()> run) {
  return Operation{std::move(name), "", "/", "", std::move(run)};
}

Operation group_operation(std::string name, const char* verb, std::function<http::Response()> run) {
  return Operation{std::move(name), std::string("Microsoft.Resources/subscriptions/resourceGroups/") + verb, "/", "",
                   std::move(run)};
}

json::object group_json(const std::string& subscription, const vault::ResourceGroup& g) {
  json::object o{{"id", "/subscriptions/" + subscription + "/resourceGroups/" + g.name},
                 {"name", g.name},
                 {"type", "Microsoft.Resources/resourceGroups"},
                 {"location", g.location},
                 {"properties", json::object{{"provisioningState", "Succeeded"}}}};
  add_tags(o, g.tags);
  return o;
}

http::Response put_group(const http::Request& req, const std::string& name, const ArmContext& ctx) {
  auto body = parse_json_object(req.body);
  if (!body.ok()) return arm_error(400, "InvalidRequestContent", body.status().message());
  auto location = opt_string(*body, "location");
  if (!location.ok()) return arm_error(400, "InvalidRequestContent", location.status().message());
  if (!*location || (*location)->empty()) {
    return arm_error(400, "LocationRequired", "The location property is required for this definition.");
  }
  auto tags = opt_string_map(*body, "tags");
  if (!tags.ok()) return arm_error(400, "InvalidRequestContent", tags.status().message());
  auto put = ctx.groups->put(name, **location, tags->value_or(vault::Tags{}));
  if (!put.ok()) return arm_failure(put.status());
  return json_response(put->created ? 201 : 200, group_json(subscription_id_of(ctx.tenant_id), put->group));
}

std::optional<Operation> route_resource_groups(const http::Request& req, const std::vector<std::string>& s,
                                               const ArmContext& ctx) {
  if (s.size() < 3 || !iequals_ascii(s[2], "resourcegroups") || s.size() > 4 || !ctx.groups) return std::nullopt;
  const std::string sub = subscription_id_of(ctx.tenant_id);
  const std::string& m = req.method;
  if (s.size() == 3) {
    if (m != "GET") return std::nullopt;
    return group_operation("ResourceGroupList", "read", [ctx, sub] {
      auto groups = ctx.groups->list();
      if (!groups.ok()) return arm_failure(groups.status());
      json::array value;
      for (const auto& g : *groups) value.push_back(group_json(sub, g));
      return json_response(200, json::object{{"value", std::move(value)}});
    });
  }
  const std::string name = s[3];
  if (m == "PUT") {
    return group_operation("ResourceGroupWrite", "write", [&req, ctx, name] { return put_group(req, name, ctx); });
  }
  if (m == "GET" || m == "HEAD") {
    const bool head = m == "HEAD";
    return group_operation("ResourceGroupRead", "read", [ctx, sub, name, head] {
      auto g = ctx.groups->find(name);
      if (head) return empty_response(g.ok() ? 204 : g.status().code() == Code::kNotFound ? 404 : 503);
      if (!g.ok()) return arm_failure(g.status());
      return json_response(200, group_json(sub, *g));
    });
  }
  if (m == "DELETE") {
    return group_operation("ResourceGroupDelete", "delete", [ctx, name] {
      if (auto g = ctx.groups->find(name); !g.ok()) return arm_failure(g.status());
      // As in ARM, the group's resources go with it: its vaults are soft-deleted first.
      if (ctx.vaults && !vault::ResourceGroupRegistry::is_built_in(name)) {
        auto vaults = ctx.vaults->list();
        if (!vaults.ok()) return arm_failure(vaults.status());
        for (const auto& v : *vaults) {
          if (!iequals_ascii(v.resource_group, name)) continue;
          if (auto gone = ctx.vaults->soft_delete(v.name); !gone.ok()) return arm_failure(gone.status());
        }
      }
      if (ctx.rbac) {  // and the access granted on it
        if (auto gone = ctx.rbac->delete_assignments_within("/resourcegroups/" + lower_ascii(name)); !gone.ok()) {
          return arm_failure(gone.status());
        }
      }
      Status st = ctx.groups->remove(name);
      return st.ok() ? empty_response(200) : arm_failure(st);
    });
  }
  return std::nullopt;
}

}  // namespace

std::string subscription_id_of(std::string_view tenant_id) {
  std::string bytes = crypto::sha256("coffer subscription of tenant " + std::string(tenant_id)).substr(0, 16);
  bytes[6] = static_cast<char>((static_cast<unsigned char>(bytes[6]) & 0x0f) | 0x80);  // version 8
  bytes[8] = static_cast<char>((static_cast<unsigned char>(bytes[8]) & 0x3f) | 0x80);  // RFC 9562 variant
  const std::string hex = hex_encode(bytes);
  return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" + hex.substr(16, 4) + "-" +
         hex.substr(20);
}

bool is_public_arm_path(const ParsedTarget& target) {
  const auto& s = target.segments;
  return s.size() == 2 && iequals_ascii(s[0], "metadata") && iequals_ascii(s[1], "endpoints");
}

bool is_arm_path(const ParsedTarget& target) {
  const auto& s = target.segments;
  return is_public_arm_path(target) || (!s.empty() && iequals_ascii(s[0], "subscriptions")) ||
         (s.size() == 1 && iequals_ascii(s[0], "tenants"));
}

Operation route_arm(const http::Request& req, const ParsedTarget& target, const ArmContext& ctx) {
  const auto& s = target.segments;
  const bool read = req.method == "GET" || req.method == "HEAD";
  if (auto refused = refuse_arm_api_version(target)) {
    return arm_operation("ArmRequest", [r = std::move(*refused)] { return r; });
  }
  if (is_public_arm_path(target)) {
    if (!read) return arm_operation("ArmRequest", [] { return arm_error(405, "MethodNotAllowed", "Use GET."); });
    return arm_operation("CloudMetadata", [ctx] {
      return json_response(
          200, json::object{{"galleryEndpoint", ""},
                            {"graphEndpoint", ctx.authority + "/"},
                            {"portalEndpoint", ""},
                            {"authentication", json::object{{"loginEndpoint", ctx.authority + "/adfs"},
                                                            {"audiences", json::array{ctx.authority + "/"}}}}});
    });
  }
  if (s.size() == 1 && iequals_ascii(s[0], "tenants")) {
    // What `az login` asks for a person who names no tenant: the one tenant of this server.
    if (!read) return arm_operation("ArmRequest", [] { return arm_error(405, "MethodNotAllowed", "Use GET."); });
    return arm_operation("TenantList", [ctx] {
      const json::object tenant{{"id", "/tenants/" + ctx.tenant_id}, {"tenantId", ctx.tenant_id},
                                {"tenantCategory", "Home"},          {"displayName", "Coffer"},
                                {"defaultDomain", "coffer.local"},   {"domains", json::array{"coffer.local"}}};
      return json_response(200, json::object{{"value", json::array{tenant}}});
    });
  }
  if (s.size() == 1) {
    if (!read) return arm_operation("ArmRequest", [] { return arm_error(405, "MethodNotAllowed", "Use GET."); });
    return arm_operation("SubscriptionList", [ctx] {
      return json_response(200, json::object{{"value", json::array{subscription_json(ctx)}},
                                             {"count", json::object{{"type", "Total"}, {"value", 1}}}});
    });
  }
  if (!iequals_ascii(s[1], subscription_id_of(ctx.tenant_id))) {
    return arm_operation("ArmRequest", [id = s[1].substr(0, 100)] {
      return arm_error(404, "SubscriptionNotFound", "The subscription '" + id + "' could not be found.");
    });
  }
  if (s.size() == 2) {
    if (!read) return arm_operation("ArmRequest", [] { return arm_error(405, "MethodNotAllowed", "Use GET."); });
    return arm_operation("SubscriptionGet", [ctx] { return json_response(200, subscription_json(ctx)); });
  }
  if (auto op = route_resource_groups(req, s, ctx)) return std::move(*op);
  if (auto op = route_arm_vaults(req, target, ctx)) return std::move(*op);
  return arm_operation("ArmRequest", [path = target.path.substr(0, 300)] {
    return arm_error(404, "InvalidResourceType", "No resource provider of this server serves '" + path + "'.");
  });
}

http::Response arm_failure(const Status& st) {
  const int status = http_status_of(st.code());
  if (st.code() == Code::kInternal || st.code() == Code::kUnavailable) return error_response(st);
  const char* fallback = st.code() == Code::kBadParameter    ? "InvalidParameter"
                         : st.code() == Code::kConflict      ? "Conflict"
                         : st.code() == Code::kNotFound      ? "ResourceNotFound"
                         : st.code() == Code::kVaultNotFound ? "ResourceNotFound"
                                                             : akv_error_code(st.code());
  return arm_error(status, st.reason().empty() ? std::string_view(fallback) : std::string_view(st.reason()),
                   st.message());
}

std::string arm_vault_id(const ArmContext& ctx, const vault::VaultInfo& v) {
  return "/subscriptions/" + subscription_id_of(ctx.tenant_id) + "/resourceGroups/" + v.resource_group +
         "/providers/Microsoft.KeyVault/vaults/" + v.name;
}

ScopeForm arm_scope_form(const ArmContext& ctx) {
  const std::string subscription = subscription_id_of(ctx.tenant_id);
  ScopeForm form;
  form.arm = true;
  form.definitions_prefix = "/subscriptions/" + subscription;
  form.parse = [subscription](std::string_view written) -> Result<std::string> {
    std::vector<std::string> s;
    for (std::size_t i = 0; i < written.size();) {
      std::size_t slash = written.find('/', i);
      if (slash == std::string_view::npos) slash = written.size();
      if (slash > i) s.emplace_back(written.substr(i, slash - i));
      i = slash + 1;
    }
    if (s.size() < 2 || !iequals_ascii(s[0], "subscriptions") || !iequals_ascii(s[1], subscription)) {
      return Status(Code::kNotFound,
                    "The subscription of scope '" + std::string(written.substr(0, 300)) + "' could not be found.",
                    "SubscriptionNotFound");
    }
    if (s.size() == 2) return std::string("/");
    if (iequals_ascii(s[2], "resourceGroups")) {
      if (s.size() == 4) return auth::normalize_scope("/resourcegroups/" + s[3]);
      if ((s.size() == 8 || s.size() == 10) && iequals_ascii(s[4], "providers") &&
          iequals_ascii(s[5], "Microsoft.KeyVault") && iequals_ascii(s[6], "vaults")) {
        return auth::normalize_scope("/vaults/" + s[7] + (s.size() == 10 ? "/" + s[8] + "/" + s[9] : ""));
      }
    }
    return Status(Code::kBadParameter,
                  "The scope '" + std::string(written.substr(0, 300)) +
                      "' is not one this server manages: use the subscription, a resource group, a vault "
                      "(…/providers/Microsoft.KeyVault/vaults/{name}) or an object in one.",
                  "InvalidScope");
  };
  form.show = [ctx, subscription](const std::string& scope) {
    const std::string sub = "/subscriptions/" + subscription;
    if (scope == "/") return sub;
    constexpr std::string_view kGroups = "/resourcegroups/";
    if (scope.starts_with(kGroups)) return sub + "/resourceGroups/" + scope.substr(kGroups.size());
    constexpr std::string_view kVaults = "/vaults/";
    if (!scope.starts_with(kVaults)) return sub + scope;
    const std::string rest = scope.substr(kVaults.size());
    const std::size_t slash = rest.find('/');
    vault::VaultInfo shown;  // a vault that is gone shows in the built-in group
    shown.name = rest.substr(0, slash);
    shown.resource_group = vault::kBuiltInGroup;
    if (ctx.vaults) {
      if (auto v = ctx.vaults->find(shown.name); v.ok()) shown = *v;
    }
    return arm_vault_id(ctx, shown) + (slash == std::string::npos ? "" : rest.substr(slash));
  };
  return form;
}

http::Response arm_unauthorized(std::string_view authorization_uri, bool token_missing, std::string_view why) {
  const std::string description = token_missing ? "The authentication failed because of missing 'Authorization' header."
                                                : "The access token is invalid: " + std::string(why.substr(0, 300));
  http::Response r =
      arm_error(401, token_missing ? "AuthenticationFailed" : "InvalidAuthenticationToken",
                token_missing ? "Authentication failed. The 'Authorization' header is missing." : description);
  r.set_header("WWW-Authenticate", "Bearer authorization_uri=\"" + std::string(authorization_uri) +
                                       "\", error=\"invalid_token\", error_description=\"" + description + "\"");
  return r;
}

http::Response arm_error(int status, std::string_view code, std::string_view message) {
  return json_response(
      status, json::object{{"error", json::object{{"code", json::string(code)}, {"message", json::string(message)}}}});
}

}  // namespace coffer::api
