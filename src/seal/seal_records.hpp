// The records of the seal, kept in the store outside the barrier
// (SEAL-SPEC.md §1.1): "seal/config", plaintext — which model protects the
// root keys and its parameters — and "seal/root", the root keys (generation
// → 32-byte key) encrypted with AES-256-GCM under the unseal key U with
// associated data "coffer/seal/v1/<cluster_id>/seal/root", so a blob copied
// from another cluster or record never opens. Neither holds a key in clear.
// Both are written together, compare-and-set on the config's revision, so a
// crash or a racing replica leaves the old pair or the new one, never a mix.
// A pkcs11 seal may add "seal/recovery": the recovery key R (32 bytes),
// encrypted by the HSM with associated data "coffer/seal/v1/<cluster_id>/
// seal/recovery"; R is split into recovery shares, which authorize (they
// never decrypt the root keys: SEAL-SPEC.md §1.6).
// A root-key rotation adds "seal/root-upgrade/<g>": generation g encrypted
// under generation g-1 (associated data naming cluster and record), written
// with the config that makes g active — so a server holding g-1 reaches g
// without the unseal key or the HSM (SEAL-SPEC.md §1.8).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "common/secure_memory.hpp"
#include "common/status.hpp"
#include "store/store.hpp"

namespace coffer::seal {

enum class SealType { kKeyfile, kShamir, kPkcs11 };

const char* seal_type_name(SealType type);                       // "keyfile", "shamir", "pkcs11"
std::optional<SealType> parse_seal_type(std::string_view name);  // the reverse; nullopt for another name

struct SealConfig {
  std::string cluster_id;  // GUID drawn at initialization
  SealType type = SealType::kKeyfile;
  int shares = 0;               // shamir: N
  int threshold = 0;            // shamir: K
  std::uint32_t keyset_id = 0;  // shamir: the set the current shares belong to
  int active_generation = 1;
  int64_t rotated_at = 0;  // Unix seconds of the last root-key rotation (0: never)
  // pkcs11: the recovery shares (0 of 0 while none were generated).
  int recovery_shares = 0;
  int recovery_threshold = 0;
  std::uint32_t recovery_keyset_id = 0;
  // pkcs11: the HSM key that encrypted seal/root and seal/recovery — its
  // label, and the label of its token (either empty in stores from before
  // it was recorded).
  std::string hsm_key_label;
  std::string hsm_token_label;
};

// Generation → root key (32 bytes). Wiped when dropped.
using RootKeys = std::map<int, SecureString>;

struct SealRecords {
  SealConfig config;
  std::string root_blob;      // AEAD(U, encoded RootKeys)
  std::string recovery_blob;  // seal/recovery; empty when absent
  int64_t revision = 0;       // of seal/config, for compare-and-set
};

// The config's key: a server watches it (Store::watch) to notice rotations cheaply.
inline constexpr std::string_view kSealConfigKey = "seal/config";

// nullopt when the store was never initialized.
Result<std::optional<SealRecords>> read_seal_records(store::Store& store);
// Writes both records — and seal/recovery when `recovery_blob` is given
// (empty: seal/recovery is deleted) — if seal/config is still at
// `expected_revision` (0: absent); kConflict (reason "SealChanged")
// otherwise, writing nothing.
Status write_seal_records(store::Store& store, const SealConfig& config, std::string_view root_blob,
                          int64_t expected_revision, std::optional<std::string_view> recovery_blob = std::nullopt);

// A rotation: `config` (its new active generation g) compare-and-set, and
// seal/root-upgrade/<g>, in one transaction. kConflict "SealChanged" as above.
Status write_rotation(store::Store& store, const SealConfig& config, std::string_view upgrade_blob,
                      int64_t expected_revision);
// Retirement of the generations before `config.active_generation`: seal/root
// becomes `root_blob` (holding the active generation only) and the upgrade
// entries 2..active go, compare-and-set on the config as above.
Status write_retirement(store::Store& store, const SealConfig& config, std::string_view root_blob,
                        int64_t expected_revision);
// Recovery shares (re)issued: `config` (its recovery fields) compare-and-set,
// and seal/recovery, in one transaction. kConflict "SealChanged" as above.
Status write_recovery(store::Store& store, const SealConfig& config, std::string_view recovery_blob,
                      int64_t expected_revision);
// The associated data of seal/recovery for `cluster_id`.
std::string recovery_associated_data(const std::string& cluster_id);
// seal/root-upgrade/<generation>; nullopt when absent.
Result<std::optional<std::string>> read_upgrade(store::Store& store, int generation);
// Generation `generation`'s key encrypted under the one before it, and back.
Result<std::string> seal_upgrade(const SecureString& previous, const std::string& cluster_id, int generation,
                                 const SecureString& key);
Result<SecureString> open_upgrade(const SecureString& previous, const std::string& cluster_id, int generation,
                                  std::string_view blob);

// The root keys in clear, as the seal encrypts them, and back.
SecureString encode_root_keys(const RootKeys& keys);
Result<RootKeys> decode_root_keys(const SecureString& plain);
// The associated data of seal/root for `cluster_id`.
std::string root_associated_data(const std::string& cluster_id);

// Encrypts / decrypts the root keys under `unseal_key` (32 bytes) for `cluster_id`.
// open: kBadParameter (reason "UnsealKeyWrong") when the key does not open the blob.
Result<std::string> seal_root_keys(const SecureString& unseal_key, const std::string& cluster_id, const RootKeys& keys);
Result<RootKeys> open_root_keys(const SecureString& unseal_key, const std::string& cluster_id, std::string_view blob);

}  // namespace coffer::seal
