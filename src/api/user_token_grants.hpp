// The token endpoint's grants for people, as Entra ID answers them to MSAL
// (and so to az and the Azure SDK): authorization_code (with PKCE),
// refresh_token, the device code grant (RFC 8628), and password (ROPC, for
// `az login -u … -p …`; refused with AADSTS50076 when the user is enrolled
// in TOTP, as Entra refuses it when MFA is required). Also the device
// authorization endpoint. Only the public clients of auth/public_clients.hpp
// may use them. A success answers an access token for the resource of
// `scope` (15 minutes), a new refresh token, an ID token and client_info.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "audit/audit_record.hpp"
#include "auth/authorization_grants.hpp"
#include "auth/token_service.hpp"
#include "auth/user_sessions.hpp"
#include "auth/users.hpp"
#include "common/prometheus.hpp"
#include "http/message.hpp"

namespace coffer::api {

// The services behind the sign-in of people, and where this server is.
struct UserSignIn {
  std::string authority;  // https://host:port
  std::string tenant_id;
  auth::UserRegistry& users;
  auth::UserSessions& sessions;
  auth::AuthorizationGrants& grants;
  auth::TokenService& tokens;
  // Tokens issued, by credential (the grant type); null: not counted.
  prometheus::Counters* tokens_issued = nullptr;
};

// The answer for a token request of these grant types; nullopt for any
// other grant type. `path_tenant` is the tenant segment the client used
// ("adfs" or the tenant id) and `v2` whether it used /oauth2/v2.0: the ID
// token's issuer is that of the discovery document the client read.
// Fills the audit record's caller with who signed in.
std::optional<http::Response> user_token_grant(const http::Request& req, const std::map<std::string, std::string>& form,
                                               const UserSignIn& ctx, std::string_view path_tenant, bool v2,
                                               audit::AuditRecord& record);

// POST …/devicecode {client_id, scope}: device_code, user_code,
// verification_uri, expires_in, interval, message.
http::Response device_authorization(const http::Request& req, const UserSignIn& ctx, std::string_view path_tenant);

// The issuer a discovery document at /<path_tenant>[/v2.0] names.
std::string discovery_issuer(std::string_view authority, std::string_view path_tenant, bool v2);
// Where people enter a device's code: <authority>/<path_tenant>/oauth2/deviceauth.
std::string device_verification_uri(std::string_view authority, std::string_view path_tenant);

}  // namespace coffer::api
