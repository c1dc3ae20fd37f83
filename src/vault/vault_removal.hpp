// VaultRemoval: erases a vault for good — its certificates (with their
// managed keys and secrets), keys and secrets, live or deleted, then the
// access granted on it (a hook: role assignments and access policies belong
// to auth/), then its record — for Coffer's admin delete, ARM's purge of a
// soft-deleted vault, and the job that purges soft-deleted vaults whose
// retention has passed. Each step commits on its own; a failure part-way
// leaves the record, so the removal can be run again, and the access is
// revoked before the record goes (less access, never more).
#pragma once

#include <cstddef>
#include <functional>

#include "common/status.hpp"
#include "vault/certificate_service.hpp"
#include "vault/key_service.hpp"
#include "vault/secret_service.hpp"
#include "vault/vault_registry.hpp"

namespace coffer::vault {

class VaultRemoval {
 public:
  using RevokeAccess = std::function<Status(const VaultInfo&)>;
  // `keys`, `certificates`: null when those surfaces are off.
  VaultRemoval(VaultRegistry& vaults, SecretService& secrets, KeyService* keys, CertificateService* certificates,
               RevokeAccess revoke_access);

  // kForbidden, erasing nothing, when the vault has purge protection and
  // holds any object (ObjectHeads::erase_all).
  Status erase(const VaultInfo& vault);
  // A soft-deleted vault purged on request: kForbidden (reason
  // "PurgeProtected"), erasing nothing, under purge protection — such a
  // vault goes only on its scheduled purge date (purge_expired()).
  Status purge_deleted(const VaultInfo& deleted);
  // Erases every soft-deleted vault whose scheduled purge date ≤ now, purge
  // protection or not (its retention has passed). Returns how many.
  Result<std::size_t> purge_expired(int64_t now);

 private:
  VaultRegistry& vaults_;
  SecretService& secrets_;
  KeyService* keys_;
  CertificateService* certificates_;
  RevokeAccess revoke_access_;
};

}  // namespace coffer::vault
