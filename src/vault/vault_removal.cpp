#include "vault/vault_removal.hpp"

#include "common/time_format.hpp"

namespace coffer::vault {

VaultRemoval::VaultRemoval(VaultRegistry& vaults, SecretService& secrets, KeyService* keys,
                           CertificateService* certificates, RevokeAccess revoke_access)
    : vaults_(vaults),
      secrets_(secrets),
      keys_(keys),
      certificates_(certificates),
      revoke_access_(std::move(revoke_access)) {}

Status VaultRemoval::erase(const VaultInfo& vault) {
  if (certificates_) COFFER_RETURN_IF_ERROR(certificates_->erase_all(vault));  // first: takes its keys and secrets
  if (keys_) COFFER_RETURN_IF_ERROR(keys_->erase_all(vault));
  COFFER_RETURN_IF_ERROR(secrets_.erase_all(vault));
  if (revoke_access_) COFFER_RETURN_IF_ERROR(revoke_access_(vault));
  return vaults_.remove(vault.name);
}

Status VaultRemoval::purge_deleted(const VaultInfo& deleted) {
  if (deleted.purge_protection) {
    return Status(Code::kForbidden,
                  "Vault '" + deleted.name + "' has purge protection: it is purged on its scheduled purge date (" +
                      to_iso8601(deleted.scheduled_purge(), UtcSuffix::kZ) + ") and not before.",
                  "PurgeProtected");
  }
  return erase(deleted);
}

Result<std::size_t> VaultRemoval::purge_expired(int64_t now) {
  COFFER_ASSIGN_OR_RETURN(auto deleted, vaults_.list_deleted());
  std::size_t purged = 0;
  for (VaultInfo v : deleted) {
    if (v.scheduled_purge() > now) continue;
    v.purge_protection = false;  // protection holds only until the scheduled purge date
    COFFER_RETURN_IF_ERROR(erase(v));
    ++purged;
  }
  return purged;
}

}  // namespace coffer::vault
