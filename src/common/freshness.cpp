#include "common/freshness.hpp"

namespace coffer {
namespace {

thread_local std::chrono::steady_clock::time_point t_floor{};  // epoch = no scope

}  // namespace

FreshnessScope::FreshnessScope() : saved_(t_floor) { t_floor = std::chrono::steady_clock::now(); }
FreshnessScope::~FreshnessScope() { t_floor = saved_; }

std::chrono::steady_clock::time_point freshness_floor() {
  return t_floor == std::chrono::steady_clock::time_point{} ? std::chrono::steady_clock::now() : t_floor;
}

}  // namespace coffer
