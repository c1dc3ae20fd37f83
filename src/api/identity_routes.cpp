#include "api/identity_routes.hpp"

#include <boost/json.hpp>

#include "api/oauth_responses.hpp"
#include "api/responses.hpp"
#include "api/sign_in_routes.hpp"
#include "common/ascii.hpp"
#include "common/base64.hpp"
#include "common/secure_memory.hpp"

namespace coffer::api {
namespace json = boost::json;
namespace {

// The token endpoints of this authority: what a certificate assertion's aud may name.
std::vector<std::string> token_endpoints(const IdentityContext& ctx) {
  const std::string tenant = ctx.authority + "/" + ctx.tenant_id;
  return {tenant + "/oauth2/v2.0/token", tenant + "/oauth2/token", ctx.authority + "/adfs/oauth2/token"};
}

// Answers a failed client assertion as Azure AD does (see auth/client_assertion.hpp).
http::Response assertion_error(const Status& st) {
  switch (st.code()) {
    case Code::kThrottled: return oauth_throttled(st);
    case Code::kBadParameter:
      return oauth_error(400, st.reason().empty() ? "invalid_request" : st.reason(), st.message());
    case Code::kUnauthorized:
      return oauth_error(401, st.reason().empty() ? "invalid_client" : st.reason(), st.message());
    case Code::kUnavailable: return oauth_error(503, "temporarily_unavailable", st.message());
    default: return error_response(st);
  }
}

http::Response discovery(const IdentityContext& ctx, const std::string& path_tenant, bool v2) {
  const std::string root = ctx.authority + "/" + path_tenant;
  const std::string oauth2 = root + (v2 && path_tenant != "adfs" ? "/oauth2/v2.0" : "/oauth2");
  json::array grants{"client_credentials"};
  if (ctx.people) {
    for (const char* g :
         {"authorization_code", "refresh_token", "password", "urn:ietf:params:oauth:grant-type:device_code"}) {
      grants.emplace_back(g);
    }
  }
  json::object doc{{"issuer", discovery_issuer(ctx.authority, path_tenant, v2)},
                   {"authorization_endpoint", oauth2 + "/authorize"},
                   {"token_endpoint", oauth2 + "/token"},
                   {"jwks_uri", root + (path_tenant == "adfs" ? "/discovery/keys" : "/discovery/v2.0/keys")},
                   {"response_types_supported", ctx.people ? json::array{"code", "token"} : json::array{"token"}},
                   {"grant_types_supported", grants},
                   {"subject_types_supported", json::array{"pairwise"}},
                   {"id_token_signing_alg_values_supported", json::array{"RS256"}},
                   {"token_endpoint_auth_methods_supported",
                    json::array{"client_secret_post", "client_secret_basic", "private_key_jwt"}},
                   {"token_endpoint_auth_signing_alg_values_supported", json::array{"RS256", "PS256", "ES256"}}};
  if (ctx.people) {
    doc["device_authorization_endpoint"] = oauth2 + "/devicecode";
    doc["end_session_endpoint"] = oauth2 + "/logout";
    doc["code_challenge_methods_supported"] = json::array{"S256"};
    doc["scopes_supported"] = json::array{"openid", "profile", "offline_access"};
    doc["claims_supported"] = json::array{
        "sub", "oid", "tid", "iss", "aud", "exp", "iat", "nbf", "name", "preferred_username", "upn", "nonce"};
  }
  return json_response(200, doc);
}

// client_id/client_secret from the form, or from HTTP Basic authentication.
void credentials_from_basic(const http::Request& req, std::string& id, std::string& secret) {
  std::string_view auth = req.header("Authorization");
  if (!istarts_with_ascii(auth, "Basic ")) return;
  auto decoded = base64_decode(auth.substr(6));
  if (!decoded) return;
  const SecureString pair(std::move(*decoded));  // "id:secret", wiped when done
  const std::string_view text = pair.view();
  auto colon = text.find(':');
  if (colon == std::string_view::npos) return;
  if (id.empty()) id = std::string(text.substr(0, colon));
  if (secret.empty()) secret = std::string(text.substr(colon + 1));  // the caller wipes it
}

http::Response token(const http::Request& req, const IdentityContext& ctx, const std::string& path_tenant, bool v1,
                     audit::AuditRecord& record) {
  std::string& caller = record.caller_app_id;
  auto form = parse_form(req.body);
  if (!form.ok()) return oauth_error(400, "invalid_request", form.status().message());
  const FormWipe wipe(*form);
  auto field = [&](const char* k) {
    auto it = form->find(k);
    return it == form->end() ? std::string() : it->second;
  };
  if (field("grant_type") != "client_credentials") {
    if (ctx.people) {
      if (auto answer = user_token_grant(req, *form, *ctx.people, path_tenant, !v1, record)) return std::move(*answer);
    }
    return oauth_error(400, "unsupported_grant_type",
                       ctx.people ? "AADSTS70003: The grant type is not supported."
                                  : "AADSTS70003: The grant type is not supported; use client_credentials.");
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
  auto requested = requested_resource(*form, v1);
  if (auto* refused = std::get_if<http::Response>(&requested)) return std::move(*refused);
  const std::string resource = std::get<RequestedResource>(requested).resource;
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
        return oauth_throttled(Status(Code::kThrottled,
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
      if (principal.status().code() == Code::kThrottled) return oauth_throttled(principal.status());
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
  // The token is a credential: the tree's copy is wiped, the body once sent.
  auto r = sensitive_json_response(200, std::move(body));
  r.set_header("Cache-Control", "no-store");
  return r;
}

}  // namespace

std::optional<Operation> route_identity(const http::Request& req, const ParsedTarget& target,
                                        const IdentityContext& ctx, audit::AuditRecord& record) {
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
    return op("OidcDiscovery", [&, tenant] { return discovery(ctx, tenant, false); });
  }
  if (m == "GET" && !adfs && is({"v2.0", ".well-known", "openid-configuration"})) {
    return op("OidcDiscovery", [&, tenant] { return discovery(ctx, tenant, true); });
  }
  if (m == "GET" && (is({"discovery", "v2.0", "keys"}) || is({"discovery", "keys"}))) {
    return op("Jwks", [&] {
      return http::Response{200, {{"Content-Type", "application/json; charset=utf-8"}}, ctx.tokens.jwks_json()};
    });
  }
  if (m == "POST" && (is({"oauth2", "v2.0", "token"}) || is({"oauth2", "token"}))) {
    const bool v1 = s.size() == 3;
    return op("Authentication", [&, v1, tenant] { return token(req, ctx, tenant, v1, record); });
  }
  if (ctx.people) {
    if (m == "POST" && (is({"oauth2", "v2.0", "devicecode"}) || is({"oauth2", "devicecode"}))) {
      return op("DeviceAuthorization", [&, tenant] { return device_authorization(req, *ctx.people, tenant); });
    }
    if (auto page = route_sign_in(req, target, tenant, *ctx.people, record)) return page;
  }
  return std::nullopt;
}

}  // namespace coffer::api
