// Event Grid's retry schedule for webhooks (EVENTS-SPEC.md §2), shared by
// event delivery and external secret rotators: the wait after the n-th
// failed attempt (n counted from 0) is 10 s, 30 s, 1 min, 5 min, 10 min,
// 30 min, 1 h, 3 h, 6 h, then 12 h each time.
#pragma once

#include <array>
#include <cstdint>

namespace coffer::vault {

inline int64_t webhook_retry_delay(int attempts_so_far) {
  constexpr std::array<int64_t, 9> kSchedule = {10, 30, 60, 300, 600, 1800, 3600, 10800, 21600};
  return attempts_so_far >= 0 && attempts_so_far < static_cast<int>(kSchedule.size())
             ? kSchedule[static_cast<std::size_t>(attempts_so_far)]
             : 43200;
}

}  // namespace coffer::vault
