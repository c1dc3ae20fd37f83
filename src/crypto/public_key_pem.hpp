// The public half of a JSON web key as a PEM "PUBLIC KEY" block
// (SubjectPublicKeyInfo), what the CSI provider mounts for objectType key:
// RSA (any size AKV serves, from n and e) and EC on P-256, P-384 and P-521
// (from crv, x and y). Private members are ignored. kBadParameter for other
// key types (oct, P-256K) and for members that do not form a valid key.
// Thread-safe.
#pragma once

#include <string>

#include "common/status.hpp"
#include "crypto/key_material.hpp"

namespace coffer::crypto {

Result<std::string> public_key_pem(const Jwk& jwk);

}  // namespace coffer::crypto
