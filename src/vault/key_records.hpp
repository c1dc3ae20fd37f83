// Encoding of the key records kept in the store (see store_keys.hpp), next to
// the shared ObjectHead per name (object_collection.hpp): KeyVersionRecord,
// one per version — metadata and public key in clear, the private key
// sealed (in a backup blob, sealed as a whole: in clear, KeyVersionInClear);
// RotationPolicy, one per key name.
#pragma once

#include <string>

#include "common/secure_memory.hpp"
#include "common/status.hpp"
#include "vault/key_types.hpp"
#include "vault/sealed.hpp"

namespace coffer::vault {

struct KeyVersionRecord {
  KeyProperties properties;  // name filled from the head by callers
  Sealed sealed_key;         // KeyMaterial::seal_bytes(), sealed by the Barrier
};

std::string encode_key_version(const KeyVersionRecord& v);
Result<KeyVersionRecord> decode_key_version(std::string_view data);

struct KeyVersionInClear {
  KeyProperties properties;
  SecureString private_key;  // KeyMaterial::seal_bytes()
};

SecureString encode_key_version_in_clear(const KeyVersionInClear& v);
Result<KeyVersionInClear> decode_key_version_in_clear(std::string_view data);
std::string encode_rotation_policy(const RotationPolicy& p);
Result<RotationPolicy> decode_rotation_policy(std::string_view data);

}  // namespace coffer::vault
