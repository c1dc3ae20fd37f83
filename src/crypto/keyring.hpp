// Keyring: the encryption barrier. Envelope encryption in three levels:
//   root key ──wraps──► per-vault key-encryption key (KEK)
//   KEK      ──wraps──► per-record data key (DEK, fresh for every seal)
//   DEK      ──AES-256-GCM(associated data)──► payload
// A wrapped KEK is what the store keeps for a vault; a sealed blob is what it
// keeps for a payload. The same associated data must be given to open() as to
// seal() (ARCHITECTURE.md: vault/collection/name/version), or open() fails.
//
// Root key generations (SEAL-SPEC.md §1.8): the keyring holds every loaded
// generation of the root key and wraps under the active one. A wrapped KEK
// and a system blob name the generation that made them ("\xC0RK" + u32
// big-endian generation + the AEAD blob); one without that tag is from
// before generations and belongs to generation 1. Rotating the root key
// rewraps KEKs (rewrap_kek()) and system blobs (reseal_system()) only;
// payloads stay byte-identical. A generation the keyring has not loaded is
// asked of `load_generation` (another server rotated) before giving up, and
// so is the active generation before every new wrap (cheap: the loader
// re-reads the seal only when it changed), so no server wraps under a
// generation another one has retired or is about to.
//
// Thread-safe. Unwrapped KEKs, and the data keys of recently opened blobs
// (bounded; keyed by the wrapped data key, its owner, KEK and associated
// data), are cached in memory and wiped when dropped: a repeated open() of
// the same blob then costs one AES-GCM operation instead of two.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <unordered_map>

#include "common/secure_memory.hpp"
#include "common/status.hpp"
#include "common/thread_annotations.hpp"

namespace coffer::crypto {

class Keyring {
 public:
  // Generation → root key (32 bytes each).
  using RootKeys = std::map<int, SecureString>;
  // Asked for the root keys when a blob names a generation not loaded;
  // returns every generation it knows (or an error).
  using GenerationLoader = std::function<Result<RootKeys>()>;

  // `root_key` must be 32 bytes: generation 1, active.
  explicit Keyring(SecureString root_key);
  // `keys` must hold `active`.
  Keyring(RootKeys keys, int active, GenerationLoader load_generation = nullptr);
  Keyring(const Keyring&) = delete;
  Keyring& operator=(const Keyring&) = delete;

  // A fresh random KEK for `owner` (e.g. the vault id), wrapped by the root
  // key with `owner` as associated data. Store the result with the owner.
  Result<std::string> new_wrapped_kek(std::string_view owner);

  // Envelope-encrypts `plaintext` under the KEK `wrapped_kek` of `owner`.
  Result<std::string> seal(std::string_view owner, std::string_view wrapped_kek, std::string_view plaintext,
                           std::string_view associated_data);
  // Reverses seal(); kInternal if anything (owner, KEK, blob, AD) differs.
  Result<SecureString> open(std::string_view owner, std::string_view wrapped_kek, std::string_view sealed,
                            std::string_view associated_data);

  // Encrypts directly under the root key, for server-wide material (the
  // token-signing key). Associated data names the item.
  Result<std::string> seal_system(std::string_view plaintext, std::string_view associated_data);
  Result<SecureString> open_system(std::string_view sealed, std::string_view associated_data);

  // The generation a wrapped KEK or system blob names (1 for untagged ones).
  static int generation_of(std::string_view wrapped);
  int active_generation() const;
  // True when `wrapped` names the active generation (an untagged blob never does).
  bool under_active_generation(std::string_view wrapped) const;
  // Loads generations (rotation here or on another server) and makes
  // `active` the one new wraps use; `keys` must hold it unless already loaded.
  Status adopt(RootKeys keys, int active);
  // Forgets the generations below `generation` (they were retired from the seal).
  void retire_below(int generation);
  // The KEK wrapped under the active generation (the input when it already is).
  Result<std::string> rewrap_kek(std::string_view owner, std::string_view wrapped_kek);
  // A system blob sealed again under the active generation.
  Result<std::string> reseal_system(std::string_view sealed, std::string_view associated_data);

 private:
  Result<SecureString> kek(std::string_view owner, std::string_view wrapped_kek);
  // Opens a tagged or untagged blob under the root key of its generation.
  Result<SecureString> open_under_root(std::string_view wrapped, std::string_view associated_data);
  Result<std::string> seal_under_root(std::string_view plaintext, std::string_view associated_data);
  // Takes what the loader returns (every generation it knows).
  void load_generations();

  mutable SharedMutex roots_mu_;
  RootKeys roots_ COFFER_GUARDED_BY(roots_mu_);
  int active_ COFFER_GUARDED_BY(roots_mu_) = 1;
  const GenerationLoader load_generation_;
  SharedMutex mu_;  // shared for lookups (every open), exclusive to add a KEK
  std::map<std::string, SecureString, std::less<>> keks_ COFFER_GUARDED_BY(mu_);  // wrapped KEK → KEK
  SharedMutex dek_mu_;
  std::unordered_map<std::string, SecureString> deks_
      COFFER_GUARDED_BY(dek_mu_);  // owner, KEK, AD and wrapped DEK → DEK
};

}  // namespace coffer::crypto
