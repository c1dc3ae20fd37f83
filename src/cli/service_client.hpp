// ServiceClient: authenticated JSON requests to one HTTPS origin — a vault
// ("https://dev.vault.localhost:8443") or Coffer's admin API (the authority).
// Every request carries a bearer token for `resource`. When the server answers
// 401 with a WWW-Authenticate challenge naming another resource, the client
// takes a token for that resource and retries once. Not thread-safe.
#pragma once

#include <boost/json/array.hpp>
#include <boost/json/value.hpp>
#include <memory>
#include <optional>
#include <string>

#include "cli/token_source.hpp"
#include "common/status.hpp"

namespace coffer::http {
class HttpsClient;
}

namespace coffer::cli {

inline constexpr const char* kApiVersion = "7.4";

class ServiceClient {
 public:
  ServiceClient(TokenSource tokens, std::string origin, std::string resource);
  ~ServiceClient();
  ServiceClient(ServiceClient&&) noexcept;
  ServiceClient& operator=(ServiceClient&&) noexcept;

  // Sends `method target` (path and query) with `body` as JSON when given.
  // 2xx → the parsed body (null when empty). Otherwise the Status of
  // status_from_response(), or kUnavailable when the server is unreachable.
  Result<boost::json::value> call(const std::string& method, const std::string& target,
                                  const boost::json::value* body = nullptr);

  // GETs a paged AKV list ({"value":[…],"nextLink":…}) from `target` and follows
  // nextLink until it is null or `limit` items were collected.
  Result<boost::json::array> list(const std::string& target, std::optional<std::size_t> limit);

  const std::string& origin() const { return origin_; }

 private:
  Result<boost::json::value> send(const std::string& method, const std::string& target, const std::string& body,
                                  bool has_body);

  TokenSource tokens_;
  std::string origin_;
  std::string resource_;
  std::unique_ptr<http::HttpsClient> http_;
};

}  // namespace coffer::cli
