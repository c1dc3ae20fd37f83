// VaultRegistry: creates, finds, lists and deletes vaults. Each vault gets a
// GUID and its own key-encryption key (wrapped by the root key) at creation.
// Lookups by name are case-insensitive and served from memory while the
// vault marker ("meta/vault-marker", bumped by every create and delete in its
// transaction) stays where it was; it is checked whenever the store's
// generation() moved (on PostgreSQL it comes with the generation's own
// query), so a vault deleted or created by another replica is seen at the
// next request, and writes to secrets do not empty the cache. Thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "common/clock.hpp"
#include "common/status.hpp"
#include "common/thread_annotations.hpp"
#include "store/store.hpp"
#include "vault/barrier.hpp"
#include "vault/types.hpp"

namespace coffer::vault {

struct VaultSettings {
  int retention_days = 90;
  bool purge_protection = false;
};

class VaultRegistry {
 public:
  VaultRegistry(store::Store& store, crypto::Keyring& keyring, const Clock& clock);

  // Names: 3–24 of [0-9a-zA-Z-], starting with a letter, ending with a letter
  // or digit, no "--". kConflict if the name exists.
  Result<VaultInfo> create(const std::string& name, const VaultSettings& settings);
  // kVaultNotFound when absent.
  Result<VaultInfo> find(const std::string& name);
  Result<std::vector<VaultInfo>> list();
  // Removes the vault record; the caller (ObjectPurger) has removed its objects.
  Status remove(const std::string& name);

  static bool valid_name(const std::string& name);

 private:
  store::Store& store_;
  Barrier barrier_;
  const Clock& clock_;
  Mutex mu_;
  std::map<std::string, VaultInfo> cache_ COFFER_GUARDED_BY(mu_);  // by lower-case name, valid at cache_marker_
  int64_t cache_marker_ COFFER_GUARDED_BY(mu_) = -1;               // -1: not checked yet
  std::uint64_t checked_at_ COFFER_GUARDED_BY(mu_) = 0;            // store generation when the marker was last checked
};

}  // namespace coffer::vault
