// SignInThrottle: how many failed sign-ins the token endpoint accepts from
// one source address and for one client id before it answers 429 with a
// Retry-After, without checking the credential (so a guessing flood costs
// no password hash). Each key has a bucket of `burst` failures that refills
// one failure every `refill`. A sign-in takes one failure from both buckets
// before its credential is checked (so a thousand concurrent attempts cannot
// all pass the check while the bucket still looks full) and gives it back
// when it succeeds: only failures drain a bucket. A client whose secret was verified recently is let through by
// ServicePrincipalRegistry before the throttle is asked, so a flood against
// its client id cannot lock it out once it has signed in.
// Memory is bounded: at most `max_keys` keys per kind; when full, keys whose
// bucket has refilled are dropped first, then the fullest ones.
// Thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include "common/thread_annotations.hpp"

namespace coffer::auth {

struct SignInThrottleOptions {
  unsigned address_burst = 20;
  std::chrono::milliseconds address_refill{3000};  // 20 failures per minute once the burst is spent
  unsigned client_burst = 10;
  std::chrono::milliseconds client_refill{6000};  // 10 per minute
  std::size_t max_keys = 10000;
};

class SignInThrottle {
 public:
  using Now = std::function<std::chrono::steady_clock::time_point()>;
  explicit SignInThrottle(SignInThrottleOptions options = {}, Now now = nullptr);

  // 0 when a sign-in from `address` for `client_id` may be checked — one
  // failure is then taken from both buckets in advance —, otherwise the
  // whole seconds until it may (for Retry-After), and nothing is taken.
  int64_t begin(std::string_view address, std::string_view client_id);
  // The sign-in begun with the same keys succeeded: its failure goes back.
  void succeeded(std::string_view address, std::string_view client_id);

 private:
  struct Bucket {
    double failures_left;
    std::chrono::steady_clock::time_point at;
  };
  struct Kind {
    unsigned burst;
    std::chrono::milliseconds refill;
    std::unordered_map<std::string, Bucket> buckets;
  };
  double left(const Kind& kind, const Bucket& b, std::chrono::steady_clock::time_point now) const;
  int64_t wait_for(Kind& kind, std::string_view key, std::chrono::steady_clock::time_point now) const;
  // Adds `delta` failures left (negative: takes), within [0, burst].
  void adjust(Kind& kind, std::string_view key, double delta, std::chrono::steady_clock::time_point now);
  void make_room(Kind& kind, std::chrono::steady_clock::time_point now);

  const std::size_t max_keys_;
  const Now now_;
  Mutex mu_;
  Kind addresses_ COFFER_GUARDED_BY(mu_);
  Kind clients_ COFFER_GUARDED_BY(mu_);
};

}  // namespace coffer::auth
