// One POST to a webhook (event subscriptions, external secret rotators) and
// its outcome in Event Grid's vocabulary (EVENTS-SPEC.md §2): the status (0
// when nothing answered), the dead-letter outcome name ("BadRequest",
// "TimedOut", "SocketError", …), the body (or why nothing answered) and a
// Retry-After in seconds (clamped to a day).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.hpp"
#include "http/client.hpp"

namespace coffer::server {

struct WebhookPost {
  int status = 0;  // 0: no answer
  std::string outcome;
  std::string body;
  int64_t retry_after = 0;  // seconds

  bool succeeded() const { return status >= 200 && status <= 204; }
};

// "https://host[:port]/path?q" → {"https://host[:port]", "/path?q"}.
std::pair<std::string, std::string> split_endpoint(const std::string& url);

// A client for the origin of webhook `url` ("https://host[:port]/…"),
// trusting `ca_file` (empty: the system store) and, unless
// `allow_private_endpoints`, connecting to public addresses only (SSRF).
std::unique_ptr<http::HttpsClient> webhook_client(const std::string& url, const std::string& ca_file,
                                                  bool allow_private_endpoints);

// Standard Webhooks headers for `body`: webhook-id `id` (the same on every
// retry), webhook-timestamp `now`, webhook-signature under `secret` ("whsec_…").
Result<std::vector<std::pair<std::string, std::string>>> webhook_signature_headers(std::string_view secret,
                                                                                   const std::string& id, int64_t now,
                                                                                   const std::string& body);

// POSTs `body` to `url` on `client` (connected to url's origin, kept open between posts).
WebhookPost post_webhook(http::HttpsClient& client, const std::string& url, const std::string& content_type,
                         const std::string& body, std::vector<std::pair<std::string, std::string>> headers);

}  // namespace coffer::server
