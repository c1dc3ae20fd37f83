// Encoding of a secret version's record in the store (see store_keys.hpp):
// metadata in clear, the value sealed. The head per name is the shared
// ObjectHead (object_collection.hpp).
#pragma once

#include <optional>
#include <string>

#include "common/status.hpp"
#include "vault/types.hpp"

namespace coffer::vault {


struct SecretVersionRecord {
  SecretProperties properties;  // name filled from the head by callers
  std::string sealed_value;
};

std::string encode_version(const SecretVersionRecord& v);
Result<SecretVersionRecord> decode_version(std::string_view data);

}  // namespace coffer::vault
