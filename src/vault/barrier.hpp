// Barrier: the one way vault/ seals what it stores and opens what it reads
// back (as Vault's barrier and Tink's AEAD interface). A caller names the
// vault and the object (ObjectPlace); the barrier derives the owner, the
// vault's key-encryption key and the associated data from them, so no call
// site can bind a payload to another object's identity. What seal() returns
// is Sealed, the only type record fields accept (sealed.hpp). Backup blobs,
// which leave the vault and may be restored into another, are sealed under
// the root key with associated data naming their kind.
//
// A thin, copyable view of the Keyring (crypto/keyring.hpp, thread-safe).
#pragma once

#include <string>
#include <string_view>

#include "common/secure_memory.hpp"
#include "common/status.hpp"
#include "crypto/keyring.hpp"
#include "vault/sealed.hpp"
#include "vault/types.hpp"

namespace coffer::vault {

// Where a sealed payload belongs inside a vault. Names are matched without
// case, so the associated data uses them lowercased.
class ObjectPlace {
 public:
  static ObjectPlace secret_version(std::string_view name, std::string_view version);
  static ObjectPlace key_version(std::string_view name, std::string_view version);
  static ObjectPlace issuer_password(std::string_view issuer_name);
  // Webhook signing secrets: an event subscription's, a secret's rotator's.
  static ObjectPlace event_subscription_secret(std::string_view subscription_name);
  static ObjectPlace rotator_secret(std::string_view secret_name);

  // "<vault id>/<collection>/<lowercased name>[/<version>]"
  std::string associated_data(std::string_view vault_id) const;

 private:
  ObjectPlace(std::string_view collection, std::string_view name, std::string_view version);
  std::string path_;  // "/<collection>/<lowercased name>[/<version>]"
};

class Barrier {
 public:
  explicit Barrier(crypto::Keyring& keyring) : keyring_(&keyring) {}

  // A fresh key-encryption key for a new vault, wrapped by the root key.
  Result<std::string> new_vault_kek(std::string_view vault_id) const;
  // Root-key rotation (crypto/keyring.hpp): whether a vault's KEK is wrapped
  // under the active root key generation, and the KEK wrapped under it.
  bool vault_kek_current(std::string_view wrapped_kek) const;
  Result<std::string> rewrap_vault_kek(std::string_view vault_id, std::string_view wrapped_kek) const;

  Result<Sealed> seal(const VaultInfo& vault, const ObjectPlace& place, std::string_view plaintext) const;
  // kInternal when `sealed` was not sealed for this vault and place.
  Result<SecureString> open(const VaultInfo& vault, const ObjectPlace& place, const Sealed& sealed) const;

  // A backup blob of `kind` ("secret", "key", "certificate"): returned to the
  // client, never stored. open_backup fails for any other kind or root key.
  Result<std::string> seal_backup(std::string_view kind, std::string_view plaintext) const;
  Result<SecureString> open_backup(std::string_view kind, std::string_view blob) const;

 private:
  crypto::Keyring* keyring_;
};

}  // namespace coffer::vault
