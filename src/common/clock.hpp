// Clock: the only source of "now" for business rules (expiry, purge dates,
// token lifetimes). Production uses SystemClock; tests and `--test-clock`
// servers use ManualClock, which moves only when told to. Thread-safe.
#pragma once

#include <atomic>
#include <cstdint>

namespace coffer {

class Clock {
 public:
  virtual ~Clock() = default;
  // Seconds since the Unix epoch, UTC.
  virtual int64_t now() const = 0;
};

class SystemClock final : public Clock {
 public:
  int64_t now() const override;
};

// Starts at the real time (or `start`) and moves only by advance().
class ManualClock final : public Clock {
 public:
  ManualClock();
  explicit ManualClock(int64_t start) : now_(start) {}
  int64_t now() const override { return now_.load(); }
  void advance(int64_t seconds) { now_.fetch_add(seconds); }
  void set(int64_t t) { now_.store(t); }

 private:
  std::atomic<int64_t> now_;
};

}  // namespace coffer
