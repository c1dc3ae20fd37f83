#include "api/user_token_grants.hpp"

#include <boost/json.hpp>

#include "api/oauth_responses.hpp"
#include "api/responses.hpp"
#include "api/target.hpp"
#include "auth/public_clients.hpp"
#include "common/base64.hpp"

namespace coffer::api {
namespace json = boost::json;
namespace {

constexpr std::string_view kDeviceCodeGrant = "urn:ietf:params:oauth:grant-type:device_code";

std::string form_field(const std::map<std::string, std::string>& form, const char* name) {
  auto it = form.find(name);
  return it == form.end() ? std::string() : it->second;
}

// A credential of the form (password, code, refresh token) in place: no copy outlives the form's wipe.
std::string_view form_secret(const std::map<std::string, std::string>& form, const char* name) {
  auto it = form.find(name);
  return it == form.end() ? std::string_view() : std::string_view(it->second);
}

http::Response invalid_grant(const Status& st) { return oauth_error(400, "invalid_grant", st.message()); }

// The answer of a successful grant: tokens for `signed_in.user` through `client_id`, with
// `rotated` as the refresh token (a refresh grant's) or a new family's.
http::Response tokens_for(const UserSignIn& ctx, const auth::SignedIn& signed_in, std::string_view client_id,
                          const RequestedResource& resource, std::string_view issuer, std::string_view nonce,
                          audit::AuditRecord& record, const SecureString* rotated = nullptr) {
  const auth::Principal principal = ctx.users.principal(signed_in.user, client_id);
  record.caller_tenant_id = principal.tenant_id;
  record.caller_object_id = principal.object_id;
  record.caller_upn = principal.user_name;
  auto access = ctx.tokens.issue(principal, resource.resource);
  if (!access.ok()) return error_response(access.status());
  auto id = ctx.tokens.issue_id_token(principal, issuer, nonce);
  if (!id.ok()) return error_response(id.status());
  Result<SecureString> refresh = rotated ? Result<SecureString>(*rotated)
                                         : ctx.sessions.issue_refresh(signed_in.user, client_id, signed_in.session_id);
  if (!refresh.ok()) return error_response(refresh.status());
  json::object body{
      {"token_type", "Bearer"},
      {"scope", resource.scope},
      {"expires_in", access->expires_in},
      {"ext_expires_in", access->expires_in},
      {"access_token", access->access_token.view()},
      {"refresh_token", refresh->view()},
      {"id_token", id->access_token.view()},
      {"client_info",
       base64url_encode(json::serialize(json::object{{"uid", principal.object_id}, {"utid", principal.tenant_id}}))}};
  auto r = sensitive_json_response(200, std::move(body));
  r.set_header("Cache-Control", "no-store");
  return r;
}

void count_issued(const UserSignIn& ctx, std::string_view grant) {
  if (ctx.tokens_issued) ctx.tokens_issued->add(prometheus::label_set({{"credential", std::string(grant)}}));
}

// A password grant's refusal, as Entra words them.
http::Response password_refused(const Status& st, std::string_view resource) {
  if (st.code() == Code::kThrottled) return oauth_throttled(st);
  if (st.code() != Code::kUnauthorized) return error_response(st);
  if (st.reason() == "MfaRequired") {
    return oauth_error(400, "invalid_grant",
                       "AADSTS50076: Due to a configuration change made by your administrator, you must use "
                       "multi-factor authentication to access '" +
                           std::string(resource) + "'. Sign in interactively or with a device code.");
  }
  return oauth_error(400, "invalid_grant",
                     "AADSTS50126: Error validating credentials due to invalid username or password.");
}

}  // namespace

std::string discovery_issuer(std::string_view authority, std::string_view path_tenant, bool v2) {
  return std::string(authority) + "/" + std::string(path_tenant) + (v2 ? "/v2.0" : "");
}

std::string device_verification_uri(std::string_view authority, std::string_view path_tenant) {
  return std::string(authority) + "/" + std::string(path_tenant) + "/oauth2/deviceauth";
}

std::optional<http::Response> user_token_grant(const http::Request& req, const std::map<std::string, std::string>& form,
                                               const UserSignIn& ctx, std::string_view path_tenant, bool v2,
                                               audit::AuditRecord& record) {
  const std::string grant = form_field(form, "grant_type");
  if (grant != "authorization_code" && grant != "refresh_token" && grant != "password" && grant != kDeviceCodeGrant) {
    return std::nullopt;
  }
  const std::string client_id = form_field(form, "client_id");
  record.caller_app_id = client_id.substr(0, 64);
  if (!auth::find_public_client(client_id)) {
    return oauth_error(400, client_id.empty() ? "invalid_request" : "unauthorized_client",
                       "AADSTS700016: Application with identifier '" + client_id.substr(0, 64) +
                           "' was not found in the directory, or may not sign people in.");
  }
  if (!form_field(form, "client_secret").empty() || !form_field(form, "client_assertion").empty()) {
    return oauth_error(400, "invalid_client",
                       "AADSTS700025: Client is public so neither 'client_assertion' nor 'client_secret' should be "
                       "presented.");
  }
  // A person's sign-in that names no resource gets a token for this server's own APIs.
  auto requested = requested_resource(form, !v2, ctx.authority + "/");
  if (auto* refused = std::get_if<http::Response>(&requested)) return std::move(*refused);
  const RequestedResource& resource = std::get<RequestedResource>(requested);
  const std::string issuer = discovery_issuer(ctx.authority, path_tenant, v2);

  if (grant == "password") {
    const std::string user_name = form_field(form, "username");
    record.caller_upn = user_name.substr(0, 64);
    auto user = ctx.users.authenticate(user_name, form_secret(form, "password"), "", req.remote_address);
    if (!user.ok()) return password_refused(user.status(), resource.resource);
    count_issued(ctx, grant);
    return tokens_for(ctx, auth::SignedIn{std::move(*user), ""}, client_id, resource, issuer, "", record);
  }
  if (grant == "authorization_code") {
    auto granted = ctx.grants.redeem_code(form_secret(form, "code"), client_id, form_field(form, "redirect_uri"),
                                          form_secret(form, "code_verifier"));
    if (!granted.ok()) {
      return granted.status().code() == Code::kUnauthorized ? invalid_grant(granted.status())
                                                            : error_response(granted.status());
    }
    count_issued(ctx, grant);
    return tokens_for(ctx, granted->signed_in, client_id, resource, issuer, granted->nonce, record);
  }
  if (grant == "refresh_token") {
    auto refreshed = ctx.sessions.redeem_refresh(form_secret(form, "refresh_token"), client_id);
    if (!refreshed.ok()) {
      return refreshed.status().code() == Code::kUnauthorized ? invalid_grant(refreshed.status())
                                                              : error_response(refreshed.status());
    }
    count_issued(ctx, grant);
    return tokens_for(ctx, refreshed->signed_in, client_id, resource, issuer, "", record, &refreshed->refresh_token);
  }
  // The device code grant: RFC 8628 §3.5's errors are the error field itself.
  auto granted = ctx.grants.poll_device(form_secret(form, "device_code"), client_id);
  if (!granted.ok()) {
    if (granted.status().code() != Code::kUnauthorized) return error_response(granted.status());
    return oauth_error(400, granted.status().reason(), granted.status().message());
  }
  // The token request need not repeat the scope: the device authorization named it.
  auto asked = form_field(form, "scope").empty()
                   ? requested_resource({{"scope", granted->scope}}, false, ctx.authority + "/")
                   : std::variant<RequestedResource, http::Response>(resource);
  if (auto* refused = std::get_if<http::Response>(&asked)) return std::move(*refused);
  count_issued(ctx, "device_code");
  return tokens_for(ctx, granted->signed_in, client_id, std::get<RequestedResource>(asked), issuer, "", record);
}

http::Response device_authorization(const http::Request& req, const UserSignIn& ctx, std::string_view path_tenant) {
  auto form = parse_form(req.body);
  if (!form.ok()) return oauth_error(400, "invalid_request", form.status().message());
  const FormWipe wipe(*form);
  const std::string client_id = form_field(*form, "client_id");
  const auth::PublicClient* client = auth::find_public_client(client_id);
  if (!client) {
    return oauth_error(400, client_id.empty() ? "invalid_request" : "unauthorized_client",
                       "AADSTS700016: Application with identifier '" + client_id.substr(0, 64) +
                           "' was not found in the directory, or may not sign people in.");
  }
  const std::string scope = form_field(*form, "scope");
  if (scope.size() > 2048) return oauth_error(400, "invalid_scope", "AADSTS70011: The scope is too long.");
  auto device = ctx.grants.start_device(client->client_id, scope);
  if (!device.ok()) return error_response(device.status());
  const std::string uri = device_verification_uri(ctx.authority, path_tenant);
  json::object body{{"device_code", device->device_code.view()},
                    {"user_code", device->user_code},
                    {"verification_uri", uri},
                    {"expires_in", device->expires_in},
                    {"interval", device->interval},
                    {"message", "To sign in, use a web browser to open the page " + uri + " and enter the code " +
                                    device->user_code + " to authenticate."}};
  auto r = sensitive_json_response(200, std::move(body));
  r.set_header("Cache-Control", "no-store");
  return r;
}

}  // namespace coffer::api
