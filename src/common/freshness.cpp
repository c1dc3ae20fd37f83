#include "common/freshness.hpp"

namespace coffer {
namespace {

thread_local std::chrono::steady_clock::time_point t_floor{};  // epoch = no scope
thread_local int t_no_wait = 0;                                // NoWaitScopes alive
thread_local bool t_refused = false;

}  // namespace

FreshnessScope::FreshnessScope() : saved_(t_floor) {
  if (t_floor == std::chrono::steady_clock::time_point{}) t_floor = std::chrono::steady_clock::now();
}
FreshnessScope::FreshnessScope(std::chrono::steady_clock::time_point floor) : saved_(t_floor) { t_floor = floor; }
FreshnessScope::~FreshnessScope() { t_floor = saved_; }

std::chrono::steady_clock::time_point freshness_floor() {
  return t_floor == std::chrono::steady_clock::time_point{} ? std::chrono::steady_clock::now() : t_floor;
}

NoWaitScope::NoWaitScope() {
  ++t_no_wait;
  t_refused = false;
}
NoWaitScope::~NoWaitScope() { --t_no_wait; }
bool NoWaitScope::refused() const { return t_refused; }

bool waiting_forbidden() { return t_no_wait > 0; }
void note_refused_wait() {
  if (t_no_wait > 0) t_refused = true;
}

}  // namespace coffer
