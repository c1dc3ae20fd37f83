#include "auth/sign_in_throttle.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

namespace coffer::auth {

using Steady = std::chrono::steady_clock;

SignInThrottle::SignInThrottle(SignInThrottleOptions options, Now now)
    : max_keys_(std::max<std::size_t>(1, options.max_keys)),
      now_(now ? std::move(now) : Now([] { return Steady::now(); })),
      addresses_{std::max(1u, options.address_burst), options.address_refill, {}},
      clients_{std::max(1u, options.client_burst), options.client_refill, {}} {}

double SignInThrottle::left(const Kind& kind, const Bucket& b, Steady::time_point now) const {
  const double refilled = std::chrono::duration<double>(now - b.at) / kind.refill;
  return std::min<double>(kind.burst, b.failures_left + std::max(0.0, refilled));
}

int64_t SignInThrottle::wait_for(Kind& kind, std::string_view key, Steady::time_point now) const {
  auto it = kind.buckets.find(std::string(key));
  if (it == kind.buckets.end()) return 0;
  const double have = left(kind, it->second, now);
  if (have >= 1.0) return 0;
  const double seconds = (1.0 - have) * std::chrono::duration<double>(kind.refill).count();
  return std::max<int64_t>(1, static_cast<int64_t>(std::ceil(seconds)));
}

void SignInThrottle::make_room(Kind& kind, Steady::time_point now) {
  if (kind.buckets.size() < max_keys_) return;
  std::erase_if(kind.buckets, [&](const auto& kv) { return left(kind, kv.second, now) >= kind.burst; });
  if (kind.buckets.size() < max_keys_) return;
  // Still full: drop the tenth with the most failures left (the least throttled).
  std::vector<std::pair<double, std::string>> by_left;
  by_left.reserve(kind.buckets.size());
  for (const auto& [k, b] : kind.buckets) by_left.emplace_back(left(kind, b, now), k);
  const std::size_t drop = std::max<std::size_t>(1, by_left.size() / 10);
  std::partial_sort(by_left.begin(), by_left.begin() + static_cast<std::ptrdiff_t>(drop), by_left.end(),
                    [](const auto& a, const auto& b) { return a.first > b.first; });
  for (std::size_t i = 0; i < drop; ++i) kind.buckets.erase(by_left[i].second);
}

void SignInThrottle::adjust(Kind& kind, std::string_view key, double delta, Steady::time_point now) {
  auto it = kind.buckets.find(std::string(key));
  if (it == kind.buckets.end()) {
    if (delta >= 0) return;  // a full bucket stays full
    make_room(kind, now);
    it = kind.buckets.emplace(std::string(key), Bucket{static_cast<double>(kind.burst), now}).first;
  }
  it->second.failures_left = std::clamp(left(kind, it->second, now) + delta, 0.0, static_cast<double>(kind.burst));
  it->second.at = now;
}

int64_t SignInThrottle::begin(std::string_view address, std::string_view client_id) {
  const auto now = now_();
  MutexLock lock(mu_);
  const int64_t wait =
      std::max(wait_for(addresses_, address, now), client_id.empty() ? 0 : wait_for(clients_, client_id, now));
  if (wait > 0) return wait;
  adjust(addresses_, address, -1.0, now);
  if (!client_id.empty()) adjust(clients_, client_id, -1.0, now);
  return 0;
}

void SignInThrottle::succeeded(std::string_view address, std::string_view client_id) {
  const auto now = now_();
  MutexLock lock(mu_);
  adjust(addresses_, address, 1.0, now);
  if (!client_id.empty()) adjust(clients_, client_id, 1.0, now);
}

}  // namespace coffer::auth
