#include "crypto/password_hash.hpp"

#include <argon2.h>

#include <cstring>

#include "crypto/random.hpp"

namespace coffer::crypto {
namespace {

// OWASP's Argon2id baseline: 19 MiB, 2 passes, 1 lane.
constexpr uint32_t kTimeCost = 2;
constexpr uint32_t kMemoryKiB = 19456;
constexpr uint32_t kLanes = 1;
constexpr uint32_t kSaltSize = 16;
constexpr uint32_t kHashSize = 32;

}  // namespace

Result<std::string> hash_password(std::string_view password) {
  SecureString salt = random_bytes(kSaltSize);
  std::string encoded(
      argon2_encodedlen(kTimeCost, kMemoryKiB, kLanes, kSaltSize, kHashSize, Argon2_id), '\0');
  int rc =
      argon2id_hash_encoded(kTimeCost, kMemoryKiB, kLanes, password.data(), password.size(),
                            salt.data(), salt.size(), kHashSize, encoded.data(), encoded.size());
  if (rc != ARGON2_OK) {
    return Status(Code::kInternal, std::string("argon2id failed: ") + argon2_error_message(rc));
  }
  encoded.resize(std::strlen(encoded.c_str()));
  return encoded;
}

bool verify_password(std::string_view password, const std::string& encoded) {
  if (encoded.empty() || encoded.find('\0') != std::string::npos) return false;
  return argon2id_verify(encoded.c_str(), password.data(), password.size()) == ARGON2_OK;
}

}  // namespace coffer::crypto
