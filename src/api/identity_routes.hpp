// The OAuth2 / OpenID Connect endpoints that Azure AD and ADFS offer, as the
// Azure SDK, MSAL and az use them (CLIENT-FLOWS.md §2): discovery documents,
// the client-credentials token endpoints (v2 `scope`, v1 `resource`) and the
// JWKS. Served on the bare host only; no bearer token required. Clients
// authenticate with client_secret (form or HTTP Basic) or, when
// `assertions` is set, with a JWT client assertion (a federated token or
// one signed by a registered certificate: auth/client_assertion.hpp).
// With `people`, also the sign-in of people: the authorization and device
// endpoints and their pages, and the grants of user_token_grants.hpp.
// Failed sign-ins are throttled per source address and client id (`throttle`,
// auth/sign_in_throttle.hpp): past the limit the endpoint answers 429 with
// Retry-After and error "temporarily_unavailable" without checking anything.
#pragma once

#include <optional>

#include "api/operation.hpp"
#include "api/user_token_grants.hpp"
#include "audit/audit_record.hpp"
#include "auth/client_assertion.hpp"
#include "auth/service_principals.hpp"
#include "auth/token_service.hpp"
#include "common/prometheus.hpp"

namespace coffer::api {

struct IdentityContext {
  std::string authority;  // https://localhost:8443
  std::string tenant_id;
  auth::ServicePrincipalRegistry& principals;
  auth::TokenService& tokens;
  auth::ClientAssertionVerifier* assertions = nullptr;  // null: client secrets only
  auth::SignInThrottle* throttle = nullptr;             // null: no throttling of client assertions
  // Tokens issued, by credential ("secret", "assertion"); null: not counted.
  prometheus::Counters* tokens_issued = nullptr;
  // People's sign-in (sign_in_routes.hpp, user_token_grants.hpp); null: applications only.
  const UserSignIn* people = nullptr;
};

// nullopt when the path is not an identity endpoint. The Operation's run()
// fills the audit record's caller: the client id that asked for a token,
// and the person who signed in.
std::optional<Operation> route_identity(const http::Request& req, const ParsedTarget& target,
                                        const IdentityContext& ctx, audit::AuditRecord& record);

}  // namespace coffer::api
