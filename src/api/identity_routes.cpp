#include "api/identity_routes.hpp"

#include <boost/json.hpp>

#include "api/responses.hpp"
#include "common/ascii.hpp"
#include "common/base64.hpp"

namespace coffer::api {
namespace json = boost::json;
namespace {

http::Response oauth_error(int status, const std::string& error, const std::string& description) {
  json::object body{{"error", error}, {"error_description", description}};
  // Azure AD also lists the AADSTS number(s); some clients branch on them.
  if (description.rfind("AADSTS", 0) == 0) {
    int64_t code = 0;
    std::size_t i = 6;
    while (i < description.size() && i < 16 && description[i] >= '0' && description[i] <= '9') {
      code = code * 10 + (description[i++] - '0');
    }
    if (i > 6) body["error_codes"] = json::array{code};
  }
  auto r = json_response(status, body);
  r.set_header("Cache-Control", "no-store");
  return r;
}

// The token endpoints of this authority: what a certificate assertion's aud may name.
std::vector<std::string> token_endpoints(const IdentityContext& ctx) {
  const std::string tenant = ctx.authority + "/" + ctx.tenant_id;
  return {tenant + "/oauth2/v2.0/token", tenant + "/oauth2/token", ctx.authority + "/adfs/oauth2/token"};
}

// 429 as Azure AD throttles (AADSTS90055), with Retry-After.
http::Response throttled(const Status& st) {
  http::Response r = oauth_error(429, "temporarily_unavailable", "AADSTS90055: " + st.message());
  r.set_header("Retry-After", retry_after_seconds(st));
  return r;
}

// Answers a failed client assertion as Azure AD does (see auth/client_assertion.hpp).
http::Response assertion_error(const Status& st) {
  switch (st.code()) {
    case Code::kThrottled: return throttled(st);
    case Code::kBadParameter:
      return oauth_error(400, st.reason().empty() ? "invalid_request" : st.reason(), st.message());
    case Code::kUnauthorized:
      return oauth_error(401, st.reason().empty() ? "invalid_client" : st.reason(), st.message());
    case Code::kUnavailable: return oauth_error(503, "temporarily_unavailable", st.message());
    default: return error_response(st);
  }
}

http::Response discovery(const std::string& authority, const std::string& path_tenant, bool v2) {
  const std::string root = authority + "/" + path_tenant;
  const std::string token =
      path_tenant == "adfs" ? root + "/oauth2/token" : root + (v2 ? "/oauth2/v2.0/token" : "/oauth2/token");
  json::object doc{{"issuer", root + (v2 ? "/v2.0" : "")},
                   {"authorization_endpoint", root + (v2 ? "/oauth2/v2.0/authorize" : "/oauth2/authorize")},
                   {"token_endpoint", token},
                   {"jwks_uri", root + (path_tenant == "adfs" ? "/discovery/keys" : "/discovery/v2.0/keys")},
                   {"response_types_supported", json::array{"token"}},
                   {"grant_types_supported", json::array{"client_credentials"}},
                   {"subject_types_supported", json::array{"pairwise"}},
                   {"id_token_signing_alg_values_supported", json::array{"RS256"}},
                   {"token_endpoint_auth_methods_supported",
                    json::array{"client_secret_post", "client_secret_basic", "private_key_jwt"}},
                   {"token_endpoint_auth_signing_alg_values_supported", json::array{"RS256", "PS256", "ES256"}}};
  return json_response(200, doc);
}

// client_id/client_secret from the form, or from HTTP Basic authentication.
void credentials_from_basic(const http::Request& req, std::string& id, std::string& secret) {
  std::string_view auth = req.header("Authorization");
  if (!istarts_with_ascii(auth, "Basic ")) return;
  auto decoded = base64_decode(auth.substr(6));
  if (!decoded) return;
  auto colon = decoded->find(':');
  if (colon == std::string::npos) return;
  if (id.empty()) id = decoded->substr(0, colon);
  if (secret.empty()) secret = decoded->substr(colon + 1);
}

http::Response token(const http::Request& req, const IdentityContext& ctx, bool v1, std::string& caller) {
  auto form = parse_form(req.body);
  if (!form.ok()) return oauth_error(400, "invalid_request", form.status().message());
  auto field = [&](const char* k) {
    auto it = form->find(k);
    return it == form->end() ? std::string() : it->second;
  };
  if (field("grant_type") != "client_credentials") {
    return oauth_error(400, "unsupported_grant_type",
                       "AADSTS70003: The grant type is not supported; use client_credentials.");
  }
  std::string client_id = field("client_id");
  std::string secret = field("client_secret");
  const std::string assertion_type = field("client_assertion_type");
  std::string assertion = field("client_assertion");
  credentials_from_basic(req, client_id, secret);
  SecureString secret_guard(secret);
  secure_wipe(secret.data(), secret.size());
  SecureString assertion_guard(assertion);
  secure_wipe(assertion.data(), assertion.size());
  caller = client_id.substr(0, 64);
  std::string resource;
  if (std::string scope = field("scope"); !scope.empty()) {
    constexpr std::string_view kDefault = "/.default";
    // MSAL may append openid/profile/offline_access; the resource scope is the one ending in /.default.
    std::size_t start = 0;
    while (start < scope.size()) {
      std::size_t end = scope.find(' ', start);
      std::string one = scope.substr(start, end == std::string::npos ? std::string::npos : end - start);
      if (one.size() > kDefault.size() && one.compare(one.size() - kDefault.size(), kDefault.size(), kDefault) == 0) {
        resource = one.substr(0, one.size() - kDefault.size());
      }
      if (end == std::string::npos) break;
      start = end + 1;
    }
    if (resource.empty()) {
      return oauth_error(400, "invalid_scope", "AADSTS70011: The scope must be '<resource>/.default'.");
    }
  } else if (v1) {
    resource = field("resource");
  }
  if (resource.empty() || resource.size() > 512 || resource.rfind("https://", 0) != 0) {
    return oauth_error(400, "invalid_request",
                       "AADSTS900144: The request must name an https resource in 'scope' (v2) or 'resource' (v1).");
  }
  Result<auth::Principal> principal = Status(Code::kUnauthorized, "");
  if (!assertion_type.empty() || !assertion_guard.empty()) {
    if (!secret_guard.empty()) {
      return oauth_error(400, "invalid_request",
                         "AADSTS90023: Only one client authentication method may be used: client_secret or "
                         "client_assertion.");
    }
    if (assertion_type != auth::kJwtBearerAssertionType) {
      return oauth_error(
          400, "invalid_request",
          "AADSTS90014: client_assertion_type must be " + std::string(auth::kJwtBearerAssertionType) + ".");
    }
    if (assertion_guard.empty()) {
      return oauth_error(400, "invalid_request",
                         "AADSTS90014: The request body must contain the following parameter: 'client_assertion'.");
    }
    if (!ctx.assertions) {
      return oauth_error(400, "invalid_request", "AADSTS90014: This server does not accept client assertions.");
    }
    const std::string throttle_id = client_id.substr(0, 64);
    if (ctx.throttle) {
      if (const int64_t wait = ctx.throttle->begin(req.remote_address, throttle_id); wait > 0) {
        return throttled(Status(Code::kThrottled,
                                "Too many failed sign-ins; retry after " + std::to_string(wait) + " seconds.",
                                std::to_string(wait)));
      }
    }
    principal = ctx.assertions->authenticate(client_id, assertion_guard.view(), token_endpoints(ctx));
    if (!principal.ok()) return assertion_error(principal.status());  // a failure: its share stays taken
    if (ctx.throttle) ctx.throttle->succeeded(req.remote_address, throttle_id);
    caller = principal->app_id;
  } else {
    if (client_id.empty() || secret_guard.empty()) {
      return oauth_error(400, "invalid_request",
                         "AADSTS7000216: client_id with 'client_secret' or 'client_assertion' is required for the "
                         "'client_credentials' grant type.");
    }
    principal = ctx.principals.authenticate(client_id, secret_guard.view(), req.remote_address);
    if (!principal.ok()) {
      if (principal.status().code() == Code::kThrottled) return throttled(principal.status());
      if (principal.status().code() != Code::kUnauthorized) return error_response(principal.status());
      return oauth_error(401, "invalid_client",
                         "AADSTS7000215: Invalid client secret provided, or the application '" + caller +
                             "' was not found in the tenant.");
    }
  }
  auto issued = ctx.tokens.issue(*principal, resource);
  if (!issued.ok()) return error_response(issued.status());
  if (ctx.tokens_issued) {
    ctx.tokens_issued->add(prometheus::label_set({{"credential", secret_guard.empty() ? "assertion" : "secret"}}));
  }
  json::object body{{"token_type", "Bearer"},
                    {"expires_in", issued->expires_in},
                    {"ext_expires_in", issued->expires_in},
                    {"access_token", issued->access_token.view()}};
  if (v1) body["resource"] = resource;
  auto r = json_response(200, body);
  r.set_header("Cache-Control", "no-store");
  return r;
}

}  // namespace

std::optional<Operation> route_identity(const http::Request& req, const ParsedTarget& target,
                                        const IdentityContext& ctx, std::string& caller) {
  const auto& s = target.segments;
  if (s.empty()) return std::nullopt;
  const bool adfs = s[0] == "adfs";
  if (!adfs && strcasecmp(s[0].c_str(), ctx.tenant_id.c_str()) != 0) return std::nullopt;
  const std::string tenant = adfs ? "adfs" : ctx.tenant_id;
  const std::string& m = req.method;
  auto op = [](std::string name, std::function<http::Response()> run) {
    return Operation{std::move(name), "", "/", "", std::move(run)};
  };
  auto is = [&](std::initializer_list<const char*> rest) {
    if (s.size() != rest.size() + 1) return false;
    std::size_t i = 1;
    for (const char* r : rest) {
      if (s[i++] != r) return false;
    }
    return true;
  };
  if (m == "GET" && is({".well-known", "openid-configuration"})) {
    return op("OidcDiscovery", [&, tenant] { return discovery(ctx.authority, tenant, false); });
  }
  if (m == "GET" && !adfs && is({"v2.0", ".well-known", "openid-configuration"})) {
    return op("OidcDiscovery", [&, tenant] { return discovery(ctx.authority, tenant, true); });
  }
  if (m == "GET" && (is({"discovery", "v2.0", "keys"}) || is({"discovery", "keys"}))) {
    return op("Jwks", [&] {
      return http::Response{200, {{"Content-Type", "application/json; charset=utf-8"}}, ctx.tokens.jwks_json()};
    });
  }
  if (m == "POST" && (is({"oauth2", "v2.0", "token"}) || is({"oauth2", "token"}))) {
    const bool v1 = s.size() == 3;
    return op("Authentication", [&, v1] { return token(req, ctx, v1, caller); });
  }
  return std::nullopt;
}

}  // namespace coffer::api
