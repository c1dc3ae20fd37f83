// SealState: whether this server holds the root keys, and how it comes to
// (SEAL-SPEC.md §1.2–§1.5). Three states: uninitialized (no seal/config),
// sealed, unsealed. Three models:
//  - keyfile: the unseal key U is the server's key file. A store that was
//    never initialized is initialized at the first unseal with the file key
//    as root key generation 1, so stores made before seals existed carry on
//    unchanged.
//  - shamir: U is random and split into N shares, threshold K; init returns
//    the shares once (uninitialized store). Operators hand shares in one at
//    a time; progress lives in memory only, under a nonce: a duplicate share
//    is not counted, a malformed one is refused at once, reset() or 15
//    minutes without a share drop it, and at K the combined key must open
//    seal/root — if not, progress returns to 0 ("invalid shares").
//  - pkcs11: the root keys are encrypted by an AES key inside an HSM
//    (Pkcs11Token); the server unseals itself at start. A store that was
//    never initialized is initialized then, with a new root key. Recovery
//    shares (SEAL-SPEC.md §1.6), once generated, split a recovery key kept
//    encrypted by the HSM: they never open the root keys, but a quorum of
//    them unseals a server sealed by an operator (with the HSM) and rekeys
//    them. Shares are handed in as for shamir.
// seal() wipes the keys. Shares and keys are kept in wiping buffers and never
// logged. Thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.hpp"
#include "common/secure_memory.hpp"
#include "common/status.hpp"
#include "common/thread_annotations.hpp"
#include "crypto/shamir.hpp"
#include "seal/pkcs11_token.hpp"
#include "seal/seal_records.hpp"
#include "store/store.hpp"

namespace coffer::seal {

struct SealStatus {
  bool initialized = false;
  bool sealed = true;
  SealType type = SealType::kKeyfile;
  bool recovery_seal = false;  // pkcs11: shares, threshold and keyset_id are the recovery shares'
  int shares = 0;              // N (shamir, or recovery shares; 0: none)
  int threshold = 0;           // K
  int progress = 0;            // shares handed in so far
  std::string nonce;           // of the unseal attempt in progress; empty when none
  std::uint32_t keyset_id = 0;
  std::string cluster_id;
  std::string hsm_key_label;    // pkcs11: the HSM key the seal is written with
  std::string hsm_token_label;  // pkcs11: and its token
  std::string last_error;       // why the last attempt failed; never a secret
};

class SealState {
 public:
  SealState(store::Store& store, const Clock& clock);
  SealState(const SealState&) = delete;
  SealState& operator=(const SealState&) = delete;

  // Reads seal/config (call at start, and again to see another server's init).
  Status load();
  SealStatus status() const;

  // keyfile: opens the root keys with the file key (32 bytes), initializing a
  // new store first. kConflict (reason "SealTypeMismatch") for a store of another model;
  // kBadParameter (reason "UnsealKeyWrong") for a key that does not open it.
  Status unseal_with_key(const SecureString& file_key);

  // pkcs11: opens the root keys with the token's key, initializing a new
  // store first. kConflict (reason "SealTypeMismatch") for a store of
  // another model; kBadParameter (reason "UnsealKeyWrong") when the token's
  // key does not open it. Seal-key rotation (SEAL-SPEC.md §1.7) and moves
  // between tokens or modules (§1.9): when the seal records name another
  // key or token than `token`'s (the operator configured a new key, or a
  // new token with the earlier one as the previous HSM), `open_key` opens
  // that earlier key, which decrypts seal/root and seal/recovery once; both
  // are encrypted again under the token's key in one compare-and-set write,
  // and from then on the earlier key is not needed (status() tells which
  // key and token write the seal). Without `open_key`: kConflict "SealKeyChanged".
  Status unseal_with_token(Pkcs11Token& token, const KeyOpener& open_key = nullptr);
  // Records why the last attempt to unseal failed (shown by status()).
  void note_error(std::string message);

