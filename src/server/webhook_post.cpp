#include "server/webhook_post.hpp"

#include <algorithm>
#include <cstdlib>

#include "common/ascii.hpp"
#include "crypto/webhook_signature.hpp"

namespace coffer::server {
namespace {

std::string outcome_of(int status) {
  switch (status) {
    case 400: return "BadRequest";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "NotFound";
    case 410: return "Gone";
    case 413: return "RequestEntityTooLarge";
    case 429:
    case 503: return "Busy";
    default: return "GenericError";
  }
}

}  // namespace

std::pair<std::string, std::string> split_endpoint(const std::string& url) {
  const auto slash = url.find('/', 8);  // after "https://"
  if (slash == std::string::npos) return {url, "/"};
  return {url.substr(0, slash), url.substr(slash)};
}

std::unique_ptr<http::HttpsClient> webhook_client(const std::string& url, const std::string& ca_file,
                                                  bool allow_private_endpoints) {
  auto client = std::make_unique<http::HttpsClient>(split_endpoint(url).first, ca_file);
  if (!allow_private_endpoints) client->public_addresses_only();
  return client;
}

Result<std::vector<std::pair<std::string, std::string>>> webhook_signature_headers(std::string_view secret,
                                                                                   const std::string& id, int64_t now,
                                                                                   const std::string& body) {
  COFFER_ASSIGN_OR_RETURN(std::string signature, crypto::webhook_signature(secret, id, now, body));
  return std::vector<std::pair<std::string, std::string>>{
      {"webhook-id", id}, {"webhook-timestamp", std::to_string(now)}, {"webhook-signature", std::move(signature)}};
}

WebhookPost post_webhook(http::HttpsClient& client, const std::string& url, const std::string& content_type,
                         const std::string& body, std::vector<std::pair<std::string, std::string>> headers) {
  const std::string target = split_endpoint(url).second;
  headers.emplace_back("Content-Type", content_type);
  auto r = client.request("POST", target, headers, body);
  WebhookPost p;
  if (!r.ok()) {
    const std::string m = r.status().message();  // status() is a copy: keep the text, not a reference into it
    p.outcome =
        m.find("timed out") != std::string::npos || m.find("timeout") != std::string::npos ? "TimedOut" : "SocketError";
    p.body = m;
    return p;
  }
  p.status = r->status;
  p.outcome = outcome_of(r->status);
  p.body = std::move(r->body);
  for (const auto& [k, v] : r->headers) {
    if (iequals_ascii(k, "Retry-After")) p.retry_after = std::clamp<int64_t>(std::atoll(v.c_str()), 0, 86400);
  }
  return p;
}

}  // namespace coffer::server
