// copy_store(): moves a deployment from one backend to another (SQLite →
// PostgreSQL): every entry, key and value byte for byte — sealed records stay
// ciphertext, the root key does not change — in batches of `batch` entries,
// into a target that must be empty (kConflict otherwise, nothing written).
// Then both sides are read again and compared: the number of entries and a
// SHA-256 over every key and value in key order must match (kInternal when
// not). Revisions are the target's own (callers only compare revisions they
// read from the same store). The source must not change meanwhile (the
// caller holds its server's data-directory lock).
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "common/status.hpp"
#include "store/store.hpp"

namespace coffer::server {

struct CopyReport {
  std::uint64_t entries = 0;
  std::string checksum;  // hex SHA-256 chained over (key length, key, value length, value) in key order
};

Result<CopyReport> copy_store(store::Store& from, store::Store& to, std::size_t batch = 500,
                              const std::function<void(std::uint64_t copied)>& progress = nullptr);
// The report of a store as copy_store() computes it.
Result<CopyReport> summarize_store(store::Store& store);

}  // namespace coffer::server
