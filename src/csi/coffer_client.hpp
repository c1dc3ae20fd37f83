// CofferClient: the provider's HTTPS client for Coffer's API, safe to use
// from many Mount calls at once. Connections are pooled per (origin, CA);
// each exchange takes an idle connection or opens one. At most 8 idle
// connections per endpoint and 64 in all are kept, none idle for longer than
// 60 s (the server closes idle ones after 120 s), so many vaults or CA
// bundles cannot pile up open sockets. Connection failures,
// 429 and 5xx answers are retried with exponential backoff and full jitter
// (honouring Retry-After), at most `max_attempts` times and never starting a
// retry past the policy's time budget, so one Mount stays inside kubelet's
// ~2 minute budget. Response bodies may hold secrets:
// callers wipe them (secure_wipe) when done.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "common/status.hpp"
#include "http/message.hpp"

namespace coffer::http {
class HttpsClient;
}

namespace coffer::csi {

struct RetryPolicy {
  int max_attempts = 4;
  std::chrono::milliseconds base_delay{200};
  std::chrono::milliseconds max_delay{5000};
  // No retry starts once this much time has gone (an unreachable host can
  // cost a 30 s connect timeout per attempt; kubelet gives a Mount ~2 min).
  std::chrono::milliseconds budget{45000};
};

// Where a request goes: an https origin and the CA that vouches for it.
struct Endpoint {
  std::string origin;   // "https://host[:port]"
  std::string ca_pem;   // PEM text (an SPC's caBundle); empty = ca_file
  std::string ca_file;  // empty = the system store
};

class CofferClient {
 public:
  explicit CofferClient(RetryPolicy policy = {});
  ~CofferClient();
  CofferClient(const CofferClient&) = delete;
  CofferClient& operator=(const CofferClient&) = delete;

  // Idle pooled connections right now (for tests and metrics).
  std::size_t idle_connections() const;

  // The final answer (any status, after retries), or kUnavailable with
  // reason VaultUnavailable when no answer came.
  Result<http::Response> send(const Endpoint& endpoint, const std::string& method, const std::string& target,
                              const std::vector<std::pair<std::string, std::string>>& headers, const std::string& body);

 private:
  struct Idle {
    std::unique_ptr<http::HttpsClient> client;
    std::chrono::steady_clock::time_point since;
  };
  using Pool = std::vector<Idle>;
  void evict_stale_locked(std::chrono::steady_clock::time_point now);
  std::unique_ptr<http::HttpsClient> acquire(const Endpoint& endpoint, const std::string& key);
  void release(const std::string& key, std::unique_ptr<http::HttpsClient> client);

  RetryPolicy policy_;
  mutable std::mutex mu_;
  std::map<std::string, Pool> idle_;
  std::size_t idle_count_ = 0;
};

}  // namespace coffer::csi
