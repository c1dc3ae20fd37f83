// The freshness floor of the work running on this thread: the moment the
// current request began. Reads that must reflect every change committed
// before the request — by this server or another sharing its store — may be
// answered from anything observed after that moment (a store's snapshot
// token, store.hpp generation()), so all the reads of one request share one
// observation. Outside a FreshnessScope (background jobs, start-up) the floor
// is "now", i.e. each call observes afresh.
#pragma once

#include <chrono>

namespace coffer {

class FreshnessScope {
 public:
  FreshnessScope();
  ~FreshnessScope();
  FreshnessScope(const FreshnessScope&) = delete;
  FreshnessScope& operator=(const FreshnessScope&) = delete;

 private:
  std::chrono::steady_clock::time_point saved_;
};

std::chrono::steady_clock::time_point freshness_floor();

}  // namespace coffer