  // shamir: initializes an uninitialized store with a new root key and
  // returns the N shares as text — the only time they are ever shown.
  // 2 ≤ K ≤ N ≤ 255 or 1 of 1. kConflict, reason "AlreadyInitialized", once
  // the store has a seal (moving between models is a migration, SEAL-SPEC
  // §1.9, not yet offered), or "StoreNotEmpty" when it already holds data
  // written under a key file before seals existed.
  Result<std::vector<SecureString>> init_shamir(int shares, int threshold);

  // pkcs11, while unsealed: draws a recovery key, stores it encrypted by
  // `token` (seal/recovery) and returns its N shares — the only time they are
  // shown. kConflict "RecoveryKeysExist" once there are some (a recovery
  // rekey replaces them), "SealTypeMismatch" for another model, "Sealed".
  Result<std::vector<SecureString>> generate_recovery(int shares, int threshold, Pkcs11Token& token);

  // Hands in one share: an unseal share (shamir) or a recovery share
  // (pkcs11, after an operator sealed the server; `open_token` reaches the
  // HSM at the threshold, where the recovery key must match seal/recovery
  // and the HSM then opens the root keys). kBadParameter for a malformed
  // share, a share of another key set (named), or — at the threshold —
  // shares that do not prove the quorum (progress back to 0). OK when
  // counted (or a duplicate) or when it completed the unseal; status()
  // tells which.
  Status submit_share(std::string_view share_text, const TokenOpener& open_token = nullptr);
  // Drops the shares handed in so far.
  void reset();

  // Rekey (SEAL-SPEC.md §1.7), while unsealed: rekey_start() names the
  // new N and K and returns the attempt's nonce; K current shares handed in
  // through rekey_submit() prove the quorum (they must open seal/root); then a
  // new unseal key and key set re-encrypt the same root keys in one
  // compare-and-set write, and the new shares are returned — the only time
  // they are shown. The old shares stop working at once. Wrong shares at the
  // threshold reset the progress; rekey_cancel() drops the attempt.
  // pkcs11 (recovery rekey): the current recovery shares must rebuild the
  // recovery key in seal/recovery, and a new recovery key, encrypted by the
  // HSM (`open_token`), replaces it; the root keys are not touched.
  // With `verify` (Vault's -verify), the new shares are returned at the
  // quorum but nothing is written until K of them come back through
  // rekey_verify() under the new nonce: a set that was lost in the handing
  // out never replaces the old one.
  struct RekeyStatus {
    bool started = false;
    std::string nonce;
    int progress = 0;   // current shares handed in (new ones while verifying)
    int threshold = 0;  // current K needed (new K while verifying)
    int new_shares = 0;
    int new_threshold = 0;
    bool verify = false;                 // asked for verification
    bool verifying = false;              // the new shares are out; waiting for them to come back
    std::optional<SealType> migrate_to;  // a migration (below): the model the quorum moves the seal to
  };
  Result<RekeyStatus> rekey_start(int shares, int threshold, bool verify = false);
  // The new shares once the quorum is in (empty while it is not, and when a
  // migration completed: rekey_status().started is then false); without
  // verification they are already in force.
  Result<std::vector<SecureString>> rekey_submit(std::string_view nonce, std::string_view share_text,
                                                 const TokenOpener& open_token = nullptr);
  // Verification: true once K new shares came back and the new set was written.
  Result<bool> rekey_verify(std::string_view nonce, std::string_view share_text);
  void rekey_cancel();
  RekeyStatus rekey_status() const;

