// Cryptographically secure randomness (OpenSSL RAND_bytes) and the random
// identifiers built from it. Thread-safe. Aborts the process if the RNG fails,
// since nothing safe can continue without it.
#pragma once

#include <cstddef>
#include <string>

#include "common/secure_memory.hpp"

namespace coffer::crypto {

SecureString random_bytes(std::size_t n);
// 32 lowercase hex characters: the version id of a secret/key/certificate.
std::string new_version_id();
// A random (v4) GUID, lowercase, dashed: tenant ids, client ids, object ids.
std::string new_guid();
// n random bytes, base64url-encoded: generated client secrets.
SecureString random_token(std::size_t n);

}  // namespace coffer::crypto
