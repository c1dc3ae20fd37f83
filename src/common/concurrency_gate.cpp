#include "common/concurrency_gate.hpp"

#include <algorithm>
#include <thread>

namespace coffer {

std::size_t ConcurrencyGate::slots_or_cores(unsigned slots) {
  return slots ? slots : std::max(1u, std::thread::hardware_concurrency());
}

ConcurrencyGate::ConcurrencyGate(std::size_t slots, std::size_t max_waiting)
    : slots_(std::max<std::size_t>(1, slots)), max_waiting_(max_waiting) {}

ConcurrencyGate::Pass::~Pass() { release(); }

void ConcurrencyGate::Pass::release() {
  if (gate_) std::exchange(gate_, nullptr)->leave();
}

std::optional<ConcurrencyGate::Pass> ConcurrencyGate::enter(std::chrono::milliseconds wait) {
  std::unique_lock lock(mu_);
  if (held_ < slots_) {
    ++held_;
    return Pass(this);
  }
  if (waiting_ >= max_waiting_) return std::nullopt;
  ++waiting_;
  const bool got = cv_.wait_for(lock, wait, [&] { return held_ < slots_; });
  --waiting_;
  if (!got) return std::nullopt;
  ++held_;
  return Pass(this);
}

void ConcurrencyGate::leave() {
  {
    std::lock_guard lock(mu_);
    --held_;
  }
  cv_.notify_one();
}

}  // namespace coffer