  // Seal migration (SEAL-SPEC.md §1.9), while unsealed; the root keys and
  // the data are not touched, only seal/root, seal/recovery and seal/config,
  // in one compare-and-set write. The server's configuration must name the
  // new model before its next start.
  // From keyfile, the key file held since the start is the authority (the
  // caller is an admin): migrate_from_keyfile() moves the seal at once, to
  // shamir (a new unseal key; its N shares are returned) or to pkcs11
  // (through `token`; N recovery shares are returned).
  Result<std::vector<SecureString>> migrate_from_keyfile(SealType target, int shares, int threshold,
                                                         Pkcs11Token* token = nullptr);
  // From shamir or pkcs11, a quorum of the current shares (unseal shares, or
  // recovery shares) is the authority: migration_start() begins a rekey
  // whose completion moves the seal instead of issuing shares: shamir →
  // pkcs11 makes U the recovery key (the unseal shares become the recovery
  // shares, as in Vault); pkcs11 → shamir makes the recovery key U (the
  // recovery shares now unseal); either → keyfile encrypts seal/root under
  // `file_key` (32 bytes). rekey_submit() needs `open_token` whenever the
  // HSM is on either side.
  Result<RekeyStatus> migration_start(SealType target, SecureString file_key = SecureString());

  // Wipes the root keys; the server is sealed until unsealed again.
  void seal();

  // The active generation's root key; kUnavailable while sealed.
  Result<SecureString> root_key() const;
  // Every generation held; kUnavailable while sealed.
  Result<RootKeys> root_keys() const;
  int active_generation() const;

  // Root-key rotation (SEAL-SPEC.md §1.8), while unsealed: draws generation
  // g+1, writes it as seal/root-upgrade/<g+1> under generation g together
  // with seal/config naming it active (compare-and-set: kConflict
  // "SealChanged" when another server changed the seal meanwhile), and
  // returns every generation now held. Needs neither shares nor the HSM.
  // Every unseal follows the upgrade entries from the generations seal/root
  // holds up to the active one; refresh() does the same for a running
  // server, so a rotation on one replica reaches the others.
  Result<RootKeys> rotate_root();
  // Re-reads seal/config, follows upgrade entries past the generations held,
  // and returns every generation held (kUnavailable while sealed).
  Result<RootKeys> refresh();
  // Retires the generations before the active one (SEAL-SPEC.md §1.8 step
  // 4): seal/root is written again holding the active generation only, the
  // upgrade entries go, and this server forgets the old keys. Only once
  // `grace_seconds` have passed since the last rotation (as of `now`), so
  // every running server has long wrapped under the active generation; the
  // caller must have rewrapped everything made under older ones first.
  // Writing seal/root takes the unseal key, which keyfile and shamir seals
  // hold while unsealed (checked to still open seal/root: a rekey on another
  // server makes it stale), or for pkcs11 the HSM: `token`, opened by the
  // caller, which must decrypt the current seal/root. Returns how many
  // generations were dropped (0: nothing to drop); kConflict "NotYet" inside
  // the grace period, "UnsealKeyNotHeld" without a usable key or token,
  // "SealChanged" on a race.
  Result<int> retire_generations(int64_t now, int64_t grace_seconds, Pkcs11Token* token = nullptr);
  // How many generations this server holds (1 once older ones are retired).
  int generations_held() const;

