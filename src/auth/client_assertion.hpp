// ClientAssertionVerifier: authenticates a client by a JWT client
// assertion (RFC 7523, client_assertion_type
// urn:ietf:params:oauth:client-assertion-type:jwt-bearer), the two ways
// Azure AD accepts one:
//
//  - federated: a token from an external issuer (a Kubernetes
//    service-account token). It must match a federated credential of the
//    client — iss, sub and one aud exactly — before anything else happens,
//    and only then is it verified with that issuer's keys (IssuerKeyCache).
//  - certificate: a token the client signed itself (iss = sub = client id)
//    with the key of a registered certificate, named in the header by
//    "x5t#S256" or "x5t"; aud must be one of Coffer's token endpoints and
//    jti is required.
//
// Both check the signature (RS256/384/512, PS256/384/512, ES256/384; never
// "none" or HMAC), exp (required) and nbf with a 5-minute skew, as Azure AD
// allows. Failures carry an Azure-style description ("AADSTS70021: No
// matching federated identity record found …"); the Status code says how
// the token endpoint answers and reason() names the OAuth error:
//   kBadParameter → 400 (reason "invalid_request"),
//   kUnauthorized → 401 (reason "invalid_client"),
//   kUnavailable  → 503 (the issuer's keys could not be fetched).
// An unknown client id fails exactly like a client without a matching
// credential. Thread-safe.
#pragma once

#include <string>
#include <vector>

#include "auth/issuer_keys.hpp"
#include "auth/principal.hpp"
#include "auth/service_principals.hpp"
#include "auth/workload_credentials.hpp"
#include "common/clock.hpp"

namespace coffer::auth {

inline constexpr const char* kJwtBearerAssertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

class ClientAssertionVerifier {
 public:
  ClientAssertionVerifier(ServicePrincipalRegistry& principals, WorkloadCredentialRegistry& credentials,
                          IssuerKeyCache& issuer_keys, const Clock& clock);

  // `client_id` may be empty for a certificate assertion (it is then its
  // iss). `token_endpoints`: the URLs a certificate assertion's aud may name.
  Result<Principal> authenticate(const std::string& client_id, std::string_view assertion,
                                 const std::vector<std::string>& token_endpoints);

 private:
  Result<Principal> federated(const std::string& client_id, const CompactJws& jws, const std::string& alg);
  Result<Principal> certificate(const std::string& client_id, const CompactJws& jws, const std::string& alg,
                                const std::vector<std::string>& token_endpoints);
  Status check_times(const CompactJws& jws) const;

  ServicePrincipalRegistry& principals_;
  WorkloadCredentialRegistry& credentials_;
  IssuerKeyCache& issuer_keys_;
  const Clock& clock_;
};

}  // namespace coffer::auth
