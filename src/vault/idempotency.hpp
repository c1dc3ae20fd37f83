// Idempotent version-making writes: a request the API identified (caller +
// x-ms-client-request-id + method + path, hashed: api/operation.hpp) records,
// in the same transaction as the version it made, "<version> <unix time>"
// under idem/<vault-id>/<key>. The same request again — an SDK retrying
// after the answer was lost, maybe on another replica — finds the record and
// answers with that version instead of making another. Records are kept
// kIdempotencySeconds; forget_idempotency() (a maintenance job) erases older
// ones. An empty key means "not identified": nothing is recorded.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "common/status.hpp"
#include "store/store.hpp"
#include "vault/types.hpp"

namespace coffer::vault {

inline constexpr int64_t kIdempotencySeconds = 86400;

// The version an earlier request with `key` made (nullopt: none, or no key).
Result<std::optional<std::string>> recorded_version(store::WriteTxn& txn, const VaultInfo& vault,
                                                    const std::string& key);
Status record_version(store::WriteTxn& txn, const VaultInfo& vault, const std::string& key, const std::string& version,
                      int64_t now);
// Erases the records made before `before` (all vaults).
Status forget_idempotency(store::Store& store, int64_t before);

}  // namespace coffer::vault
