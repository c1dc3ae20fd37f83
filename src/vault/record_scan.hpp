// Scanning helpers shared by the object services (secrets, keys): erasing a
// prefix (walking it with store::for_each_entry), paging the heads of
// live or soft-deleted objects, and the shape of a version id. A Head type
// has `name` (stored spelling) and `deletion` (set while soft-deleted); the
// paging cursor is the lower-case name of the last head returned.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.hpp"
#include "store/store.hpp"
#include "vault/store_keys.hpp"
#include "vault/types.hpp"

namespace coffer::vault {

constexpr std::size_t kScanChunk = 200;

// 32 hex characters.
bool valid_version_id(const std::string& version);

using store::for_each_entry;

// Erases every entry under `prefix`.
Status erase_prefix(store::WriteTxn& txn, const std::string& prefix);

// A purge-queue entry (purgeq/<time>/<collection>/<vault-id>/<name-lc>)
// whose time has come.
struct DuePurge {
  std::string entry;  // the queue key itself
  std::string vault_id;
  std::string name;  // lower case
};

// Every queue entry of `collection` ("secret", "key") due at or before `now`.
Result<std::vector<DuePurge>> due_purges(store::Store& store, int64_t now, std::string_view collection);

// Up to page.max heads under `prefix` whose deletion state matches
// `want_deleted`, after the cursor; `next` is set when more follow.
template <typename Head, typename Decode>
Result<Page<Head>> page_heads(store::ReadTxn& txn, const std::string& prefix, const PageRequest& page,
                              bool want_deleted, Decode decode) {
  Page<Head> out;
  std::string after = page.after.empty() ? std::string() : prefix + page.after;
  bool more = false;
  while (!more) {
    COFFER_ASSIGN_OR_RETURN(auto entries, txn.scan(prefix, after, kScanChunk));
    for (const auto& e : entries) {
      COFFER_ASSIGN_OR_RETURN(Head head, decode(e.value));
      if (head.deletion.has_value() != want_deleted) continue;
      if (out.items.size() == page.max) {
        more = true;
        break;
      }
      out.items.push_back(std::move(head));
    }
    if (entries.size() < kScanChunk) break;
    after = entries.back().key;
  }
  if (more) out.next = lower_ascii(out.items.back().name);
  return out;
}

}  // namespace coffer::vault
