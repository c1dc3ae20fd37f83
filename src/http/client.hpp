// HttpsClient: a small synchronous HTTPS/1.1 client for the `coffer` CLI and
// tests. Verifies the server certificate against `ca_pem` (PEM text) when
// given, else `ca_file`, else the system store, and the host name. One connection, kept alive between
// calls, reconnected when the server closed it. Optionally public addresses only. Not thread-safe.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.hpp"
#include "http/message.hpp"

namespace coffer::http {

class HttpsClient {
 public:
  // `base_url` like "https://dev.vault.localhost:8443" (no path).
  HttpsClient(std::string base_url, std::string ca_file, std::string ca_pem = {});
  ~HttpsClient();

  // From now on, connects only to public addresses (is_public_address): a
  // host that resolves to none is refused with kUnavailable (webhooks: SSRF).
  void public_addresses_only();

  // `target` is path + query. Returns the response, or kUnavailable when
  // the connection or TLS handshake fails (message says why).
  Result<Response> request(const std::string& method, const std::string& target,
                           const std::vector<std::pair<std::string, std::string>>& headers, const std::string& body);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Adds ("Authorization", "Bearer <token>") to `headers`, written in place so
// that no temporary holds the token. Returns its index: the caller wipes
// that value once the request is sent.
std::size_t add_bearer_header(std::vector<std::pair<std::string, std::string>>& headers, std::string_view token);

}  // namespace coffer::http
