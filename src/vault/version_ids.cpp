#include "vault/version_ids.hpp"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>

#include "crypto/random.hpp"

namespace coffer::vault {
namespace {

std::atomic<uint64_t> last_key{0};

uint64_t next_ordering_key() {
  using namespace std::chrono;
  const auto ms = static_cast<uint64_t>(duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count());
  const uint64_t from_clock = ms << 16;
  uint64_t prev = last_key.load(std::memory_order_relaxed);
  uint64_t next;
  do {
    next = from_clock > prev ? from_clock : prev + 1;
  } while (!last_key.compare_exchange_weak(prev, next, std::memory_order_relaxed));
  return next;
}

}  // namespace

std::string new_object_version_id() {
  char prefix[17];
  std::snprintf(prefix, sizeof prefix, "%016llx", static_cast<unsigned long long>(next_ordering_key()));
  return std::string(prefix, 16) + crypto::new_version_id().substr(0, 16);
}

}  // namespace coffer::vault
