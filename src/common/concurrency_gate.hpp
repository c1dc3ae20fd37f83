// ConcurrencyGate: at most `slots` holders at once, at most `max_waiting`
// callers waiting for a slot, each for at most the time it names. It bounds
// the CPU and memory of an expensive step (password hashing: 19 MiB and tens
// of milliseconds each) and keeps a flood of such requests from occupying
// every worker thread: beyond the waiting room, enter() refuses at once.
// Thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <optional>
#include <utility>

namespace coffer {

class ConcurrencyGate {
 public:
  // `slots`, or one per core when it is 0: how password-hash gates are sized.
  static std::size_t slots_or_cores(unsigned slots);

  ConcurrencyGate(std::size_t slots, std::size_t max_waiting);
  ConcurrencyGate(const ConcurrencyGate&) = delete;
  ConcurrencyGate& operator=(const ConcurrencyGate&) = delete;

  // A held slot; released when destroyed.
  class Pass {
   public:
    Pass(Pass&& other) noexcept : gate_(std::exchange(other.gate_, nullptr)) {}
    Pass& operator=(Pass&& other) noexcept {
      if (this != &other) {
        release();
        gate_ = std::exchange(other.gate_, nullptr);
      }
      return *this;
    }
    ~Pass();

   private:
    friend class ConcurrencyGate;
    explicit Pass(ConcurrencyGate* gate) : gate_(gate) {}
    void release();
    ConcurrencyGate* gate_;
  };

  // A slot, waiting at most `wait` for one; nullopt when the waiting room is
  // full or the wait ran out.
  std::optional<Pass> enter(std::chrono::milliseconds wait);
  std::size_t slots() const { return slots_; }

 private:
  void leave();

  const std::size_t slots_;
  const std::size_t max_waiting_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::size_t held_ = 0;
  std::size_t waiting_ = 0;
};

}  // namespace coffer
