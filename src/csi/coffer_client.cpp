#include "csi/coffer_client.hpp"

#include <algorithm>
#include <optional>
#include <random>
#include <thread>

#include "common/ascii.hpp"
#include "common/secure_memory.hpp"
#include "csi/mount_errors.hpp"
#include "http/client.hpp"

namespace coffer::csi {
namespace {

constexpr std::size_t kMaxIdlePerEndpoint = 8;
constexpr std::size_t kMaxIdle = 64;
constexpr std::chrono::seconds kMaxIdleTime{60};
constexpr std::chrono::seconds kMaxRetryAfter{10};

bool retryable(int status) { return status == 429 || status == 500 || status == 502 || status == 503 || status == 504; }

std::chrono::milliseconds retry_after(const http::Response& r) {
  for (const auto& [name, value] : r.headers) {
    if (iequals_ascii(name, "retry-after")) {
      try {
        const long seconds = std::stol(value);
        if (seconds > 0) return std::min<std::chrono::milliseconds>(std::chrono::seconds(seconds), kMaxRetryAfter);
      } catch (const std::exception&) {
      }
    }
  }
  return std::chrono::milliseconds(0);
}

std::chrono::milliseconds jittered(const RetryPolicy& p, int attempt) {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  const auto cap = std::min<int64_t>(p.max_delay.count(), p.base_delay.count() << std::min(attempt, 20));
  std::uniform_int_distribution<int64_t> pick(0, std::max<int64_t>(cap, 0));
  return std::chrono::milliseconds(pick(rng));
}

}  // namespace

CofferClient::CofferClient(RetryPolicy policy) : policy_(policy) {}
CofferClient::~CofferClient() = default;

std::size_t CofferClient::idle_connections() const {
  std::lock_guard<std::mutex> lock(mu_);
  return idle_count_;
}

void CofferClient::evict_stale_locked(std::chrono::steady_clock::time_point now) {
  for (auto it = idle_.begin(); it != idle_.end();) {
    auto& pool = it->second;
    const auto before = pool.size();
    std::erase_if(pool, [&](const Idle& i) { return now - i.since > kMaxIdleTime; });
    idle_count_ -= before - pool.size();
    it = pool.empty() ? idle_.erase(it) : std::next(it);
  }
}

std::unique_ptr<http::HttpsClient> CofferClient::acquire(const Endpoint& endpoint, const std::string& key) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    evict_stale_locked(std::chrono::steady_clock::now());
    auto it = idle_.find(key);
    if (it != idle_.end() && !it->second.empty()) {
      auto client = std::move(it->second.back().client);  // the most recently used: likeliest still open
      it->second.pop_back();
      --idle_count_;
      return client;
    }
  }
  return std::make_unique<http::HttpsClient>(endpoint.origin, endpoint.ca_file, endpoint.ca_pem);
}

void CofferClient::release(const std::string& key, std::unique_ptr<http::HttpsClient> client) {
  std::lock_guard<std::mutex> lock(mu_);
  const auto now = std::chrono::steady_clock::now();
  evict_stale_locked(now);
  auto& pool = idle_[key];
  if (pool.size() >= kMaxIdlePerEndpoint || idle_count_ >= kMaxIdle) {
    if (pool.empty()) idle_.erase(key);
    return;  // closed with `client`
  }
  pool.push_back({std::move(client), now});
  ++idle_count_;
}

Result<http::Response> CofferClient::send(const Endpoint& endpoint, const std::string& method,
                                          const std::string& target,
                                          const std::vector<std::pair<std::string, std::string>>& headers,
                                          const std::string& body) {
  const std::string key = endpoint.origin + '\n' + endpoint.ca_file + '\n' + endpoint.ca_pem;
  Status last;
  std::optional<http::Response> last_answer;  // a 429/5xx, returned when retries stop early
  const auto started = std::chrono::steady_clock::now();
  std::chrono::milliseconds wait{0};  // before the next attempt
  for (int attempt = 0; attempt < policy_.max_attempts; ++attempt) {
    if (attempt > 0) {
      wait = std::max(wait, jittered(policy_, attempt - 1));
      if (std::chrono::steady_clock::now() - started + wait > policy_.budget) {
        if (last_answer) return std::move(*last_answer);
        break;
      }
      std::this_thread::sleep_for(wait);
      wait = std::chrono::milliseconds(0);
    }
    auto client = acquire(endpoint, key);
    auto response = client->request(method, target, headers, body);
    if (!response.ok()) {
      last = response.status();
      if (last.code() != Code::kUnavailable) {
        return errors::fail(errors::kVaultUnavailable, "Cannot reach " + endpoint.origin + ": " + last.message(),
                            Code::kUnavailable);
      }
      last_answer.reset();
      continue;  // the connection is dropped with `client`
    }
    release(key, std::move(client));
    if (!retryable(response->status) || attempt + 1 == policy_.max_attempts) return response;
    wait = retry_after(*response);
    last = Status(Code::kUnavailable, "HTTP " + std::to_string(response->status));
    last_answer = std::move(*response);  // an error body: no secret in it
  }
  return errors::fail(
      errors::kVaultUnavailable,
      "Cannot reach " + endpoint.origin + " (retried for " +
          std::to_string(
              std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - started).count()) +
          " s): " + last.message(),
      Code::kUnavailable);
}

}  // namespace coffer::csi
