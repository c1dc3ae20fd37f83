// Internal to vault/'s certificate files (certificate_service.cpp,
// certificate_issuance.cpp, certificate_backup.cpp): the three linked
// objects of a certificate version — building the backing key and secret
// records, writing a version with its key, secret, policy and operation in
// one transaction, erasing them together — and the errors they share.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/certificate.hpp"
#include "crypto/key_material.hpp"
#include "store/store.hpp"
#include "vault/barrier.hpp"
#include "vault/certificate_types.hpp"
#include "vault/object_kinds.hpp"

namespace coffer::vault::certificate_links {

inline constexpr std::size_t kMaxCertificateTags = 15;

Status pending_not_found(const std::string& name);

// A name a certificate cannot take because a secret or key of its own holds it.
Status name_taken(const std::string& name, std::string_view kind);

// The three records of one certificate version, before they are written.
struct LinkedVersion {
  CertificateVersionRecord certificate;
  KeyVersionRecord key;
  std::optional<SecretVersionRecord> secret;  // absent while pending
};

// Writes a version with its key and secret, the policy and the operation.
// The first write of a version records the version it follows (the name's
// latest until now) as its previous version, which its secret reports as
// AKV's previousVersion; later writes of it (merge) keep that.
Status write_linked(store::WriteTxn& txn, const VaultInfo& vault, const std::string& name, LinkedVersion v,
                    const CertificatePolicy& policy, const CertificateOperation& op);

// The live managed head of a certificate's key or secret, if there is one.
template <typename Objects>
Result<std::optional<ObjectHead>> managed_head(store::ReadTxn& txn, const Objects& objects, const VaultInfo& vault,
                                               const std::string& name) {
  COFFER_ASSIGN_OR_RETURN(auto head, objects.load_head(txn, vault, name));
  if (!head || !head->managed) return std::optional<ObjectHead>();
  return head;
}

// A certificate's versions, head, queue entry, policy and operation, and its
// managed key and secret.
Status erase_certificate(store::WriteTxn& txn, const VaultInfo& vault, const ObjectHead& head);

Result<CertificatePolicy> load_policy(store::ReadTxn& txn, const VaultInfo& vault, const std::string& name);

Result<CertificateOperation> load_operation(store::ReadTxn& txn, const VaultInfo& vault, const std::string& name);

// The backing key of a version: sealed like any key, attributes mirrored.
Result<KeyVersionRecord> key_record(const Barrier& barrier, const VaultInfo& vault, const std::string& name,
                                    const std::string& version, const crypto::KeyMaterial& material,
                                    const CertificatePolicy& policy, const Attributes& attributes);

// The backing secret of a version: the private key (when the policy lets
// it be exported) and the chain, as PKCS#12 (base64) or PEM.
Result<SecretVersionRecord> secret_record(const Barrier& barrier, const VaultInfo& vault, const std::string& name,
                                          const std::string& version, const crypto::KeyMaterial& material,
                                          const std::vector<crypto::Certificate>& chain,
                                          const CertificatePolicy& policy, const Attributes& attributes);

// The certificate record's view of an issued leaf.
void set_issued(CertificateProperties& cp, const crypto::Certificate& leaf, bool enabled);

}  // namespace coffer::vault::certificate_links
