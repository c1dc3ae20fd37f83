// TokenSource: OAuth2 client-credentials tokens for the CLI's credentials.
// POSTs to {authority}/adfs/oauth2/token when the tenant is "adfs", else to
// {authority}/{tenant}/oauth2/v2.0/token, with scope "<resource>/.default".
// Tokens are cached per resource for the life of the object (refreshed a
// minute before expiry). Neither the secret nor a token is ever put into a
// Status message. Not thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "cli/credentials.hpp"
#include "common/secure_memory.hpp"
#include "common/status.hpp"

namespace coffer::http {
class HttpsClient;
}

namespace coffer::cli {

class TokenSource {
 public:
  explicit TokenSource(Credentials creds);
  ~TokenSource();
  TokenSource(TokenSource&&) noexcept;
  TokenSource& operator=(TokenSource&&) noexcept;

  // A bearer token for `resource` ("https://vault.localhost:8443"). Errors:
  // kUnavailable when the authority cannot be reached; otherwise the token
  // endpoint's error ("(invalid_client) AADSTS…").
  Result<SecureString> token_for(const std::string& resource);
  // Drops a cached token, e.g. after the server rejected it.
  void forget(const std::string& resource);

  const Credentials& credentials() const { return creds_; }

 private:
  struct Cached {
    SecureString token;
    int64_t refresh_at = 0;  // steady seconds
  };
  Credentials creds_;
  std::unique_ptr<http::HttpsClient> client_;
  std::map<std::string, Cached> cache_;
};

}  // namespace coffer::cli
