// TokenSource: access tokens for Coffer's vaults, obtained with OAuth2
// client credentials at Coffer's token endpoint — a client secret (service
// principal from nodePublishSecretRef) or a client assertion (the pod's
// service-account token, workload identity). Tokens are cached per identity
// (token URL, client id, scope and a SHA-256 of the credential) until a
// minute before expiry; concurrent misses for one identity make one request.
// Neither a credential nor a token appears in a Status message.
// Thread-safe.
#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <string>

#include "common/secure_memory.hpp"
#include "common/status.hpp"
#include "csi/coffer_client.hpp"
#include "csi/single_flight.hpp"

namespace coffer::csi {

struct ClientCredential {
  Endpoint authority;  // origin of the token authority + its CA
  std::string path;    // "<authority path>/<tenant>/oauth2/v2.0/token" or ".../adfs/oauth2/token"
  std::string client_id;
  std::string scope;       // "https://vault.example/.default"
  SecureString secret;     // client secret, or
  SecureString assertion;  // a JWT client assertion (exactly one is set)
};

// An access token and the key of the identity it belongs to (for caching
// and collapsing other calls made on its behalf).
struct AccessToken {
  SecureString token;
  std::string identity;  // hex SHA-256 over the credential's fields
};

class TokenSource {
 public:
  explicit TokenSource(CofferClient& client) : client_(client) {}

  // Errors: reason MissingCredentials / AuthenticationFailed (the endpoint
  // refused; its AADSTS message is kept) / VaultUnavailable.
  Result<AccessToken> token(const ClientCredential& credential);
  // Drops a cached token the vault refused.
  void forget(const std::string& identity);

 private:
  struct Cached {
    SecureString token;
    std::chrono::steady_clock::time_point refresh_at;
  };
  Result<Cached> fetch(const ClientCredential& credential);

  CofferClient& client_;
  std::mutex mu_;
  std::map<std::string, Cached> cache_;
  SingleFlight<Result<SecureString>> flights_;
};

// The token path for `tenant` under an authority path ("" or "/prefix").
std::string token_path(const std::string& authority_path, const std::string& tenant);

}  // namespace coffer::csi
