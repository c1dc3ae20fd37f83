// KeyService: AKV keys semantics over the store, below HTTP and JSON.
// - create/import/rotate each add a new version (32-hex id); the newest is
//   "latest". The private key (PKCS#8 DER, or the oct bytes) is sealed by
//   the Keyring under the vault's KEK with associated data
//   vault-id/keys/name/version; the store keeps only the public part in clear.
// - Nothing private leaves this class: KeyProperties carries the public JWK;
//   operations take and return bytes. release() (secure key release) answers
//   a clear "not supported" error (kBadParameter): attestation is not built.
// - Operations check, in order: the key exists (kKeyNotFound), the operation
//   is in key_ops, the version is enabled and within nbf/exp, then the
//   algorithm fits the key type and the input (digest length, iv, tag). Every
//   such refusal is kBadParameter (innererror KeyDisabled / KeyExpired /
//   KeyNotYetValid / OperationNotAllowed where it helps), never kInternal.
// - Soft delete, recover, purge, the purge queue and backup/restore follow
//   SecretService exactly (names reserved while deleted, purge protection).
// - Rotation policies are stored per key; rotate_due() rotates every key
//   whose policy has a Rotate action that is due at `now`.
// - HSM keys: with options.hardware, RSA-HSM/EC-HSM/oct-HSM keys (and their
//   rotations) are made in the token (crypto/hardware_keys.hpp) and their
//   records keep the public JWK and the token's name, nothing private.
//   Private and secret operations run in the token; verify and RSA
//   encrypt/wrap use the stored public half. Purge destroys the token
//   objects once the purge committed; backup is refused (the token does not
//   export keys under wrap); exportable keys, release policies and imports
//   are refused for them. Without options.hardware, -HSM types are refused
//   unless options.emulate_hsm (software keys), and a key held in a token
//   answers kUnavailable.
// Names are matched case-insensitively and echoed as first stored.
// Thread-safe; every mutation is one store transaction.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/clock.hpp"
#include "common/status.hpp"
#include "crypto/hardware_keys.hpp"
#include "store/store.hpp"
#include "vault/barrier.hpp"
#include "vault/key_material_cache.hpp"
#include "vault/key_records.hpp"
#include "vault/key_types.hpp"
#include "vault/object_collection.hpp"
#include "vault/read_cache.hpp"

namespace coffer::vault {

struct KeyServiceOptions {
  // Accept the -HSM key types with software keys (test set-ups only).
  bool emulate_hsm = false;
  // Where -HSM keys are made and used (not owned); nullptr: no HSM.
  crypto::HardwareKeys* hardware = nullptr;
};

class KeyService {
 public:
  KeyService(store::Store& store, crypto::Keyring& keyring, const Clock& clock, KeyServiceOptions options = {});

  // Name rule: ^[0-9a-zA-Z-]{1,127}$.
  static bool valid_name(const std::string& name);
  // Minimum rotation-policy expiryTime (AKV: 28 days).
  static constexpr int64_t kMinPolicyExpirySeconds = 28 * 86400;

  Result<KeyProperties> create(const VaultInfo& vault, const std::string& name, const KeyDraft& draft);
  Result<KeyProperties> import(const VaultInfo& vault, const std::string& name, const KeyImport& import);
  // `version` empty = latest. Disabled keys can still be read (as in AKV).
  Result<KeyProperties> get(const VaultInfo& vault, const std::string& name, const std::string& version);
  Result<KeyProperties> update(const VaultInfo& vault, const std::string& name, const std::string& version,
                               const KeyPatch& patch);
  Result<Page<KeyProperties>> list(const VaultInfo& vault, const PageRequest& page);
  Result<Page<KeyProperties>> list_versions(const VaultInfo& vault, const std::string& name, const PageRequest& page);

  Result<DeletedKey> remove(const VaultInfo& vault, const std::string& name);
  Result<DeletedKey> get_deleted(const VaultInfo& vault, const std::string& name);
  Result<Page<DeletedKey>> list_deleted(const VaultInfo& vault, const PageRequest& page);
  Result<KeyProperties> recover(const VaultInfo& vault, const std::string& name);
  // kForbidden under purge protection.
  Status purge(const VaultInfo& vault, const std::string& name);

  // Every version and the rotation policy, sealed under the root key.
  Result<std::string> backup(const VaultInfo& vault, const std::string& name);
  Result<KeyProperties> restore(const VaultInfo& vault, const std::string& blob);

