// Encoding of the key records kept in the store (see store_keys.hpp), next to
// the shared ObjectHead per name (object_collection.hpp): KeyVersionRecord,
// one per version — metadata and public key in clear, the private key
// sealed; RotationPolicy, one per key name.
#pragma once

#include <string>

#include "common/status.hpp"
#include "vault/key_types.hpp"

namespace coffer::vault {

struct KeyVersionRecord {
  KeyProperties properties;  // name filled from the head by callers
  std::string sealed_key;    // Keyring-sealed KeyMaterial::seal_bytes()
};

std::string encode_key_version(const KeyVersionRecord& v);
Result<KeyVersionRecord> decode_key_version(std::string_view data);
std::string encode_rotation_policy(const RotationPolicy& p);
Result<RotationPolicy> decode_rotation_policy(std::string_view data);

}  // namespace coffer::vault
