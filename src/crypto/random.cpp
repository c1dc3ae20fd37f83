#include "crypto/random.hpp"

#include <openssl/rand.h>

#include <climits>
#include <cstdio>
#include <cstdlib>

#include "common/base64.hpp"

namespace coffer::crypto {

SecureString random_bytes(std::size_t n) {
  SecureString out;
  out.resize(n);
  auto* p = reinterpret_cast<unsigned char*>(out.data());
  while (n > 0) {
    int chunk = n > static_cast<std::size_t>(INT_MAX) ? INT_MAX : static_cast<int>(n);
    if (RAND_bytes(p, chunk) != 1) {
      (void)std::fputs("coffer: fatal: the random number generator failed\n", stderr);
      std::abort();
    }
    p += chunk;
    n -= static_cast<std::size_t>(chunk);
  }
  return out;
}

std::string new_version_id() { return hex_encode(random_bytes(16).view()); }

std::string new_guid() {
  SecureString b = random_bytes(16);
  b.data()[6] = static_cast<char>((static_cast<unsigned char>(b.data()[6]) & 0x0f) | 0x40);
  b.data()[8] = static_cast<char>((static_cast<unsigned char>(b.data()[8]) & 0x3f) | 0x80);
  std::string hex = hex_encode(b.view());
  return hex.substr(0, 8) + '-' + hex.substr(8, 4) + '-' + hex.substr(12, 4) + '-' +
         hex.substr(16, 4) + '-' + hex.substr(20, 12);
}

SecureString random_token(std::size_t n) {
  SecureString raw = random_bytes(n);
  std::string encoded = base64url_encode(raw.view());
  SecureString out{std::string_view(encoded)};
  secure_wipe(encoded.data(), encoded.size());
  return out;
}

}  // namespace coffer::crypto
