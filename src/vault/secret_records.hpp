// Encoding of a secret version's record in the store (see store_keys.hpp):
// metadata in clear, the value sealed. The head per name is the shared
// ObjectHead (object_collection.hpp). Inside a backup blob (sealed as a whole)
// a version has the same encoding with the value in clear.
#pragma once

#include <optional>
#include <string>

#include "common/secure_memory.hpp"
#include "common/status.hpp"
#include "vault/sealed.hpp"
#include "vault/types.hpp"

namespace coffer::vault {

struct SecretVersionRecord {
  SecretProperties properties;  // name filled from the head by callers
  Sealed sealed_value;
};

std::string encode_version(const SecretVersionRecord& v);
Result<SecretVersionRecord> decode_version(std::string_view data);

// A version inside a backup blob.
struct SecretVersionInClear {
  SecretProperties properties;
  SecureString value;
};

SecureString encode_version_in_clear(const SecretVersionInClear& v);
Result<SecretVersionInClear> decode_version_in_clear(std::string_view data);

}  // namespace coffer::vault
