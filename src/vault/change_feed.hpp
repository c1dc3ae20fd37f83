// The change feed (issue 16): which objects of a vault changed, and whether
// who may access it did, in commit order, for clients that poll cheaply
// instead of reading every object (the CSI provider, sidecars).
// - record_change() appends ("secret"|"key"|"certificate", name) to the
//   vault's log in the caller's transaction; every write of an object's head
//   or versions does it (ObjectCollection), so a new version, an update, a
//   deletion, a recovery and a purge all appear. record_access_change()
//   appends ("access", "") for a vault whose role assignments, access
//   policies or permission model changed; record_global_access_change()
//   counts a change above every vault (root or resource-group assignments,
//   role definitions, groups).
// - Sequence numbers come from one counter per vault, incremented in the
//   same transaction (WriteTxn::increment), so they are assigned in commit
//   order on every backend (concurrent writers of one vault serialize on the
//   counter): a reader that has seen N has seen every change numbered up to N.
// - read(cursor) answers the changes after the cursor (each (type, name)
//   once, at its last position), the cursor to continue from, and `reset`
//   when the cursor cannot be continued (none given, trimmed away, or not
//   this store's): the client then reads everything once and goes on from
//   the new cursor. Cursors are opaque text "<vault seq>.<global access seq>".
// - trim() keeps the newest kRetainedChanges entries per vault.
// Thread-safe (stateless besides the store).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.hpp"
#include "store/store.hpp"
#include "vault/types.hpp"

namespace coffer::vault {

inline constexpr int64_t kRetainedChanges = 10000;
inline constexpr std::size_t kMaxChangesPerRead = 1000;

struct Change {
  std::string type;  // "secret", "key", "certificate" or "access"
  std::string name;  // lower case (names are case-insensitive); empty for "access"
};

struct ChangePage {
  std::vector<Change> changes;
  std::string cursor;
  bool reset = false;
  bool more = false;  // more changes wait after `cursor`: read again at once
};

Status record_change(store::WriteTxn& txn, const std::string& vault_id, std::string_view type, std::string_view name);
Status record_access_change(store::WriteTxn& txn, const std::string& vault_id);
Status record_global_access_change(store::WriteTxn& txn);
// Removes a vault's log and counters (the vault is removed for good).
Status erase_change_log(store::WriteTxn& txn, const std::string& vault_id);

class ChangeFeed {
 public:
  explicit ChangeFeed(store::Store& store) : store_(store) {}
  // kBadParameter for a cursor that is not one.
  Result<ChangePage> read(const VaultInfo& vault, std::string_view cursor, std::size_t max = kMaxChangesPerRead);
  // Removes all but the newest kRetainedChanges entries of each vault's log.
  // Returns how many it removed.
  Result<std::size_t> trim();

 private:
  store::Store& store_;
};

}  // namespace coffer::vault
