#include "crypto/random.hpp"

#include <openssl/rand.h>

#include <algorithm>
#include <climits>
#include <cstdio>
#include <cstdlib>

#include "common/base64.hpp"

namespace coffer::crypto {

namespace {

void fill_random(unsigned char* p, std::size_t n) {
  while (n > 0) {
    int chunk = n > static_cast<std::size_t>(INT_MAX) ? INT_MAX : static_cast<int>(n);
    if (RAND_bytes(p, chunk) != 1) {
      (void)std::fputs("coffer: fatal: the random number generator failed\n", stderr);
      std::abort();
    }
    p += chunk;
    n -= static_cast<std::size_t>(chunk);
  }
}

}  // namespace

SecureString random_bytes(std::size_t n) {
  SecureString out;
  out.resize(n);
  fill_random(reinterpret_cast<unsigned char*>(out.data()), n);
  return out;
}

std::string new_version_id() { return hex_encode(random_bytes(16).view()); }

// Identifiers are public: drawn from a per-thread pool of RNG output (one
// RAND_bytes call per 32 GUIDs; every request gets one), one allocation.
std::string new_guid() {
  thread_local unsigned char pool[512];
  thread_local std::size_t used = sizeof pool;
  unsigned char b[16];
  if (used + sizeof b > sizeof pool) {
    fill_random(pool, sizeof pool);
    used = 0;
  }
  std::copy(pool + used, pool + used + sizeof b, b);
  used += sizeof b;
  b[6] = static_cast<unsigned char>((b[6] & 0x0f) | 0x40);
  b[8] = static_cast<unsigned char>((b[8] & 0x3f) | 0x80);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(36, '-');
  std::size_t o = 0;
  for (std::size_t i = 0; i < sizeof b; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) ++o;  // the dashes
    out[o++] = kHex[b[i] >> 4];
    out[o++] = kHex[b[i] & 0x0f];
  }
  return out;
}

SecureString random_token(std::size_t n) {
  SecureString raw = random_bytes(n);
  std::string encoded = base64url_encode(raw.view());
  SecureString out{std::string_view(encoded)};
  secure_wipe(encoded.data(), encoded.size());
  return out;
}

}  // namespace coffer::crypto
