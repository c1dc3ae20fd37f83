// TokenService: issues and verifies the server's access tokens.
// Tokens are JWTs signed RS256 by the server's SigningKey, with claims
// iss, aud (the requested resource), tid, oid, appid, iat, nbf, exp
// (lifetime ≤ 1 h). A person's token also names the user (upn,
// preferred_username, name, idtyp "user") and lives user_lifetime_seconds
// (short: clients renew it with a refresh token). ID tokens (OpenID
// Connect) are signed by the same key, for the client: aud is its client id,
// so they are never accepted as access tokens. verify() checks the signature, algorithm, key id,
// issuer, audience (one of the accepted ones), tenant, nbf and exp (with a
// 5-minute skew, as Azure AD allows). Verified tokens are cached in memory
// until they expire, so a request carrying a known token costs one hash
// lookup instead of an RSA verification. Thread-safe.
#pragma once

#include <boost/json/object.hpp>
#include <cstring>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "auth/principal.hpp"
#include "common/clock.hpp"
#include "common/secure_memory.hpp"
#include "common/status.hpp"
#include "common/thread_annotations.hpp"
#include "crypto/digest.hpp"
#include "crypto/signing_key.hpp"

namespace coffer::auth {

struct TokenServiceOptions {
  std::string issuer;  // e.g. https://localhost:8443/<tenant>/v2.0
  std::string tenant_id;
  int64_t lifetime_seconds = 3600;
  int64_t user_lifetime_seconds = 900;
};

struct IssuedToken {
  SecureString access_token;
  int64_t expires_in = 0;
};

class TokenService {
 public:
  TokenService(crypto::SigningKey key, TokenServiceOptions options, const Clock& clock);

  Result<IssuedToken> issue(const Principal& principal, const std::string& audience);
  // An ID token for a person signed in through `client_id`; `issuer` is the
  // one of the discovery document the client used; `nonce` is echoed.
  Result<IssuedToken> issue_id_token(const Principal& principal, std::string_view issuer, std::string_view nonce);
  // `audiences`: accepted aud values (compared without a trailing "/").
  // Failure is kUnauthorized with a message naming the failed check. The
  // principal is shared with the cache: a known token costs no copy.
  Result<std::shared_ptr<const Principal>> verify(std::string_view token,
                                                  std::initializer_list<std::string_view> audiences);
  // The JWKS document ({"keys":[{kty,use,kid,alg,n,e}]}).
  std::string jwks_json() const;
  const TokenServiceOptions& options() const { return options_; }

 private:
  struct Verified {
    Principal principal;
    std::string audience;
    int64_t expires = 0;
  };
  // The digest is already uniform: its first bytes are a good hash.
  struct DigestHash {
    std::size_t operator()(const crypto::Sha256Digest& d) const {
      std::size_t h;
      std::memcpy(&h, d.data(), sizeof h);
      return h;
    }
  };
  Result<Verified> verify_uncached(std::string_view token);
  Result<IssuedToken> sign(const boost::json::object& claims, int64_t lifetime);

  crypto::SigningKey key_;
  TokenServiceOptions options_;
  const Clock& clock_;
  SharedMutex mu_;
  std::unordered_map<crypto::Sha256Digest, std::shared_ptr<const Verified>, DigestHash> cache_
      COFFER_GUARDED_BY(mu_);  // sha256(token) → claims
};

}  // namespace coffer::auth
