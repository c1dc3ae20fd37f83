// Composition of workload identity for `coffer server`: the credential
// registry, the issuer key cache fed by OpenID discovery over HTTPS (an
// http::HttpsClient per fetch, trusting `oidcCaFile` or the system store)
// or by per-issuer JWKS files, and the client-assertion verifier the token
// endpoints use.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "auth/client_assertion.hpp"
#include "auth/issuer_keys.hpp"
#include "auth/service_principals.hpp"
#include "auth/workload_credentials.hpp"
#include "common/clock.hpp"
#include "common/status.hpp"
#include "store/store.hpp"

namespace coffer::server {

struct WorkloadIdentityOptions {
  std::string oidc_ca_file;  // empty: the system trust store
  std::string jwks_files;    // "ISSUER=PATH[,ISSUER=PATH…]"
  int64_t jwks_cache_seconds = 3600;
};

struct WorkloadIdentity {
  std::unique_ptr<auth::OidcDiscoveryKeySource> source;
  std::unique_ptr<auth::IssuerKeyCache> issuer_keys;
  std::unique_ptr<auth::WorkloadCredentialRegistry> credentials;
  std::unique_ptr<auth::ClientAssertionVerifier> verifier;
};

// "ISSUER=PATH,…" → issuer → path. kBadParameter for an entry without '=',
// an issuer that is not https, an empty path, or an issuer named twice.
Result<std::map<std::string, std::string>> parse_jwks_files(const std::string& text);

// GET of an https URL with http::HttpsClient: the body of a 200 answer of at
// most 512 KiB, else kUnavailable saying why.
Result<std::string> https_get(const std::string& url, const std::string& ca_file);

// Builds everything; fails (kBadParameter) when a configured JWKS file
// cannot be read or holds no usable key, so a typo stops the start-up
// instead of every later token request. `clock` judges assertion lifetimes.
Result<std::unique_ptr<WorkloadIdentity>> make_workload_identity(const WorkloadIdentityOptions& options,
                                                                 store::Store& store,
                                                                 auth::ServicePrincipalRegistry& principals,
                                                                 const Clock& clock);

}  // namespace coffer::server
