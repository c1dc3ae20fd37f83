#include "vault/certificate_links.hpp"

#include <algorithm>

#include "common/base64.hpp"
#include "crypto/pem_bundle.hpp"
#include "crypto/pkcs12.hpp"
#include "vault/event_schedule.hpp"
#include "vault/events.hpp"
#include "vault/store_keys.hpp"

namespace coffer::vault::certificate_links {
namespace {

bool has_usage(const CertificatePolicy& p, std::string_view usage) {
  return std::find(p.x509.key_usage.begin(), p.x509.key_usage.end(), usage) != p.x509.key_usage.end();
}

// Creates or advances the head of `objects` for a certificate's version:
// the head must be absent, or live and managed (a secret or key the user
// made holds the name otherwise).
template <typename Objects>
Status advance_managed_head(store::WriteTxn& txn, const Objects& objects, const VaultInfo& vault,
                            const std::string& name, const std::string& version, std::string_view kind) {
  COFFER_ASSIGN_OR_RETURN(auto head, objects.load_head(txn, vault, name));
  if (head && head->deletion) return objects.deleted_conflict(head->name);
  if (head && !head->managed) return name_taken(head->name, kind);
  ObjectHead h = head.value_or(ObjectHead{name, {}, std::nullopt, true});
  h.latest_version = version;
  h.managed = true;
  return objects.put_head(txn, vault, h);
}

// The backing key's operations, from the policy's key usage.
std::vector<std::string> key_ops_for(const CertificatePolicy& p, crypto::KeyKind kind) {
  std::vector<std::string> ops;
  const bool signs = has_usage(p, "digitalSignature") || has_usage(p, "nonRepudiation") ||
                     has_usage(p, "keyCertSign") || has_usage(p, "cRLSign");
  const bool enciphers =
      kind == crypto::KeyKind::kRsa && (has_usage(p, "keyEncipherment") || has_usage(p, "dataEncipherment"));
  if (signs) ops.insert(ops.end(), {"sign", "verify"});
  if (enciphers) ops.insert(ops.end(), {"encrypt", "decrypt", "wrapKey", "unwrapKey"});
  if (ops.empty() && kind == crypto::KeyKind::kRsa)
    ops = {"sign", "verify", "encrypt", "decrypt", "wrapKey", "unwrapKey"};
  if (ops.empty()) ops = {"sign", "verify"};
  return ops;
}

}  // namespace

Status pending_not_found(const std::string& name) {
  return Status(Code::kNotFound, "Pending certificate not found: " + name, "PendingCertificateNotFound");
}

// A name a certificate cannot take because a secret or key of its own holds it.
Status name_taken(const std::string& name, std::string_view kind) {
  return Status(Code::kConflict,
                "A " + std::string(kind) + " named " + name +
                    " exists in this vault; a certificate needs the name for its own key and secret.",
                "Conflict");
}

// Writes a version with its key and secret, the policy and the operation.
Status write_linked(store::WriteTxn& txn, const VaultInfo& vault, const std::string& name, LinkedVersion v,
                    const CertificatePolicy& policy, const CertificateOperation& op) {
  const std::string version = v.certificate.properties.version;
  COFFER_ASSIGN_OR_RETURN(auto head, kCerts.load_head(txn, vault, name));
  if (head && head->deletion) return kCerts.deleted_conflict(head->name);
  std::string& previous = v.certificate.properties.previous_version;
  if (previous.empty() && head && head->latest_version != version) previous = head->latest_version;
  if (v.secret) v.secret->properties.previous_version = previous;
  ObjectHead h = head.value_or(ObjectHead{name, {}, std::nullopt, false});
  h.latest_version = version;
  COFFER_RETURN_IF_ERROR(kCerts.put_version_and_head(txn, vault, h, v.certificate));
  COFFER_RETURN_IF_ERROR(advance_managed_head(txn, kKeys, vault, name, version, "key"));
  COFFER_RETURN_IF_ERROR(kKeys.put_version(txn, vault, name, v.key));
  if (v.secret) {
    COFFER_RETURN_IF_ERROR(advance_managed_head(txn, kSecrets, vault, name, version, "secret"));
    COFFER_RETURN_IF_ERROR(kSecrets.put_version(txn, vault, name, *v.secret));
  }
  COFFER_RETURN_IF_ERROR(txn.put(keys::cert_policy(vault.id, name), encode_certificate_policy(policy)));
  const auto& cp = v.certificate.properties;
  if (!cp.cer.empty()) {  // issued: a pending version is announced when its certificate arrives
    COFFER_RETURN_IF_ERROR(append_event(
        txn, new_version_event("Certificate", vault, h.name, version, cp.attributes, cp.attributes.updated)));
    COFFER_RETURN_IF_ERROR(
        schedule_expiry_events(txn, vault, "Certificate", h.name, version, cp.attributes, cp.attributes.updated));
  }
  return txn.put(keys::cert_operation(vault.id, name), encode_certificate_operation(op));
}

// A certificate's versions, head, queue entry, policy and operation, and its
// managed key and secret.
Status erase_certificate(store::WriteTxn& txn, const VaultInfo& vault, const ObjectHead& head) {
  COFFER_RETURN_IF_ERROR(kCerts.erase(txn, vault, head));
  COFFER_RETURN_IF_ERROR(txn.erase(keys::cert_policy(vault.id, head.name)));
  COFFER_RETURN_IF_ERROR(txn.erase(keys::cert_operation(vault.id, head.name)));
  COFFER_ASSIGN_OR_RETURN(auto key, managed_head(txn, kKeys, vault, head.name));
  if (key) {
    COFFER_RETURN_IF_ERROR(kKeys.erase(txn, vault, *key));
    COFFER_RETURN_IF_ERROR(txn.erase(keys::key_policy(vault.id, head.name)));
  }
  COFFER_ASSIGN_OR_RETURN(auto secret, managed_head(txn, kSecrets, vault, head.name));
  if (secret) COFFER_RETURN_IF_ERROR(kSecrets.erase(txn, vault, *secret));
  return Status::Ok();
}

Result<CertificatePolicy> load_policy(store::ReadTxn& txn, const VaultInfo& vault, const std::string& name) {
  COFFER_ASSIGN_OR_RETURN(auto entry, txn.get(keys::cert_policy(vault.id, name)));
  if (!entry) return Status(Code::kInternal, "certificate " + name + " has no policy record");
  return decode_certificate_policy(entry->value);
}

Result<CertificateOperation> load_operation(store::ReadTxn& txn, const VaultInfo& vault, const std::string& name) {
  COFFER_ASSIGN_OR_RETURN(auto head, kCerts.load_head(txn, vault, name));
  if (!head || head->deletion) return pending_not_found(name);
  COFFER_ASSIGN_OR_RETURN(auto entry, txn.get(keys::cert_operation(vault.id, name)));
  if (!entry) return pending_not_found(name);
  return decode_certificate_operation(entry->value);
}

// The backing key of a version: sealed like any key, attributes mirrored.
Result<KeyVersionRecord> key_record(const Barrier& barrier, const VaultInfo& vault, const std::string& name,
                                    const std::string& version, const crypto::KeyMaterial& material,
                                    const CertificatePolicy& policy, const Attributes& attributes) {
  KeyVersionRecord k;
  auto& kp = k.properties;
  kp.version = version;
  kp.attributes = attributes;
  kp.kty = policy.key.kty;
  kp.key_ops = key_ops_for(policy, material.kind());
  kp.public_key = material.public_jwk();
  kp.key_size = material.kind() == crypto::KeyKind::kEc ? 0 : material.bits();
  COFFER_ASSIGN_OR_RETURN(SecureString priv, material.seal_bytes());
  COFFER_ASSIGN_OR_RETURN(k.sealed_key, barrier.seal(vault, ObjectPlace::key_version(name, version), priv.view()));
  return k;
}

// The backing secret of a version: the private key (when the policy lets
// it be exported) and the chain, as PKCS#12 (base64) or PEM.
Result<SecretVersionRecord> secret_record(const Barrier& barrier, const VaultInfo& vault, const std::string& name,
                                          const std::string& version, const crypto::KeyMaterial& material,
                                          const std::vector<crypto::Certificate>& chain,
                                          const CertificatePolicy& policy, const Attributes& attributes) {
  const crypto::KeyMaterial* exported = policy.key.exportable ? &material : nullptr;
  SecureString value;
  if (policy.content_type == kPkcs12ContentType) {
    COFFER_ASSIGN_OR_RETURN(SecureString pfx, crypto::make_pkcs12(exported, chain));
    std::string b64 = base64_encode(pfx.view());
    value = SecureString(std::string_view(b64));
    secure_wipe(b64.data(), b64.size());
  } else {
    COFFER_ASSIGN_OR_RETURN(value, crypto::make_pem_bundle(exported, chain));
  }
  SecretVersionRecord s;
  s.properties.version = version;
  s.properties.attributes = attributes;
  s.properties.content_type = policy.content_type;
  COFFER_ASSIGN_OR_RETURN(s.sealed_value,
                          barrier.seal(vault, ObjectPlace::secret_version(name, version), value.view()));
  return s;
}

// The certificate record's view of an issued leaf.
void set_issued(CertificateProperties& cp, const crypto::Certificate& leaf, bool enabled) {
  cp.attributes.enabled = enabled;
  cp.attributes.not_before = leaf.not_before();
  cp.attributes.expires = leaf.not_after();
  cp.cer = leaf.der();
  cp.x5t = leaf.x5t();
}

}  // namespace coffer::vault::certificate_links
