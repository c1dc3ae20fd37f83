// Keyring: the encryption barrier. Envelope encryption in three levels:
//   root key ──wraps──► per-vault key-encryption key (KEK)
//   KEK      ──wraps──► per-record data key (DEK, fresh for every seal)
//   DEK      ──AES-256-GCM(associated data)──► payload
// A wrapped KEK is what the store keeps for a vault; a sealed blob is what it
// keeps for a payload. The same associated data must be given to open() as to
// seal() (ARCHITECTURE.md: vault/collection/name/version), or open() fails.
// Rotating the root key rewraps KEKs only; payloads stay untouched.
//
// Thread-safe. Unwrapped KEKs, and the data keys of recently opened blobs
// (bounded; keyed by the wrapped data key, its owner, KEK and associated
// data), are cached in memory and wiped when dropped: a repeated open() of
// the same blob then costs one AES-GCM operation instead of two.
#pragma once

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
  // `root_key` must be 32 bytes.
  explicit Keyring(SecureString root_key);
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

 private:
  Result<SecureString> kek(std::string_view owner, std::string_view wrapped_kek);

  SecureString root_;
  SharedMutex mu_;  // shared for lookups (every open), exclusive to add a KEK
  std::map<std::string, SecureString, std::less<>> keks_ COFFER_GUARDED_BY(mu_);  // wrapped KEK → KEK
  SharedMutex dek_mu_;
  std::unordered_map<std::string, SecureString> deks_
      COFFER_GUARDED_BY(dek_mu_);  // owner, KEK, AD and wrapped DEK → DEK
};

}  // namespace coffer::crypto
