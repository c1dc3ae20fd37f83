// The signature keys of external token issuers (Kubernetes service-account
// issuers, other OIDC providers) that federated identity credentials trust.
//
// OidcKeySource says where an issuer's JWK Set comes from. auth/ does not
// speak HTTP, so the network transport is injected: server/ supplies an
// HTTPS GET built on http::HttpsClient, tests supply a fake.
// OidcDiscoveryKeySource implements the usual path — a JWKS file configured
// for the issuer (air-gapped clusters), else OpenID Connect discovery
// (<issuer>/.well-known/openid-configuration → jwks_uri) and the JWKS over
// HTTPS.
//
// IssuerKeyCache keeps each issuer's keys for `cache_seconds`, refetches an
// issuer's set when a token names a kid it does not hold (key rotation), at
// most once per `refresh_interval_seconds` per issuer so that tokens with
// made-up kids cannot turn Coffer into a request amplifier, and keeps
// serving the last good set while the issuer is unreachable. Only issuers
// named by a federated credential are ever looked up (the verifier matches
// the credential before asking for keys), so callers cannot make Coffer
// fetch arbitrary URLs. Thread-safe; a slow issuer delays only requests for
// that issuer.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>

#include "auth/jwt.hpp"
#include "common/clock.hpp"
#include "common/status.hpp"
#include "common/thread_annotations.hpp"

namespace coffer::auth {

class OidcKeySource {
 public:
  virtual ~OidcKeySource() = default;
  // The JWK Set document of `issuer`. kUnavailable, with a message naming
  // the failed step and URL, when it cannot be obtained.
  virtual Result<std::string> fetch_jwks(const std::string& issuer) = 0;
};

// GETs an https URL and returns the body of a 200 answer; kUnavailable otherwise.
using HttpsGet = std::function<Result<std::string>(const std::string& url)>;

class OidcDiscoveryKeySource final : public OidcKeySource {
 public:
  // `jwks_files`: issuer URL → path of a JWKS file used instead of the network.
  OidcDiscoveryKeySource(HttpsGet get, std::map<std::string, std::string> jwks_files);
  Result<std::string> fetch_jwks(const std::string& issuer) override;

 private:
  HttpsGet get_;
  std::map<std::string, std::string> files_;
};

struct IssuerKeyOptions {
  int64_t cache_seconds = 3600;           // refetch a set this old before using it
  int64_t refresh_interval_seconds = 30;  // least time between two fetches for one issuer
};

class IssuerKeyCache {
 public:
  IssuerKeyCache(OidcKeySource& source, IssuerKeyOptions options, const Clock& clock);

  // The key `kid` of `issuer`. An empty kid is accepted only when the
  // issuer's set holds exactly one key. Fails with kUnauthorized when the
  // issuer has no such key (after one rate-limited refetch), kUnavailable
  // when no key set could be obtained.
  Result<crypto::JwsPublicKey> find(const std::string& issuer, const std::string& kid);

 private:
  struct Entry {
    Mutex mu;
    std::shared_ptr<const JwkSet> keys COFFER_GUARDED_BY(mu);  // null until a fetch succeeded
    int64_t fetched_at COFFER_GUARDED_BY(mu) = 0;              // time of the last successful fetch
    int64_t attempted_at COFFER_GUARDED_BY(mu) = 0;            // time of the last fetch attempt
    Status last_error COFFER_GUARDED_BY(mu);
  };
  std::shared_ptr<Entry> entry(const std::string& issuer);
  // Fetches the set into `e` (e.mu held). OK unless the fetch failed.
  Status refresh(const std::string& issuer, Entry& e, int64_t now) COFFER_REQUIRES(e.mu);

  OidcKeySource& source_;
  IssuerKeyOptions options_;
  const Clock& clock_;
  Mutex mu_;
  std::map<std::string, std::shared_ptr<Entry>> entries_ COFFER_GUARDED_BY(mu_);
};

}  // namespace coffer::auth
