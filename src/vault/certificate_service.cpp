#include "vault/certificate_service.hpp"

#include <algorithm>
#include <cstdint>
#include <cctype>

#include "common/base64.hpp"
#include "crypto/certificate.hpp"
#include "crypto/certificate_chain.hpp"
#include "crypto/certificate_issue.hpp"
#include "crypto/key_material.hpp"
#include "crypto/pem_bundle.hpp"
#include "crypto/pkcs12.hpp"
#include "crypto/random.hpp"
#include "common/record_codec.hpp"
#include "vault/object_backup.hpp"
#include "vault/object_kinds.hpp"
#include "vault/record_scan.hpp"
#include "vault/store_keys.hpp"

namespace coffer::vault {
namespace {

const CertificateObjects& kCerts = certificate_objects();
const KeyObjects& kKeys = key_objects();
const SecretObjects& kSecrets = secret_objects();

constexpr std::size_t kMaxCertificateTags = 15;
constexpr std::string_view kMergeDetails = "Pending certificate created. Please Perform Merge to complete the request.";
constexpr std::string_view kWaitDetails =
    "Pending certificate created. Certificate request is in progress. This may take some time based on the issuer "
    "provider. Please check again later.";

Status bad(std::string message) { return Status(Code::kBadParameter, std::move(message)); }

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

bool has_usage(const CertificatePolicy& p, std::string_view usage) {
  return std::find(p.x509.key_usage.begin(), p.x509.key_usage.end(), usage) != p.x509.key_usage.end();
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
  if (ops.empty() && kind == crypto::KeyKind::kRsa) ops = {"sign", "verify", "encrypt", "decrypt", "wrapKey", "unwrapKey"};
  if (ops.empty()) ops = {"sign", "verify"};
  return ops;
}

Result<crypto::KeyMaterial> new_key(const CertificateKeyProps& k) {
  if (k.kty.rfind("RSA", 0) == 0) return crypto::KeyMaterial::generate_rsa(k.key_size);
  return crypto::KeyMaterial::generate_ec(k.crv);
}

// The three records of one certificate version, before they are written.
struct LinkedVersion {
  CertificateVersionRecord certificate;
  KeyVersionRecord key;
  std::optional<SecretVersionRecord> secret;  // absent while pending
};

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

// Writes a version with its key and secret, the policy and the operation.
Status write_linked(store::WriteTxn& txn, const VaultInfo& vault, const std::string& name, const LinkedVersion& v,
                    const CertificatePolicy& policy, const CertificateOperation& op) {
  const std::string& version = v.certificate.properties.version;
  COFFER_ASSIGN_OR_RETURN(auto head, kCerts.load_head(txn, vault, name));
  if (head && head->deletion) return kCerts.deleted_conflict(head->name);
  ObjectHead h = head.value_or(ObjectHead{name, {}, std::nullopt, false});
  h.latest_version = version;
  COFFER_RETURN_IF_ERROR(kCerts.put_version(txn, vault, name, v.certificate));
  COFFER_RETURN_IF_ERROR(kCerts.put_head(txn, vault, h));
  COFFER_RETURN_IF_ERROR(advance_managed_head(txn, kKeys, vault, name, version, "key"));
  COFFER_RETURN_IF_ERROR(kKeys.put_version(txn, vault, name, v.key));
  if (v.secret) {
    COFFER_RETURN_IF_ERROR(advance_managed_head(txn, kSecrets, vault, name, version, "secret"));
    COFFER_RETURN_IF_ERROR(kSecrets.put_version(txn, vault, name, *v.secret));
  }
  COFFER_RETURN_IF_ERROR(txn.put(keys::cert_policy(vault.id, name), encode_certificate_policy(policy)));
  return txn.put(keys::cert_operation(vault.id, name), encode_certificate_operation(op));
}

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

// The backing key of a version: sealed like any key, attributes mirrored.
Result<KeyVersionRecord> key_record(crypto::Keyring& keyring, const VaultInfo& vault, const std::string& name,
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
  COFFER_ASSIGN_OR_RETURN(k.sealed_key, keyring.seal(vault.id, vault.wrapped_kek, priv.view(),
                                                     keys::key_ad(vault.id, name, version)));
  return k;
}

// The backing secret of a version: the private key (when the policy lets
// it be exported) and the chain, as PKCS#12 (base64) or PEM.
Result<SecretVersionRecord> secret_record(crypto::Keyring& keyring, const VaultInfo& vault, const std::string& name,
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
  COFFER_ASSIGN_OR_RETURN(s.sealed_value, keyring.seal(vault.id, vault.wrapped_kek, value.view(),
                                                       keys::secret_ad(vault.id, name, version)));
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

// The policy AKV derives from an imported certificate: its key, subject,
// names and usages, its validity rounded up to months, issuer Unknown and
// EmailContacts at 80 %.
CertificatePolicy derived_policy(const crypto::Certificate& leaf, const crypto::KeyMaterial& key) {
  CertificatePolicy p;
  p.key.exportable = true;
  if (key.kind() == crypto::KeyKind::kEc) {
    p.key.kty = "EC";
    p.key.crv = key.curve();
    p.key.key_size = key.bits();
  } else {
    p.key.kty = "RSA";
    p.key.key_size = key.bits();
  }
  p.x509.subject = leaf.subject();
  p.x509.dns_names = leaf.dns_names();
  p.x509.emails = leaf.emails();
  p.x509.upns = leaf.upns();
  p.x509.ekus = leaf.ekus();
  p.x509.key_usage = leaf.key_usage();
  const int64_t span = leaf.not_after() - leaf.not_before();
  constexpr int64_t kMonth = 30LL * 86400;
  p.x509.validity_months = static_cast<int>(std::clamp<int64_t>((span + kMonth - 1) / kMonth, 1, 1200));
  p.x509.ca = leaf.is_ca();
  p.lifetime_actions = {CertificateLifetimeAction{80, std::nullopt, "EmailContacts"}};
  p.issuer = std::string(kUnknownIssuer);
  return p;
}

Result<CertificateOperation> load_operation(store::ReadTxn& txn, const VaultInfo& vault, const std::string& name) {
  COFFER_ASSIGN_OR_RETURN(auto head, kCerts.load_head(txn, vault, name));
  if (!head || head->deletion) return pending_not_found(name);
  COFFER_ASSIGN_OR_RETURN(auto entry, txn.get(keys::cert_operation(vault.id, name)));
  if (!entry) return pending_not_found(name);
  return decode_certificate_operation(entry->value);
}

// The CA a "Coffer" issuer names: its certificate (latest version, issued,
// enabled, a CA) and its key, opened.
struct CofferSigner {
  crypto::Certificate certificate;
  crypto::KeyMaterial key;
  std::vector<crypto::Certificate> chain;  // the CA and, if it is an intermediate, its issuers
};

// nullopt when `issuer` names an issuer object of another provider (no CA
// integration: the request stays pending); kBadParameter when it names no
// issuer, or a Coffer issuer whose CA certificate cannot sign.
Result<std::optional<CofferSigner>> load_signer(store::Store& store, crypto::Keyring& keyring, const VaultInfo& vault,
                                               const std::string& issuer_name, int64_t now) {
  std::optional<CertificateIssuer> issuer;
  std::optional<CertificateVersionRecord> ca;
  std::optional<KeyVersionRecord> ca_key;
  std::optional<SecretVersionRecord> ca_secret;
  COFFER_RETURN_IF_ERROR(store.read([&](store::ReadTxn& txn) -> Status {
    COFFER_ASSIGN_OR_RETURN(auto entry, txn.get(keys::cert_issuer(vault.id, issuer_name)));
    if (!entry) return bad("The issuer '" + issuer_name + "' does not exist in this vault.");
    COFFER_ASSIGN_OR_RETURN(issuer, decode_certificate_issuer(entry->value, nullptr));
    if (issuer->provider != kCofferIssuerProvider) return Status::Ok();
    auto rec = kCerts.live_version(txn, vault, issuer->account_id, "");
    if (!rec.ok()) {
      return bad("The CA certificate '" + issuer->account_id + "' of issuer '" + issuer_name + "' does not exist.");
    }
    ca = std::move(*rec);
    COFFER_ASSIGN_OR_RETURN(ObjectHead key_head, kKeys.live_head(txn, vault, issuer->account_id));
    COFFER_ASSIGN_OR_RETURN(ca_key, kKeys.load_version(txn, vault, key_head, ca->properties.version));
    COFFER_ASSIGN_OR_RETURN(auto secret_head, managed_head(txn, kSecrets, vault, issuer->account_id));
    if (secret_head) {
      COFFER_ASSIGN_OR_RETURN(ca_secret, kSecrets.load_version(txn, vault, *secret_head, ca->properties.version));
    }
    return Status::Ok();
  }));
  if (issuer->provider != kCofferIssuerProvider) return std::optional<CofferSigner>();
  if (!issuer->enabled) return bad("The issuer '" + issuer_name + "' is disabled.");
  const auto& cp = ca->properties;
  if (cp.cer.empty() || !cp.attributes.enabled || !ca_key) {
    return bad("The CA certificate '" + issuer->account_id + "' is not issued or not enabled.");
  }
  if (cp.attributes.expires && now >= *cp.attributes.expires) {
    return bad("The CA certificate '" + issuer->account_id + "' has expired.");
  }
  COFFER_ASSIGN_OR_RETURN(crypto::Certificate certificate, crypto::Certificate::from_der(cp.cer));
  if (!certificate.is_ca()) {
    return bad("The certificate '" + issuer->account_id + "' is not a CA (its policy needs basic constraints CA).");
  }
  COFFER_ASSIGN_OR_RETURN(SecureString priv, keyring.open(vault.id, vault.wrapped_kek, ca_key->sealed_key,
                                                          keys::key_ad(vault.id, cp.name, cp.version)));
  COFFER_ASSIGN_OR_RETURN(crypto::KeyMaterial key, crypto::KeyMaterial::from_sealed_bytes(priv.view()));
  // The CA's own chain (in its secret) goes after it, so an intermediate's
  // leaves carry the full chain.
  std::vector<crypto::Certificate> chain{certificate};
  if (ca_secret) {
    COFFER_ASSIGN_OR_RETURN(SecureString value, keyring.open(vault.id, vault.wrapped_kek, ca_secret->sealed_value,
                                                             keys::secret_ad(vault.id, cp.name, cp.version)));
    Result<crypto::KeyAndChain> stored = Status(Code::kInternal, "unreadable CA secret");
    if (ca_secret->properties.content_type == kPkcs12ContentType) {
      auto der = base64_decode(value.view());
      if (der) stored = crypto::parse_pkcs12(*der, "");
      if (der) secure_wipe(der->data(), der->size());
    } else {
      stored = crypto::parse_pem_bundle(value.view());
    }
    if (stored.ok() && !stored->chain.empty() && stored->chain.front() == certificate) chain = std::move(stored->chain);
  }
  return std::optional<CofferSigner>(CofferSigner{std::move(certificate), std::move(key), std::move(chain)});
}

// Whether the policy's AutoRenew action is due for this (latest, issued)
// version at `now`. Only issuers Coffer can sign with itself renew on
// their own; others need a CA round trip (merge).
bool renewal_due(const CertificateProperties& p, const CertificatePolicy& policy, int64_t now) {
  if (p.cer.empty() || !p.attributes.not_before || !p.attributes.expires) return false;
  if (policy.issuer == kUnknownIssuer) return false;
  for (const auto& a : policy.lifetime_actions) {
    if (a.action != "AutoRenew") continue;
    const int64_t nbf = *p.attributes.not_before, exp = *p.attributes.expires;
    const int64_t trigger = a.lifetime_percentage ? nbf + (exp - nbf) * *a.lifetime_percentage / 100
                                                  : exp - int64_t(a.days_before_expiry.value_or(0)) * 86400;
    return now >= trigger;
  }
  return false;
}

}  // namespace

CertificateService::CertificateService(store::Store& store, crypto::Keyring& keyring, const Clock& clock)
    : store_(store), keyring_(keyring), clock_(clock) {}

bool CertificateService::valid_name(const std::string& name) {
  if (name.empty() || name.size() > 127) return false;
  return std::all_of(name.begin(), name.end(),
                     [](char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-'; });
}

Result<CertificateOperation> CertificateService::create(const VaultInfo& vault, const std::string& name,
                                                        const CertificateDraft& draft) {
  if (!valid_name(name)) {
    return bad("The request URI contains an invalid name: " + name +
               ". Certificate names may contain only 0-9, a-z, A-Z and -, up to 127 characters.");
  }
  COFFER_RETURN_IF_ERROR(check_certificate_policy(draft.policy));
  if (draft.tags.size() > kMaxCertificateTags) return bad("A certificate can have at most 15 tags.");
  CertificatePolicy policy = draft.policy;
  policy.created = clock_.now();
  policy.updated = policy.created;
  COFFER_ASSIGN_OR_RETURN(crypto::KeyMaterial material, new_key(policy.key));
  return issue_version(vault, name, policy, draft.enabled, draft.tags, std::move(material));
}

Result<CertificateOperation> CertificateService::issue_version(const VaultInfo& vault, const std::string& name,
                                                               const CertificatePolicy& policy, bool enabled,
                                                               const Tags& tags, crypto::KeyMaterial material) {
  const int64_t now = clock_.now();
  LinkedVersion v;
  auto& cp = v.certificate.properties;
  cp.version = crypto::new_version_id();
  cp.tags = tags;
  cp.content_type = policy.content_type;
  cp.attributes.created = now;
  cp.attributes.updated = now;

  CertificateOperation op;
  op.version = cp.version;
  op.issuer = policy.issuer;
  op.request_id = crypto::new_version_id();

  std::optional<crypto::Certificate> issued;
  std::vector<crypto::Certificate> chain;
  std::optional<CofferSigner> signer;
  if (policy.issuer != kSelfIssuer && policy.issuer != kUnknownIssuer) {
    COFFER_ASSIGN_OR_RETURN(signer, load_signer(store_, keyring_, vault, policy.issuer, now));
  }
  if (policy.issuer == kSelfIssuer || signer) {
    COFFER_ASSIGN_OR_RETURN(issued, crypto::issue_certificate(material, policy.x509, now,
                                                              signer ? &signer->certificate : nullptr,
                                                              signer ? &signer->key : nullptr));
    chain.push_back(*issued);
    if (signer) chain.insert(chain.end(), signer->chain.begin(), signer->chain.end());
    op.status = "completed";
    set_issued(cp, *issued, enabled);
  } else {
    COFFER_ASSIGN_OR_RETURN(op.csr, crypto::make_csr_der(material, policy.x509));
    op.status = "inProgress";
    op.status_details = std::string(policy.issuer == kUnknownIssuer ? kMergeDetails : kWaitDetails);
    cp.attributes.enabled = false;  // nothing to use until issued
  }

  COFFER_ASSIGN_OR_RETURN(v.key, key_record(keyring_, vault, name, cp.version, material, policy, cp.attributes));
  if (issued) {
    COFFER_ASSIGN_OR_RETURN(v.secret, secret_record(keyring_, vault, name, cp.version, material, chain, policy,
                                                    cp.attributes));
  }
  COFFER_RETURN_IF_ERROR(store_.write([&](store::WriteTxn& txn) {
    return write_linked(txn, vault, name, v, policy, op);
  }));
  return op;
}

Result<std::size_t> CertificateService::renew_due(const std::vector<VaultInfo>& vaults, int64_t now) {
  std::size_t renewed = 0;
  for (const auto& vault : vaults) {
    std::vector<std::string> due;
    COFFER_RETURN_IF_ERROR(store_.read([&](store::ReadTxn& txn) -> Status {
      return for_each_entry(txn, keys::cert_prefix(vault.id), [&](const store::Entry& e) -> Status {
        COFFER_ASSIGN_OR_RETURN(ObjectHead head, decode_head(e.value));
        if (head.deletion) return Status::Ok();
        COFFER_ASSIGN_OR_RETURN(auto rec, kCerts.latest(txn, vault, head));
        COFFER_ASSIGN_OR_RETURN(CertificatePolicy policy, load_policy(txn, vault, head.name));
        if (renewal_due(rec.properties, policy, now)) due.push_back(head.name);
        return Status::Ok();
      });
    }));
    for (const auto& name : due) {
      auto r = renew(vault, name);
      if (r.ok()) {
        ++renewed;
      } else if (r.status().code() != Code::kCertificateNotFound && r.status().code() != Code::kConflict) {
        return r.status();
      }
    }
  }
  return renewed;
}

Result<CertificateOperation> CertificateService::renew(const VaultInfo& vault, const std::string& name) {
  CertificateVersionRecord latest;
  CertificatePolicy policy;
  std::optional<KeyVersionRecord> key;
  COFFER_RETURN_IF_ERROR(store_.read([&](store::ReadTxn& txn) -> Status {
    COFFER_ASSIGN_OR_RETURN(ObjectHead head, kCerts.live_head(txn, vault, name));
    COFFER_ASSIGN_OR_RETURN(latest, kCerts.latest(txn, vault, head));
    COFFER_ASSIGN_OR_RETURN(policy, load_policy(txn, vault, head.name));
    if (policy.key.reuse_key) {
      COFFER_ASSIGN_OR_RETURN(ObjectHead key_head, kKeys.live_head(txn, vault, name));
      COFFER_ASSIGN_OR_RETURN(key, kKeys.load_version(txn, vault, key_head, latest.properties.version));
    }
    return Status::Ok();
  }));
  if (key) {
    COFFER_ASSIGN_OR_RETURN(SecureString priv, keyring_.open(vault.id, vault.wrapped_kek, key->sealed_key,
                                                             keys::key_ad(vault.id, name, latest.properties.version)));
    COFFER_ASSIGN_OR_RETURN(crypto::KeyMaterial material, crypto::KeyMaterial::from_sealed_bytes(priv.view()));
    return issue_version(vault, latest.properties.name, policy, true, latest.properties.tags, std::move(material));
  }
  COFFER_ASSIGN_OR_RETURN(crypto::KeyMaterial material, new_key(policy.key));
  return issue_version(vault, latest.properties.name, policy, true, latest.properties.tags, std::move(material));
}

Result<Certificate> CertificateService::import(const VaultInfo& vault, const std::string& name,
                                               const CertificateImport& im) {
  if (!valid_name(name)) {
    return bad("The request URI contains an invalid name: " + name +
               ". Certificate names may contain only 0-9, a-z, A-Z and -, up to 127 characters.");
  }
  if (im.tags.size() > kMaxCertificateTags) return bad("A certificate can have at most 15 tags.");
  COFFER_ASSIGN_OR_RETURN(crypto::KeyAndChain bundle,
                          im.pem ? crypto::parse_pem_bundle(im.value.view())
                                 : crypto::parse_pkcs12(im.value.view(), im.password.view()));
  if (!bundle.key) return bad("The certificate to import must contain its private key.");
  const crypto::Certificate& leaf = bundle.chain.front();
  CertificatePolicy policy = im.policy ? *im.policy : derived_policy(leaf, *bundle.key);
  if (!im.policy) {
    policy.content_type = im.content_type.value_or(std::string(im.pem ? kPemContentType : kPkcs12ContentType));
  }
  COFFER_RETURN_IF_ERROR(check_certificate_policy(policy));
  const int64_t now = clock_.now();
  policy.created = now;
  policy.updated = now;
  LinkedVersion v;
  auto& cp = v.certificate.properties;
  cp.version = crypto::new_version_id();
  cp.tags = im.tags;
  cp.content_type = policy.content_type;
  cp.attributes.created = now;
  cp.attributes.updated = now;
  set_issued(cp, leaf, im.enabled);
  COFFER_ASSIGN_OR_RETURN(v.key, key_record(keyring_, vault, name, cp.version, *bundle.key, policy, cp.attributes));
  COFFER_ASSIGN_OR_RETURN(v.secret, secret_record(keyring_, vault, name, cp.version, *bundle.key, bundle.chain, policy,
                                                  cp.attributes));
  CertificateOperation op{cp.version, policy.issuer, "", false, "completed", "", crypto::new_version_id()};
  COFFER_RETURN_IF_ERROR(store_.write([&](store::WriteTxn& txn) { return write_linked(txn, vault, name, v, policy, op); }));
  return Certificate{cp, policy};
}

Result<Certificate> CertificateService::merge(const VaultInfo& vault, const std::string& name,
                                              const std::vector<std::string>& x5c_der, const CertificatePatch& patch) {
  if (!valid_name(name)) return pending_not_found(name);
  if (x5c_der.empty()) return bad("Property 'x5c' must hold the signed certificate (and its chain).");
  std::vector<crypto::Certificate> certs;
  for (const auto& der : x5c_der) {
    COFFER_ASSIGN_OR_RETURN(crypto::Certificate c, crypto::Certificate::from_der(der));
    certs.push_back(std::move(c));
  }
  COFFER_ASSIGN_OR_RETURN(std::vector<crypto::Certificate> chain, crypto::order_chain(std::move(certs)));
  if (patch.tags && patch.tags->size() > kMaxCertificateTags) return bad("A certificate can have at most 15 tags.");
  Certificate out;
  COFFER_RETURN_IF_ERROR(store_.write([&](store::WriteTxn& txn) -> Status {
    COFFER_ASSIGN_OR_RETURN(CertificateOperation op, load_operation(txn, vault, name));
    if (op.status != "inProgress") return pending_not_found(name);
    COFFER_ASSIGN_OR_RETURN(ObjectHead head, kCerts.live_head(txn, vault, name));
    COFFER_ASSIGN_OR_RETURN(CertificateVersionRecord rec, kCerts.live_version(txn, vault, name, op.version));
    COFFER_ASSIGN_OR_RETURN(ObjectHead key_head, kKeys.live_head(txn, vault, name));
    COFFER_ASSIGN_OR_RETURN(auto key, kKeys.load_version(txn, vault, key_head, op.version));
    if (!key) return Status(Code::kInternal, "certificate " + name + " has no key for its pending version");
    COFFER_ASSIGN_OR_RETURN(SecureString priv, keyring_.open(vault.id, vault.wrapped_kek, key->sealed_key,
                                                             keys::key_ad(vault.id, name, op.version)));
    COFFER_ASSIGN_OR_RETURN(crypto::KeyMaterial material, crypto::KeyMaterial::from_sealed_bytes(priv.view()));
    if (!chain.front().public_key_matches(material)) {
      return bad("The public key of the merged certificate does not match the key of the pending request.");
    }
    COFFER_ASSIGN_OR_RETURN(CertificatePolicy policy, load_policy(txn, vault, head.name));
    LinkedVersion v;
    v.certificate = std::move(rec);
    auto& cp = v.certificate.properties;
    cp.attributes.updated = clock_.now();
    if (patch.tags) cp.tags = *patch.tags;
    set_issued(cp, chain.front(), patch.enabled.value_or(true));
    v.key = std::move(*key);
    v.key.properties.attributes = cp.attributes;
    COFFER_ASSIGN_OR_RETURN(v.secret, secret_record(keyring_, vault, name, op.version, material, chain, policy,
                                                    cp.attributes));
    op.status = "completed";
    op.status_details.clear();
    COFFER_RETURN_IF_ERROR(write_linked(txn, vault, head.name, v, policy, op));
    out = Certificate{cp, policy};
    return Status::Ok();
  }));
  return out;
}

Result<Certificate> CertificateService::update(const VaultInfo& vault, const std::string& name,
                                               const std::string& version, const CertificatePatch& patch) {
  if (!valid_name(name) || (!version.empty() && !valid_version_id(version))) {
    return kCerts.not_found(version.empty() ? name : name + "/" + version);
  }
  if (patch.tags && patch.tags->size() > kMaxCertificateTags) return bad("A certificate can have at most 15 tags.");
  Certificate out;
  COFFER_RETURN_IF_ERROR(store_.write([&](store::WriteTxn& txn) -> Status {
    COFFER_ASSIGN_OR_RETURN(CertificateVersionRecord rec, kCerts.live_version(txn, vault, name, version));
    auto& cp = rec.properties;
    const int64_t now = clock_.now();
    if (patch.tags) cp.tags = *patch.tags;
    if (patch.enabled) {
      if (*patch.enabled && cp.cer.empty()) return bad("A certificate that is not issued yet cannot be enabled.");
      cp.attributes.enabled = *patch.enabled;
    }
    cp.attributes.updated = now;
    COFFER_RETURN_IF_ERROR(kCerts.put_version(txn, vault, name, rec));
    // The key and secret of this version follow its enabled flag.
    COFFER_ASSIGN_OR_RETURN(auto key_head, managed_head(txn, kKeys, vault, name));
    if (key_head) {
      COFFER_ASSIGN_OR_RETURN(auto key, kKeys.load_version(txn, vault, *key_head, cp.version));
      if (key) {
        key->properties.attributes.enabled = cp.attributes.enabled;
        key->properties.attributes.updated = now;
        COFFER_RETURN_IF_ERROR(kKeys.put_version(txn, vault, name, *key));
      }
    }
    COFFER_ASSIGN_OR_RETURN(auto secret_head, managed_head(txn, kSecrets, vault, name));
    if (secret_head) {
      COFFER_ASSIGN_OR_RETURN(auto secret, kSecrets.load_version(txn, vault, *secret_head, cp.version));
      if (secret) {
        secret->properties.attributes.enabled = cp.attributes.enabled;
        secret->properties.attributes.updated = now;
        COFFER_RETURN_IF_ERROR(kSecrets.put_version(txn, vault, name, *secret));
      }
    }
    out.properties = std::move(cp);
    COFFER_ASSIGN_OR_RETURN(out.policy, load_policy(txn, vault, name));
    return Status::Ok();
  }));
  return out;
}

Result<CertificatePolicy> CertificateService::set_policy(const VaultInfo& vault, const std::string& name,
                                                         CertificatePolicy policy) {
  if (!valid_name(name)) return kCerts.not_found(name);
  COFFER_RETURN_IF_ERROR(check_certificate_policy(policy));
  COFFER_RETURN_IF_ERROR(store_.write([&](store::WriteTxn& txn) -> Status {
    COFFER_ASSIGN_OR_RETURN(ObjectHead head, kCerts.live_head(txn, vault, name));
    COFFER_ASSIGN_OR_RETURN(CertificatePolicy old, load_policy(txn, vault, head.name));
    policy.created = old.created;
    policy.updated = clock_.now();
    return txn.put(keys::cert_policy(vault.id, head.name), encode_certificate_policy(policy));
  }));
  return policy;
}

Result<CertificateOperation> CertificateService::cancel_operation(const VaultInfo& vault, const std::string& name) {
  if (!valid_name(name)) return pending_not_found(name);
  CertificateOperation out;
  COFFER_RETURN_IF_ERROR(store_.write([&](store::WriteTxn& txn) -> Status {
    COFFER_ASSIGN_OR_RETURN(out, load_operation(txn, vault, name));
    out.cancellation_requested = true;
    return txn.put(keys::cert_operation(vault.id, name), encode_certificate_operation(out));
  }));
  return out;
}

Result<CertificateOperation> CertificateService::delete_operation(const VaultInfo& vault, const std::string& name) {
  if (!valid_name(name)) return pending_not_found(name);
  CertificateOperation out;
  COFFER_RETURN_IF_ERROR(store_.write([&](store::WriteTxn& txn) -> Status {
    COFFER_ASSIGN_OR_RETURN(out, load_operation(txn, vault, name));
    return txn.erase(keys::cert_operation(vault.id, name));
  }));
  return out;
}

namespace {
enum BackupVersionField : uint8_t { kBCertificate = 1, kBKey, kBSecret };
}  // namespace

Result<std::string> CertificateService::backup(const VaultInfo& vault, const std::string& name) {
  if (!valid_name(name)) return kCerts.not_found(name);
  ObjectHead head;
  std::vector<CertificateVersionRecord> versions;
  std::vector<std::optional<KeyVersionRecord>> key_versions;
  std::vector<std::optional<SecretVersionRecord>> secret_versions;
  ObjectBackup b;
  COFFER_RETURN_IF_ERROR(store_.read([&](store::ReadTxn& txn) -> Status {
    COFFER_ASSIGN_OR_RETURN(head, kCerts.live_head(txn, vault, name));
    COFFER_ASSIGN_OR_RETURN(versions, kCerts.all_versions(txn, vault, head));
    COFFER_ASSIGN_OR_RETURN(auto key_head, managed_head(txn, kKeys, vault, name));
    COFFER_ASSIGN_OR_RETURN(auto secret_head, managed_head(txn, kSecrets, vault, name));
    for (const auto& v : versions) {
      std::optional<KeyVersionRecord> k;
      std::optional<SecretVersionRecord> sv;
      if (key_head) {
        COFFER_ASSIGN_OR_RETURN(k, kKeys.load_version(txn, vault, *key_head, v.properties.version));
      }
      if (secret_head) {
        COFFER_ASSIGN_OR_RETURN(sv, kSecrets.load_version(txn, vault, *secret_head, v.properties.version));
      }
      key_versions.push_back(std::move(k));
      secret_versions.push_back(std::move(sv));
    }
    COFFER_ASSIGN_OR_RETURN(auto policy, txn.get(keys::cert_policy(vault.id, head.name)));
    if (policy) b.extra = policy->value;
    return Status::Ok();
  }));
  b.name = head.name;
  b.latest_version = head.latest_version;
  for (std::size_t i = 0; i < versions.size(); ++i) {
    const std::string& version = versions[i].properties.version;
    RecordWriter w;
    w.bytes(kBCertificate, encode_certificate_version(versions[i]));
    if (auto& k = key_versions[i]) {
      COFFER_ASSIGN_OR_RETURN(SecureString priv, keyring_.open(vault.id, vault.wrapped_kek, k->sealed_key,
                                                               keys::key_ad(vault.id, name, version)));
      k->sealed_key = priv.str();  // in clear inside the backup, sealed as a whole
      std::string encoded = encode_key_version(*k);
      w.bytes(kBKey, encoded);
      secure_wipe(encoded.data(), encoded.size());
      secure_wipe(k->sealed_key.data(), k->sealed_key.size());
    }
    if (auto& sv = secret_versions[i]) {
      COFFER_ASSIGN_OR_RETURN(SecureString value, keyring_.open(vault.id, vault.wrapped_kek, sv->sealed_value,
                                                                keys::secret_ad(vault.id, name, version)));
      sv->sealed_value = value.str();
      std::string encoded = encode_version(*sv);
      w.bytes(kBSecret, encoded);
      secure_wipe(encoded.data(), encoded.size());
      secure_wipe(sv->sealed_value.data(), sv->sealed_value.size());
    }
    b.versions[version] = w.take();
  }
  return seal_backup(keyring_, "certificate", b);
}

Result<Certificate> CertificateService::restore(const VaultInfo& vault, const std::string& blob) {
  COFFER_ASSIGN_OR_RETURN(ObjectBackup b, open_backup(keyring_, "certificate", blob));
  if (!valid_name(b.name) || !b.extra) return bad("Backup blob contains invalid or corrupt version.");
  COFFER_ASSIGN_OR_RETURN(CertificatePolicy policy, decode_certificate_policy(*b.extra));
  std::vector<LinkedVersion> versions;
  for (auto& [version, encoded] : b.versions) {
    auto r = RecordReader::parse(encoded);
    if (!r || !valid_version_id(version)) return bad("Backup blob is corrupt.");
    LinkedVersion v;
    COFFER_ASSIGN_OR_RETURN(v.certificate, decode_certificate_version(r->bytes(kBCertificate)));
    if (v.certificate.properties.version != version) return bad("Backup blob is corrupt.");
    if (r->has(kBKey)) {
      std::string plain = r->bytes(kBKey);
      auto key = decode_key_version(plain);
      secure_wipe(plain.data(), plain.size());
      if (!key.ok()) return bad("Backup blob is corrupt.");
      SecureString priv(std::move(key->sealed_key));
      COFFER_ASSIGN_OR_RETURN(key->sealed_key, keyring_.seal(vault.id, vault.wrapped_kek, priv.view(),
                                                             keys::key_ad(vault.id, b.name, version)));
      v.key = std::move(*key);
    }
    if (r->has(kBSecret)) {
      std::string plain = r->bytes(kBSecret);
      auto secret = decode_version(plain);
      secure_wipe(plain.data(), plain.size());
      if (!secret.ok()) return bad("Backup blob is corrupt.");
      SecureString value(std::move(secret->sealed_value));
      COFFER_ASSIGN_OR_RETURN(secret->sealed_value, keyring_.seal(vault.id, vault.wrapped_kek, value.view(),
                                                                  keys::secret_ad(vault.id, b.name, version)));
      v.secret = std::move(*secret);
    }
    versions.push_back(std::move(v));
  }
  Certificate out;
  COFFER_RETURN_IF_ERROR(store_.write([&](store::WriteTxn& txn) -> Status {
    COFFER_RETURN_IF_ERROR(kCerts.check_name_free(txn, vault, b.name));
    COFFER_ASSIGN_OR_RETURN(auto key_head, kKeys.load_head(txn, vault, b.name));
    if (key_head) return name_taken(key_head->name, "key");
    COFFER_ASSIGN_OR_RETURN(auto secret_head, kSecrets.load_head(txn, vault, b.name));
    if (secret_head) return name_taken(secret_head->name, "secret");
    bool has_latest = false;
    bool any_key = false, any_secret = false;
    for (const auto& v : versions) {
      COFFER_RETURN_IF_ERROR(kCerts.put_version(txn, vault, b.name, v.certificate));
      if (!v.key.sealed_key.empty()) {
        COFFER_RETURN_IF_ERROR(kKeys.put_version(txn, vault, b.name, v.key));
        any_key = true;
      }
      if (v.secret) {
        COFFER_RETURN_IF_ERROR(kSecrets.put_version(txn, vault, b.name, *v.secret));
        any_secret = true;
      }
      if (v.certificate.properties.version == b.latest_version) {
        out.properties = v.certificate.properties;
        has_latest = true;
      }
    }
    if (!has_latest) return bad("Backup blob is corrupt.");
    out.properties.name = b.name;
    out.policy = policy;
    COFFER_RETURN_IF_ERROR(kCerts.put_head(txn, vault, ObjectHead{b.name, b.latest_version, std::nullopt, false}));
    if (any_key) {
      COFFER_RETURN_IF_ERROR(kKeys.put_head(txn, vault, ObjectHead{b.name, b.latest_version, std::nullopt, true}));
    }
    if (any_secret) {
      // The newest version that has a secret (a pending latest version has none yet).
      std::string latest_secret;
      int64_t newest = 0;
      for (const auto& v : versions) {
        const auto& p = v.certificate.properties;
        if (v.secret && (latest_secret.empty() || p.attributes.created > newest || p.version == b.latest_version)) {
          latest_secret = p.version;
          newest = p.version == b.latest_version ? INT64_MAX : p.attributes.created;
        }
      }
      COFFER_RETURN_IF_ERROR(kSecrets.put_head(txn, vault, ObjectHead{b.name, latest_secret, std::nullopt, true}));
    }
    return txn.put(keys::cert_policy(vault.id, b.name), *b.extra);
  }));
  return out;
}

Result<Certificate> CertificateService::get(const VaultInfo& vault, const std::string& name,
                                            const std::string& version) {
  if (!valid_name(name) || (!version.empty() && !valid_version_id(version))) {
    return kCerts.not_found(version.empty() ? name : name + "/" + version);
  }
  Certificate out;
  COFFER_RETURN_IF_ERROR(store_.read([&](store::ReadTxn& txn) -> Status {
    COFFER_ASSIGN_OR_RETURN(CertificateVersionRecord rec, kCerts.live_version(txn, vault, name, version));
    out.properties = std::move(rec.properties);
    COFFER_ASSIGN_OR_RETURN(out.policy, load_policy(txn, vault, name));
    return Status::Ok();
  }));
  return out;
}

Result<Page<CertificateProperties>> CertificateService::list(const VaultInfo& vault, const PageRequest& page,
                                                             bool include_pending) {
  Page<CertificateProperties> out;
  COFFER_RETURN_IF_ERROR(store_.read([&](store::ReadTxn& txn) -> Status {
    COFFER_ASSIGN_OR_RETURN(auto latest, kCerts.page_latest(txn, vault, page, false));
    for (auto& [head, rec] : latest.items) {
      if (!include_pending && rec.properties.cer.empty()) continue;
      out.items.push_back(std::move(rec.properties));
    }
    out.next = latest.next;
    return Status::Ok();
  }));
  return out;
}

Result<Page<CertificateProperties>> CertificateService::list_versions(const VaultInfo& vault, const std::string& name,
                                                                      const PageRequest& page) {
  if (!valid_name(name)) return kCerts.not_found(name);
  Page<CertificateProperties> out;
  COFFER_RETURN_IF_ERROR(store_.read([&](store::ReadTxn& txn) -> Status {
    COFFER_ASSIGN_OR_RETURN(auto versions, kCerts.page_versions(txn, vault, name, page));
    for (auto& rec : versions.items) out.items.push_back(std::move(rec.properties));
    out.next = versions.next;
    return Status::Ok();
  }));
  return out;
}

Result<CertificatePolicy> CertificateService::get_policy(const VaultInfo& vault, const std::string& name) {
  if (!valid_name(name)) return kCerts.not_found(name);
  CertificatePolicy out;
  COFFER_RETURN_IF_ERROR(store_.read([&](store::ReadTxn& txn) -> Status {
    COFFER_ASSIGN_OR_RETURN(ObjectHead head, kCerts.live_head(txn, vault, name));
    COFFER_ASSIGN_OR_RETURN(out, load_policy(txn, vault, head.name));
    return Status::Ok();
  }));
  return out;
}

Result<CertificateOperation> CertificateService::get_operation(const VaultInfo& vault, const std::string& name) {
  if (!valid_name(name)) return pending_not_found(name);
  CertificateOperation out;
  COFFER_RETURN_IF_ERROR(store_.read([&](store::ReadTxn& txn) -> Status {
    COFFER_ASSIGN_OR_RETURN(out, load_operation(txn, vault, name));
    return Status::Ok();
  }));
  return out;
}

Result<DeletedCertificate> CertificateService::remove(const VaultInfo& vault, const std::string& name) {
  if (!valid_name(name)) return kCerts.not_found(name);
  DeletedCertificate out;
  COFFER_RETURN_IF_ERROR(store_.write([&](store::WriteTxn& txn) -> Status {
    COFFER_ASSIGN_OR_RETURN(ObjectHead head, kCerts.live_head(txn, vault, name));
    COFFER_ASSIGN_OR_RETURN(auto rec, kCerts.latest(txn, vault, head));
    COFFER_ASSIGN_OR_RETURN(out.certificate.policy, load_policy(txn, vault, head.name));
    const int64_t now = clock_.now();
    COFFER_RETURN_IF_ERROR(kCerts.soft_delete(txn, vault, head, now));
    COFFER_ASSIGN_OR_RETURN(auto key, managed_head(txn, kKeys, vault, name));
    if (key && !key->deletion) COFFER_RETURN_IF_ERROR(kKeys.soft_delete(txn, vault, *key, now));
    COFFER_ASSIGN_OR_RETURN(auto secret, managed_head(txn, kSecrets, vault, name));
    if (secret && !secret->deletion) COFFER_RETURN_IF_ERROR(kSecrets.soft_delete(txn, vault, *secret, now));
    out.certificate.properties = std::move(rec.properties);
    out.deletion = *head.deletion;
    return Status::Ok();
  }));
  return out;
}

Result<DeletedCertificate> CertificateService::get_deleted(const VaultInfo& vault, const std::string& name) {
  if (!valid_name(name)) return kCerts.deleted_not_found(name);
  DeletedCertificate out;
  COFFER_RETURN_IF_ERROR(store_.read([&](store::ReadTxn& txn) -> Status {
    COFFER_ASSIGN_OR_RETURN(ObjectHead head, kCerts.deleted_head(txn, vault, name));
    COFFER_ASSIGN_OR_RETURN(auto rec, kCerts.latest(txn, vault, head));
    COFFER_ASSIGN_OR_RETURN(out.certificate.policy, load_policy(txn, vault, head.name));
    out.certificate.properties = std::move(rec.properties);
    out.deletion = *head.deletion;
    return Status::Ok();
  }));
  return out;
}

Result<Page<DeletedCertificate>> CertificateService::list_deleted(const VaultInfo& vault, const PageRequest& page) {
  Page<DeletedCertificate> out;
  COFFER_RETURN_IF_ERROR(store_.read([&](store::ReadTxn& txn) -> Status {
    COFFER_ASSIGN_OR_RETURN(auto latest, kCerts.page_latest(txn, vault, page, true));
    for (auto& [head, rec] : latest.items) {
      DeletedCertificate d;
      d.certificate.properties = std::move(rec.properties);
      d.deletion = *head.deletion;
      out.items.push_back(std::move(d));
    }
    out.next = latest.next;
    return Status::Ok();
  }));
  return out;
}

Result<Certificate> CertificateService::recover(const VaultInfo& vault, const std::string& name) {
  if (!valid_name(name)) return kCerts.deleted_not_found(name);
  Certificate out;
  COFFER_RETURN_IF_ERROR(store_.write([&](store::WriteTxn& txn) -> Status {
    COFFER_ASSIGN_OR_RETURN(ObjectHead head, kCerts.deleted_head(txn, vault, name));
    COFFER_RETURN_IF_ERROR(kCerts.recover(txn, vault, head));
    COFFER_ASSIGN_OR_RETURN(auto key, managed_head(txn, kKeys, vault, name));
    if (key && key->deletion) COFFER_RETURN_IF_ERROR(kKeys.recover(txn, vault, *key));
    COFFER_ASSIGN_OR_RETURN(auto secret, managed_head(txn, kSecrets, vault, name));
    if (secret && secret->deletion) COFFER_RETURN_IF_ERROR(kSecrets.recover(txn, vault, *secret));
    COFFER_ASSIGN_OR_RETURN(auto rec, kCerts.latest(txn, vault, head));
    out.properties = std::move(rec.properties);
    COFFER_ASSIGN_OR_RETURN(out.policy, load_policy(txn, vault, head.name));
    return Status::Ok();
  }));
  return out;
}

Status CertificateService::purge(const VaultInfo& vault, const std::string& name) {
  if (vault.purge_protection) return ObjectHeads::purge_protected();
  if (!valid_name(name)) return kCerts.deleted_not_found(name);
  return store_.write([&](store::WriteTxn& txn) -> Status {
    COFFER_ASSIGN_OR_RETURN(ObjectHead head, kCerts.deleted_head(txn, vault, name));
    return erase_certificate(txn, vault, head);
  });
}

Result<std::size_t> CertificateService::purge_due(int64_t now) {
  return kCerts.purge_due(store_, now, erase_certificate);
}

Status CertificateService::erase_all(const VaultInfo& vault) {
  return store_.write([&](store::WriteTxn& txn) { return kCerts.erase_all(txn, vault, erase_certificate); });
}

}  // namespace coffer::vault
