// VaultRegistry: creates, finds, lists, updates and deletes vaults. Each
// vault gets a GUID and its own key-encryption key (wrapped by the root key)
// at creation. A vault deleted through ARM is soft-deleted first: it keeps
// its record and objects, serves nothing (find() does not see it), keeps
// its name reserved, and can be recovered until it is purged (remove()).
// Lookups by name are case-insensitive and served from memory while the
// vault marker ("meta/vault-marker", bumped by every create and delete in its
// transaction) stays where it was; it is checked whenever the store's
// generation() moved (on PostgreSQL it comes with the generation's own
// query), so a vault deleted or created by another replica is seen at the
// next request, and writes to secrets do not empty the cache. Thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "common/clock.hpp"
#include "common/status.hpp"
#include "common/thread_annotations.hpp"
#include "store/store.hpp"
#include "vault/barrier.hpp"
#include "vault/resource_groups.hpp"
#include "vault/types.hpp"

namespace coffer::vault {

// What a vault is created with; the defaults are a vault of Coffer's admin API.
struct VaultSettings {
  int retention_days = 90;
  bool purge_protection = false;
  std::string resource_group = kBuiltInGroup;  // must exist (the caller checks)
  std::string location = kBuiltInLocation;     // normalised as ARM does
  Tags tags;
  std::string sku = "standard";
  bool rbac_authorization = true;
};

class VaultRegistry {
 public:
  VaultRegistry(store::Store& store, crypto::Keyring& keyring, const Clock& clock);

  // Names: 3–24 of [0-9a-zA-Z-], starting with a letter, ending with a letter
  // or digit, no "--". kConflict if the name exists, reason
  // "VaultAlreadyExists", or "VaultInDeletedState" when a soft-deleted vault
  // holds it. kBadParameter for invalid settings (message says which).
  Result<VaultInfo> create(const std::string& name, const VaultSettings& settings);
  // A live vault; kVaultNotFound when absent or soft-deleted.
  Result<VaultInfo> find(const std::string& name);
  // Live vaults, by name.
  Result<std::vector<VaultInfo>> list();
  // Inside another transaction of the store: the live vault named `name`,
  // or — with `name` empty — the live vault whose id is `id`; nullopt when none.
  static Result<std::optional<VaultInfo>> live_in(store::ReadTxn& txn, const std::string& name,
                                                  const std::string& id = {});

  // Changes a live vault in one transaction: `change` edits the stored
  // record, which is then checked (retention 7–90, sku, tags, resource group
  // and location unchanged, purge protection never switched off once on;
  // kBadParameter) and written. kVaultNotFound when absent.
  Result<VaultInfo> update(const std::string& name, const std::function<Status(VaultInfo&)>& change);

  // Soft-deletes a live vault (kVaultNotFound when absent).
  Result<VaultInfo> soft_delete(const std::string& name);
  // A soft-deleted vault; kNotFound, reason "DeletedVaultNotFound", otherwise.
  Result<VaultInfo> find_deleted(const std::string& name);
  // Root-key rotation: wraps every vault's KEK (live and soft-deleted) under
  // the keyring's active root key generation, one compare-and-set write per
  // vault that needs it; nothing sealed under the KEKs changes. Returns how
  // many were rewrapped. Safe to run again (a vault made meanwhile on a
  // server that had not seen the rotation is caught by the next run).
  Result<std::size_t> rewrap_keks();
  Result<std::vector<VaultInfo>> list_deleted();
  // Makes a soft-deleted vault live again, objects and all.
  Result<VaultInfo> recover(const std::string& name);

  // Removes the vault record, live or soft-deleted; the caller
  // (vault_removal.hpp) has removed its objects.
  Status remove(const std::string& name);

  static bool valid_name(const std::string& name);

 private:
  // Every vault record, live and soft-deleted.
  Result<std::vector<VaultInfo>> list_all();
  // Reads the record of `name` (either state), applies `change`, writes it
  // back if unchanged meanwhile, and bumps the marker.
  Result<VaultInfo> rewrite(const std::string& name, const std::function<Status(VaultInfo&)>& change);

  store::Store& store_;
  Barrier barrier_;
  const Clock& clock_;
  Mutex mu_;
  std::map<std::string, VaultInfo> cache_ COFFER_GUARDED_BY(mu_);  // by lower-case name, valid at cache_marker_
  int64_t cache_marker_ COFFER_GUARDED_BY(mu_) = -1;               // -1: not checked yet
  std::uint64_t checked_at_ COFFER_GUARDED_BY(mu_) = 0;            // store generation when the marker was last checked
};

}  // namespace coffer::vault