 private:
  void drop_progress_locked() COFFER_REQUIRES(mu_);
  Status open_locked(const SecureString& unseal_key) COFFER_REQUIRES(mu_);
  Status open_with_token_locked(Pkcs11Token& token) COFFER_REQUIRES(mu_);
  // Re-encrypts the seal's blobs from the key that wrote them (`open_key`) to `token`'s.
  Status move_seal_key_locked(Pkcs11Token& token, const KeyOpener& open_key) COFFER_REQUIRES(mu_);
  // kConflict "SealKeyChanged" when `token`'s key is not the one the seal is written with.
  Status check_seal_key_locked(const Pkcs11Token& token) const COFFER_REQUIRES(mu_);
  Status mismatch_locked(const std::string& what) const COFFER_REQUIRES(mu_);
  // The shares this seal takes (shamir: unseal shares; pkcs11: recovery
  // shares), as {threshold, key set}; kConflict when it takes none.
  Result<std::pair<int, std::uint32_t>> share_set_locked() const COFFER_REQUIRES(mu_);
  // Decodes a share of the set `keyset_id` (kBadParameter, naming both sets, for another).
  static Result<crypto::shamir::Share> decode_share(std::string_view share_text, std::uint32_t keyset_id);
  // pkcs11: whether `recovery_key` is the one seal/recovery holds (kBadParameter "InvalidShares" if not).
  Status prove_recovery_locked(const SecureString& recovery_key, Pkcs11Token& token) const COFFER_REQUIRES(mu_);
  // Writes the new share set of a rekey (pending_* of a verified one, or given).
  Status write_rekeyed_locked(const SealConfig& config, const std::string& blob) COFFER_REQUIRES(mu_);
  // The end of a migration proven by `proven_key` (U or the recovery key).
  Status complete_migration_locked(const SecureString& proven_key, Pkcs11Token* token) COFFER_REQUIRES(mu_);
  // Writes a migrated seal: `config` with `root_blob`, and `recovery_blob` (empty: none).
  Status write_migrated_locked(const SealConfig& config, const std::string& root_blob, const std::string& recovery_blob)
      COFFER_REQUIRES(mu_);
  void rekey_clear_locked() COFFER_REQUIRES(mu_);
  // A new rekey attempt (nonce drawn); kConflict "Sealed" or "RekeyInProgress".
  Status begin_rekey_locked() COFFER_REQUIRES(mu_);
  // Takes `keys` as the open root keys once the upgrade entries lead from
  // them to the active generation.
  Status adopt_locked(RootKeys keys) COFFER_REQUIRES(mu_);
  // Adds to `keys` the generations the upgrade entries lead to, up to the active one.
  Status follow_upgrades_locked(RootKeys& keys) COFFER_REQUIRES(mu_);
  // Writes a new seal of type `type` (uninitialized store) with a fresh
  // cluster; `seal_keys` fills in the model's parameters of the config and
  // makes the blob from `keys`. Adopts another server's seal when it won
  // the race. Refuses a store that holds data for a model other than keyfile.
  Status initialize_locked(SealType type, RootKeys keys,
                           const std::function<Result<std::string>(SealConfig&, const RootKeys&)>& seal_keys)
      COFFER_REQUIRES(mu_);

  store::Store& store_;
  const Clock& clock_;
  mutable Mutex mu_;
  std::optional<SealRecords> records_ COFFER_GUARDED_BY(mu_);
  RootKeys keys_ COFFER_GUARDED_BY(mu_);            // empty while sealed
  SecureString unseal_key_ COFFER_GUARDED_BY(mu_);  // U while unsealed by a key file or shares; else empty
  std::vector<crypto::shamir::Share> parts_ COFFER_GUARDED_BY(mu_);
  std::string nonce_ COFFER_GUARDED_BY(mu_);
  int64_t last_part_at_ COFFER_GUARDED_BY(mu_) = 0;
  std::string last_error_ COFFER_GUARDED_BY(mu_);
  // The rekey in progress (nonce empty: none).
  std::string rekey_nonce_ COFFER_GUARDED_BY(mu_);
  std::vector<crypto::shamir::Share> rekey_parts_ COFFER_GUARDED_BY(mu_);
  int rekey_shares_ COFFER_GUARDED_BY(mu_) = 0;
  int rekey_threshold_ COFFER_GUARDED_BY(mu_) = 0;
  bool rekey_verify_ COFFER_GUARDED_BY(mu_) = false;
  std::optional<SealType> migrate_to_ COFFER_GUARDED_BY(mu_);
  SecureString migrate_file_key_ COFFER_GUARDED_BY(mu_);  // a migration to keyfile: its key
  // Verification: the new unseal key, seal config and blob waiting to be written.
  SecureString pending_key_ COFFER_GUARDED_BY(mu_);
  std::optional<SealConfig> pending_config_ COFFER_GUARDED_BY(mu_);
  std::string pending_blob_ COFFER_GUARDED_BY(mu_);
};

}  // namespace coffer::seal
