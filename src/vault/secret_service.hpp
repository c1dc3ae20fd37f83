// SecretService: AKV secrets semantics over the store, below HTTP and JSON.
// - Every set creates a new version (32-hex id); the newest is "latest".
// - Values are sealed by the Keyring under the vault's KEK with associated
//   data vault-id/secrets/name/version; the store never sees them in clear.
// - Delete is soft: the secret (all versions) moves to the deleted state for
//   the vault's retention; its name stays reserved (set/restore → kConflict,
//   reason ObjectIsDeletedButRecoverable) until recovered or purged.
// - purge_due(now) removes soft-deleted secrets whose purge date has passed;
//   purge protection only forbids *early* purge through purge().
// - A set with an idempotency key records (in its transaction) the version
//   it made; the same key again returns that version (vault/idempotency.hpp;
//   purge_due() also forgets records older than a day, of every kind).
// - Rotations by an external rotator write a PENDING version (put_pending:
//   readable by version id only, never latest, listed or backed up) and
//   later make it current (promote). A set while one is in flight aborts it.
// Names are matched case-insensitively and echoed as first stored.
// Thread-safe; every mutation is one store transaction.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "common/clock.hpp"
#include "common/status.hpp"
#include "store/store.hpp"
#include "vault/barrier.hpp"
#include "vault/object_collection.hpp"
#include "vault/read_cache.hpp"
#include "vault/secret_records.hpp"
#include "vault/types.hpp"

namespace coffer::vault {

constexpr std::size_t kMaxSecretValueBytes = 25 * 1024;
constexpr std::size_t kMaxTags = 15;
constexpr std::size_t kMaxTagNameBytes = 512;
constexpr std::size_t kMaxTagValueBytes = 256;

class SecretService {
 public:
  SecretService(store::Store& store, crypto::Keyring& keyring, const Clock& clock);

  // Name rule: ^[0-9a-zA-Z-]{1,127}$.
  static bool valid_name(const std::string& name);

  Result<Secret> set(const VaultInfo& vault, const std::string& name, const SecretDraft& draft);

  // More writes in the same transaction, given the live secret's head.
  using PendingWrite = std::function<Status(store::WriteTxn&, const ObjectHead&)>;
  // Writes (or rewrites) version `version` of the live secret `name` as
  // PENDING with the draft's value, tags, contentType and dates.
  Status put_pending(const VaultInfo& vault, const std::string& name, const std::string& version,
                     const SecretDraft& draft, const PendingWrite& also);
  // Makes PENDING version `version` the latest (created = now, exp = `expires`
  // when given): NewVersionCreated and its expiry events in the same
  // transaction. kConflict when it is not PENDING (any more). `also` sees the
  // head before the change (its latest_version is the old current).
  Status promote(const VaultInfo& vault, const std::string& name, const std::string& version,
                 std::optional<int64_t> expires, const PendingWrite& also);
  // `version` empty = latest. A disabled version → kForbidden (SecretDisabled).
  Result<Secret> get(const VaultInfo& vault, const std::string& name, const std::string& version);
  Result<SecretProperties> update(const VaultInfo& vault, const std::string& name, const std::string& version,
                                  const SecretPatch& patch);
  // Latest properties of each live secret, by name.
  Result<Page<SecretProperties>> list(const VaultInfo& vault, const PageRequest& page);
  Result<Page<SecretProperties>> list_versions(const VaultInfo& vault, const std::string& name,
                                               const PageRequest& page);

  Result<DeletedSecret> remove(const VaultInfo& vault, const std::string& name);
  Result<DeletedSecret> get_deleted(const VaultInfo& vault, const std::string& name);
  Result<Page<DeletedSecret>> list_deleted(const VaultInfo& vault, const PageRequest& page);
  Result<SecretProperties> recover(const VaultInfo& vault, const std::string& name);
  // kForbidden under purge protection.
  Status purge(const VaultInfo& vault, const std::string& name);

  // An opaque blob holding every version, sealed under the root key; only a
  // server with the same root of trust can restore it (into any vault).
  Result<std::string> backup(const VaultInfo& vault, const std::string& name);
  Result<SecretProperties> restore(const VaultInfo& vault, const std::string& blob);

  // Purges every soft-deleted secret (all vaults) whose purge date ≤ now.
  // Returns how many were purged.
  Result<std::size_t> purge_due(int64_t now);
  // Removes every secret of the vault, live or deleted (vault deletion).
  // kForbidden if the vault has purge protection and holds any secret.
  Status erase_all(const VaultInfo& vault);

 private:
  store::Store& store_;
  Barrier barrier_;
  const Clock& clock_;
  ReadCache<SecretVersionRecord> read_cache_;  // get()'s records by "vault-id/name/version"
};

}  // namespace coffer::vault
