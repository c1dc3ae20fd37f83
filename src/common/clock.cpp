#include "common/clock.hpp"

#include <chrono>

namespace coffer {

int64_t SystemClock::now() const {
  using namespace std::chrono;
  return duration_cast<seconds>(system_clock::now().time_since_epoch()).count();
}

ManualClock::ManualClock() : now_(SystemClock().now()) {}

}  // namespace coffer
