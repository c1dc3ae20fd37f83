// CertificateService: AKV certificates over the store, below HTTP and JSON.
// A certificate version is three linked objects with one name and version:
// the certificate record (the leaf, attributes mirrored from its validity),
// the backing key (the private key, sealed like any key) and the backing
// secret (PKCS#12 without password, base64, or PEM key + chain, per the
// policy's content type; without the private key when the policy is not
// exportable). Key and secret are "managed": their own APIs may read them
// but not change them. The three are written in one store transaction and
// move together on delete, recover and purge.
// create() issues "Self" certificates, and those of an issuer object whose
// provider is "Coffer" (signed by the CA certificate it names, chain in the
// secret), at once: the operation is completed when create returns. Issuer
// "Unknown" leaves a pending version (disabled, no certificate) with a CSR,
// completed by merge(); an issuer object of any other provider stays in
// progress (no external CA integration); a name that is no issuer → 400.
// Names are matched case-insensitively and echoed as first stored.
// Thread-safe; every mutation is one store transaction.
#pragma once

#include <string>
#include <vector>

#include "common/clock.hpp"
#include "common/status.hpp"
#include "crypto/key_material.hpp"
#include "store/store.hpp"
#include "vault/barrier.hpp"
#include "vault/certificate_types.hpp"
#include "vault/types.hpp"

namespace coffer::vault {

class CertificateService {
 public:
  CertificateService(store::Store& store, crypto::Keyring& keyring, const Clock& clock);

  // Name rule: ^[0-9a-zA-Z-]{1,127}$.
  static bool valid_name(const std::string& name);

  // The new version's operation (status "completed" for Self). kConflict
  // when the name is soft-deleted, or held by a secret or key that is not a
  // certificate's.
  Result<CertificateOperation> create(const VaultInfo& vault, const std::string& name, const CertificateDraft& draft);
  // A new version from a PFX or PEM bundle that holds the private key.
  Result<Certificate> import(const VaultInfo& vault, const std::string& name, const CertificateImport& im);
  // Completes a pending version with the certificate (leaf first, chain
  // optional) its CSR was signed into; the leaf must hold the pending key.
  Result<Certificate> merge(const VaultInfo& vault, const std::string& name, const std::vector<std::string>& x5c_der,
                            const CertificatePatch& patch);
  // Attributes and tags of a version (latest when empty), mirrored onto
  // the backing key and secret of that version.
  Result<Certificate> update(const VaultInfo& vault, const std::string& name, const std::string& version,
                             const CertificatePatch& patch);
  // Replaces the policy (the next issuance uses it; the current certificate
  // is unchanged).
  Result<CertificatePolicy> set_policy(const VaultInfo& vault, const std::string& name, CertificatePolicy policy);
  // Cancel (cancellation requested) and delete the pending operation.
  Result<CertificateOperation> cancel_operation(const VaultInfo& vault, const std::string& name);
  Result<CertificateOperation> delete_operation(const VaultInfo& vault, const std::string& name);
  // `version` empty = latest (which may be a pending, not yet issued version).
  Result<Certificate> get(const VaultInfo& vault, const std::string& name, const std::string& version);
  // Latest version of each live certificate; names whose latest version is
  // not issued yet (pending) only with `include_pending`, as AKV does.
  Result<Page<CertificateProperties>> list(const VaultInfo& vault, const PageRequest& page, bool include_pending);
  Result<Page<CertificateProperties>> list_versions(const VaultInfo& vault, const std::string& name,
                                                    const PageRequest& page);
  Result<CertificatePolicy> get_policy(const VaultInfo& vault, const std::string& name);
  // kNotFound with reason PendingCertificateNotFound when there is none.
  Result<CertificateOperation> get_operation(const VaultInfo& vault, const std::string& name);

  // An opaque blob of every version with its key and secret and the policy,
  // sealed under the root key; only a Coffer with the same root of trust can
  // restore it (into any vault). kConflict when the name is taken there.
  Result<std::string> backup(const VaultInfo& vault, const std::string& name);
  Result<Certificate> restore(const VaultInfo& vault, const std::string& blob);
  // New versions for every certificate (of `vaults`) whose AutoRenew
  // lifetime action is due at `now` (a share of the lifetime or days before
  // expiry), with a new key unless the policy says reuse_key. Issuers Self
  // and Coffer only. Returns how many were renewed.
  Result<std::size_t> renew_due(const std::vector<VaultInfo>& vaults, int64_t now);
  // Soft delete of the certificate with its key and secret.
  Result<DeletedCertificate> remove(const VaultInfo& vault, const std::string& name);
  Result<DeletedCertificate> get_deleted(const VaultInfo& vault, const std::string& name);
  Result<Page<DeletedCertificate>> list_deleted(const VaultInfo& vault, const PageRequest& page);
  Result<Certificate> recover(const VaultInfo& vault, const std::string& name);
  // kForbidden under purge protection.
  Status purge(const VaultInfo& vault, const std::string& name);
  // Purges every soft-deleted certificate (all vaults) due at `now`, with its
  // key and secret. Returns how many.
  Result<std::size_t> purge_due(int64_t now);
  // Removes every certificate of the vault (vault deletion); kForbidden
  // under purge protection when it holds any.
  Status erase_all(const VaultInfo& vault);

 private:
  Result<CertificateOperation> issue_version(const VaultInfo& vault, const std::string& name,
                                             const CertificatePolicy& policy, bool enabled, const Tags& tags,
                                             std::optional<bool> preserve_cert_order, crypto::KeyMaterial material,
                                             const std::string& idempotency_key = {});
  Result<CertificateOperation> renew(const VaultInfo& vault, const std::string& name);

  store::Store& store_;
  Barrier barrier_;
  const Clock& clock_;
};

}  // namespace coffer::vault
