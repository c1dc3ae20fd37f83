// Encoding of the secret records kept in the store (see store_keys.hpp).
// SecretHead: one per secret name — display name, latest version and, while
// soft-deleted, the deletion dates. SecretVersionRecord: one per version —
// metadata in clear, the value sealed.
#pragma once

#include <optional>
#include <string>

#include "common/status.hpp"
#include "vault/types.hpp"

namespace coffer::vault {

struct SecretHead {
  std::string name;
  std::string latest_version;
  std::optional<DeletionInfo> deletion;  // set while soft-deleted
  bool managed = false;
};

struct SecretVersionRecord {
  SecretProperties properties;  // name filled from the head by callers
  std::string sealed_value;
};

std::string encode_head(const SecretHead& h);
Result<SecretHead> decode_head(std::string_view data);
std::string encode_version(const SecretVersionRecord& v);
Result<SecretVersionRecord> decode_version(std::string_view data);

}  // namespace coffer::vault
