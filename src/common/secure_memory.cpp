#include "common/secure_memory.hpp"

#include <string.h>

namespace coffer {

void secure_wipe(void* p, std::size_t n) {
  if (p != nullptr && n > 0) explicit_bzero(p, n);
}

bool constant_time_equal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    diff = static_cast<unsigned char>(diff | (static_cast<unsigned char>(a[i]) ^ static_cast<unsigned char>(b[i])));
  }
  // Keep the loop from being turned into an early-exit comparison.
  volatile unsigned char sink = diff;
  return sink == 0;
}

}  // namespace coffer