  // A new version with the latest version's type, size, curve, key_ops and
  // tags; exp follows the rotation policy's expiryTime when it has one.
  // `idempotency_key`: vault/idempotency.hpp (empty for scheduled rotations).
  Result<KeyProperties> rotate(const VaultInfo& vault, const std::string& name,
                               const std::string& idempotency_key = {});
  // The stored policy, or the default one (stored == false) for a key without.
  Result<RotationPolicy> get_rotation_policy(const VaultInfo& vault, const std::string& name);
  Result<RotationPolicy> set_rotation_policy(const VaultInfo& vault, const std::string& name,
                                             const RotationPolicy& policy);
  Status release(const VaultInfo& vault, const std::string& name, const std::string& version);

  Result<KeyOperationResult> encrypt(const VaultInfo& vault, const std::string& name, const std::string& version,
                                     const std::string& alg, std::string_view plaintext, std::string_view iv,
                                     std::string_view aad);
  Result<KeyOperationResult> decrypt(const VaultInfo& vault, const std::string& name, const std::string& version,
                                     const std::string& alg, std::string_view ciphertext, std::string_view iv,
                                     std::string_view aad, std::string_view tag);
  Result<KeyOperationResult> sign(const VaultInfo& vault, const std::string& name, const std::string& version,
                                  const std::string& alg, std::string_view digest);
  Result<KeyOperationResult> verify(const VaultInfo& vault, const std::string& name, const std::string& version,
                                    const std::string& alg, std::string_view digest, std::string_view signature);
  Result<KeyOperationResult> wrap(const VaultInfo& vault, const std::string& name, const std::string& version,
                                  const std::string& alg, std::string_view key);
  Result<KeyOperationResult> unwrap(const VaultInfo& vault, const std::string& name, const std::string& version,
                                    const std::string& alg, std::string_view wrapped);

  // Purges every soft-deleted key (all vaults) whose purge date ≤ now.
  Result<std::size_t> purge_due(int64_t now);
  // Rotates every key of `vaults` whose rotation policy is due; returns how many.
  Result<std::size_t> rotate_due(const std::vector<VaultInfo>& vaults, int64_t now);
  // Removes every key of the vault, live or deleted (vault deletion).
  Status erase_all(const VaultInfo& vault);

 private:
  // A version ready for a crypto operation (defined here so the operations
  // can live in key_operations.cpp).
  struct Loaded {
    std::shared_ptr<const KeyVersionRecord> record;  // as stored: properties and the sealed key
    const KeyProperties& properties() const { return record->properties; }
    // Software keys: the whole key. HSM keys: the public half (RSA, EC) or nullptr (oct).
    std::shared_ptr<const crypto::KeyMaterial> material;
    std::optional<crypto::HardwareKeyRef> hardware;  // set for a key held in the token
  };
  Result<Loaded> load_for_operation(const VaultInfo& vault, const std::string& name, const std::string& version,
                                    std::string_view op);
  // What a new version is: a software key or a token object of this kind.
  struct KeySpec {
    crypto::KeyKind kind = crypto::KeyKind::kRsa;
    int bits = 0;     // RSA / oct
    std::string crv;  // EC
    uint64_t public_exponent = 65537;
  };
  // Makes the key of `spec` (in the token when `in_hardware`) and stores it
  // as a new version with `props`' metadata: add_version().
  Result<KeyProperties> make_version(const VaultInfo& vault, const std::string& name, KeyProperties props,
                                     const KeySpec& spec, bool in_hardware, bool must_exist,
                                     const std::string& idempotency_key);
  // Seals `material` and stores it as a new version with `props`' metadata.
  Result<KeyProperties> add_software_version(const VaultInfo& vault, const std::string& name, KeyProperties props,
                                             const crypto::KeyMaterial& material, bool must_exist,
                                             const std::string& idempotency_key);
  // Stores a version (props complete; `sealed` empty for a token key), or —
  // for a request whose idempotency key already made one — answers with that version.
  Result<KeyProperties> add_version(const VaultInfo& vault, const std::string& name, KeyProperties props,
                                    const Sealed& sealed, bool must_exist, const std::string& idempotency_key);
  // The token objects of a key's versions (read inside the purge's transaction).
  Result<std::vector<std::string>> token_objects(store::ReadTxn& txn, const VaultInfo& vault, const ObjectHead& head);
  // Destroys token objects whose records are gone (after the commit); a failure is logged.
  void destroy_token_objects(const std::vector<std::string>& ids);

  store::Store& store_;
  Barrier barrier_;
  const Clock& clock_;
  KeyServiceOptions options_;
  KeyMaterialCache material_cache_;
  ReadCache<KeyVersionRecord> read_cache_;  // load_for_operation()'s records by "vault-id/name/version"
};

}  // namespace coffer::vault
