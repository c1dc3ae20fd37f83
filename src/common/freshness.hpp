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
  // Floor = now, unless an enclosing scope already set one (kept).
  FreshnessScope();
  // Floor = `floor`: the caller knows the request arrived before it.
  explicit FreshnessScope(std::chrono::steady_clock::time_point floor);
  ~FreshnessScope();
  FreshnessScope(const FreshnessScope&) = delete;
  FreshnessScope& operator=(const FreshnessScope&) = delete;

 private:
  std::chrono::steady_clock::time_point saved_;
};

std::chrono::steady_clock::time_point freshness_floor();

// NoWaitScope: while one lives, the thread must not wait on the network
// (an I/O thread of the server). A store that would have to (a read or write
// on PostgreSQL, an observation older than the floor) refuses instead and
// notes it; refused() then tells the caller to run the work elsewhere.
class NoWaitScope {
 public:
  NoWaitScope();
  ~NoWaitScope();
  NoWaitScope(const NoWaitScope&) = delete;
  NoWaitScope& operator=(const NoWaitScope&) = delete;
  bool refused() const;
};

bool waiting_forbidden();
// Called by a store that refused to wait; a no-op outside a NoWaitScope.
void note_refused_wait();

}  // namespace coffer
