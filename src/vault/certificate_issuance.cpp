#include "vault/certificate_service.hpp"

#include <algorithm>
#include <cstdint>

#include "common/base64.hpp"
#include "crypto/certificate_chain.hpp"
#include "crypto/certificate_issue.hpp"
#include "crypto/pem_bundle.hpp"
#include "crypto/pkcs12.hpp"
#include "crypto/random.hpp"
#include "vault/certificate_links.hpp"
#include "vault/certificate_records.hpp"
#include "vault/idempotency.hpp"
#include "vault/record_scan.hpp"
#include "vault/store_keys.hpp"
#include "vault/version_ids.hpp"

namespace coffer::vault {
using namespace certificate_links;
namespace {

constexpr std::string_view kMergeDetails = "Pending certificate created. Please Perform Merge to complete the request.";
constexpr std::string_view kWaitDetails =
    "Pending certificate created. Certificate request is in progress. This may take some time based on the issuer "
    "provider. Please check again later.";

Result<crypto::KeyMaterial> new_key(const CertificateKeyProps& k) {
  if (k.kty.rfind("RSA", 0) == 0) return crypto::KeyMaterial::generate_rsa(k.key_size);
  return crypto::KeyMaterial::generate_ec(k.crv);
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
Result<std::optional<CofferSigner>> load_signer(store::Store& store, const Barrier& barrier, const VaultInfo& vault,
                                                const std::string& issuer_name, int64_t now) {
  std::optional<CertificateIssuer> issuer;
  std::optional<CertificateVersionRecord> ca;
  std::optional<KeyVersionRecord> ca_key;
  std::optional<SecretVersionRecord> ca_secret;
  COFFER_RETURN_IF_ERROR(store.read([&](store::ReadTxn& txn) -> Status {
    COFFER_ASSIGN_OR_RETURN(auto entry, txn.get(keys::cert_issuer(vault.id, issuer_name)));
    if (!entry) return bad_parameter("The issuer '" + issuer_name + "' does not exist in this vault.");
    COFFER_ASSIGN_OR_RETURN(issuer, decode_certificate_issuer(entry->value, nullptr));
    if (issuer->provider != kCofferIssuerProvider) return Status::Ok();
    auto rec = kCerts.live_version(txn, vault, issuer->account_id, "");
    if (!rec.ok()) {
      return bad_parameter("The CA certificate '" + issuer->account_id + "' of issuer '" + issuer_name +
                           "' does not exist.");
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
  if (!issuer->enabled) return bad_parameter("The issuer '" + issuer_name + "' is disabled.");
  const auto& cp = ca->properties;
  if (cp.cer.empty() || !cp.attributes.enabled || !ca_key) {
    return bad_parameter("The CA certificate '" + issuer->account_id + "' is not issued or not enabled.");
  }
  if (cp.attributes.expires && now >= *cp.attributes.expires) {
    return bad_parameter("The CA certificate '" + issuer->account_id + "' has expired.");
  }
  COFFER_ASSIGN_OR_RETURN(crypto::Certificate certificate, crypto::Certificate::from_der(cp.cer));
  if (!certificate.is_ca()) {
    return bad_parameter("The certificate '" + issuer->account_id +
                         "' is not a CA (its policy needs basic constraints CA).");
  }
  COFFER_ASSIGN_OR_RETURN(SecureString priv,
                          barrier.open(vault, ObjectPlace::key_version(cp.name, cp.version), ca_key->sealed_key));
  COFFER_ASSIGN_OR_RETURN(crypto::KeyMaterial key, crypto::KeyMaterial::from_sealed_bytes(priv.view()));
  // The CA's own chain (in its secret) goes after it, so an intermediate's
  // leaves carry the full chain.
  std::vector<crypto::Certificate> chain{certificate};
  if (ca_secret) {
    COFFER_ASSIGN_OR_RETURN(SecureString value, barrier.open(vault, ObjectPlace::secret_version(cp.name, cp.version),
                                                             ca_secret->sealed_value));
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

Result<CertificateOperation> CertificateService::create(const VaultInfo& vault, const std::string& name,
                                                        const CertificateDraft& draft) {
  if (!valid_name(name)) {
    return bad_parameter("The request URI contains an invalid name: " + name +
                         ". Certificate names may contain only 0-9, a-z, A-Z and -, up to 127 characters.");
  }
  COFFER_RETURN_IF_ERROR(check_certificate_policy(draft.policy));
  if (draft.tags.size() > kMaxCertificateTags) return bad_parameter("A certificate can have at most 15 tags.");
  CertificatePolicy policy = draft.policy;
  policy.created = clock_.now();
  policy.updated = policy.created;
  COFFER_ASSIGN_OR_RETURN(crypto::KeyMaterial material, new_key(policy.key));
  return issue_version(vault, name, policy, draft.enabled, draft.tags, draft.preserve_cert_order, std::move(material),
                       draft.idempotency_key);
}

Result<CertificateOperation> CertificateService::issue_version(
    const VaultInfo& vault, const std::string& name, const CertificatePolicy& policy, bool enabled, const Tags& tags,
    std::optional<bool> preserve_cert_order, crypto::KeyMaterial material, const std::string& idempotency_key) {
  const int64_t now = clock_.now();
  LinkedVersion v;
  auto& cp = v.certificate.properties;
  cp.version = new_object_version_id();
  cp.tags = tags;
  cp.preserve_cert_order = preserve_cert_order;
  cp.content_type = policy.content_type;
  cp.attributes.created = now;
  cp.attributes.updated = now;

  CertificateOperation op;
  op.version = cp.version;
  op.issuer = policy.issuer;
  op.request_id = crypto::new_version_id();
  op.preserve_cert_order = preserve_cert_order;

  std::optional<crypto::Certificate> issued;
  std::vector<crypto::Certificate> chain;
  std::optional<CofferSigner> signer;
  if (policy.issuer != kSelfIssuer && policy.issuer != kUnknownIssuer) {
    COFFER_ASSIGN_OR_RETURN(signer, load_signer(store_, barrier_, vault, policy.issuer, now));
  }
  if (policy.issuer == kSelfIssuer || signer) {
    COFFER_ASSIGN_OR_RETURN(
        issued, crypto::issue_certificate(material, policy.x509, now, signer ? &signer->certificate : nullptr,
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

  COFFER_ASSIGN_OR_RETURN(v.key, key_record(barrier_, vault, name, cp.version, material, policy, cp.attributes));
  if (issued) {
    COFFER_ASSIGN_OR_RETURN(v.secret,
                            secret_record(barrier_, vault, name, cp.version, material, chain, policy, cp.attributes));
  }
  std::optional<CertificateOperation> replayed;
  COFFER_RETURN_IF_ERROR(store_.write([&](store::WriteTxn& txn) -> Status {
    replayed.reset();
    COFFER_ASSIGN_OR_RETURN(auto made, recorded_version(txn, vault, idempotency_key));
    if (made) {  // this request already started its version: answer with that operation
      COFFER_ASSIGN_OR_RETURN(replayed, load_operation(txn, vault, name));
      return Status::Ok();
    }
    COFFER_RETURN_IF_ERROR(write_linked(txn, vault, name, v, policy, op));
    return record_version(txn, vault, idempotency_key, cp.version, now);
  }));
  if (replayed) return std::move(*replayed);
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
    COFFER_ASSIGN_OR_RETURN(
        SecureString priv,
        barrier_.open(vault, ObjectPlace::key_version(name, latest.properties.version), key->sealed_key));
    COFFER_ASSIGN_OR_RETURN(crypto::KeyMaterial material, crypto::KeyMaterial::from_sealed_bytes(priv.view()));
    return issue_version(vault, latest.properties.name, policy, true, latest.properties.tags,
                         latest.properties.preserve_cert_order, std::move(material));
  }
  COFFER_ASSIGN_OR_RETURN(crypto::KeyMaterial material, new_key(policy.key));
  return issue_version(vault, latest.properties.name, policy, true, latest.properties.tags,
                       latest.properties.preserve_cert_order, std::move(material));
}

Result<Certificate> CertificateService::import(const VaultInfo& vault, const std::string& name,
                                               const CertificateImport& im) {
  if (!valid_name(name)) {
    return bad_parameter("The request URI contains an invalid name: " + name +
                         ". Certificate names may contain only 0-9, a-z, A-Z and -, up to 127 characters.");
  }
  if (im.tags.size() > kMaxCertificateTags) return bad_parameter("A certificate can have at most 15 tags.");
  COFFER_ASSIGN_OR_RETURN(crypto::KeyAndChain bundle, im.pem
                                                          ? crypto::parse_pem_bundle(im.value.view())
                                                          : crypto::parse_pkcs12(im.value.view(), im.password.view()));
  if (!bundle.key) return bad_parameter("The certificate to import must contain its private key.");
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
  cp.name = name;
  cp.version = new_object_version_id();
  cp.tags = im.tags;
  cp.preserve_cert_order = im.preserve_cert_order;
  cp.content_type = policy.content_type;
  cp.attributes.created = now;
  cp.attributes.updated = now;
  set_issued(cp, leaf, im.enabled);
  COFFER_ASSIGN_OR_RETURN(v.key, key_record(barrier_, vault, name, cp.version, *bundle.key, policy, cp.attributes));
  COFFER_ASSIGN_OR_RETURN(
      v.secret, secret_record(barrier_, vault, name, cp.version, *bundle.key, bundle.chain, policy, cp.attributes));
  CertificateOperation op{cp.version,  policy.issuer, "", false, "completed", "", crypto::new_version_id(),
                          std::nullopt};
  std::optional<Certificate> replayed;
  COFFER_RETURN_IF_ERROR(store_.write([&](store::WriteTxn& txn) -> Status {
    replayed.reset();
    COFFER_ASSIGN_OR_RETURN(auto made, recorded_version(txn, vault, im.idempotency_key));
    if (made) {  // this request already imported its version: answer with that one
      COFFER_ASSIGN_OR_RETURN(ObjectHead head, kCerts.live_head(txn, vault, name));
      COFFER_ASSIGN_OR_RETURN(auto rec, kCerts.load_version(txn, vault, head, *made));
      if (!rec) return kCerts.not_found(name + "/" + *made);
      rec->properties.name = head.name;
      COFFER_ASSIGN_OR_RETURN(CertificatePolicy stored, load_policy(txn, vault, head.name));
      replayed = Certificate{rec->properties, stored};
      return Status::Ok();
    }
    COFFER_RETURN_IF_ERROR(write_linked(txn, vault, name, v, policy, op));
    return record_version(txn, vault, im.idempotency_key, cp.version, now);
  }));
  if (replayed) return std::move(*replayed);
  return Certificate{cp, policy};
}

Result<Certificate> CertificateService::merge(const VaultInfo& vault, const std::string& name,
                                              const std::vector<std::string>& x5c_der, const CertificatePatch& patch) {
  if (!valid_name(name)) return pending_not_found(name);
  if (x5c_der.empty()) return bad_parameter("Property 'x5c' must hold the signed certificate (and its chain).");
  std::vector<crypto::Certificate> certs;
  for (const auto& der : x5c_der) {
    COFFER_ASSIGN_OR_RETURN(crypto::Certificate c, crypto::Certificate::from_der(der));
    certs.push_back(std::move(c));
  }
  COFFER_ASSIGN_OR_RETURN(std::vector<crypto::Certificate> chain, crypto::order_chain(std::move(certs)));
  if (patch.tags && patch.tags->size() > kMaxCertificateTags)
    return bad_parameter("A certificate can have at most 15 tags.");
  Certificate out;
  COFFER_RETURN_IF_ERROR(store_.write([&](store::WriteTxn& txn) -> Status {
    COFFER_ASSIGN_OR_RETURN(CertificateOperation op, load_operation(txn, vault, name));
    if (op.status != "inProgress") return pending_not_found(name);
    COFFER_ASSIGN_OR_RETURN(ObjectHead head, kCerts.live_head(txn, vault, name));
    COFFER_ASSIGN_OR_RETURN(CertificateVersionRecord rec, kCerts.live_version(txn, vault, name, op.version));
    COFFER_ASSIGN_OR_RETURN(ObjectHead key_head, kKeys.live_head(txn, vault, name));
    COFFER_ASSIGN_OR_RETURN(auto key, kKeys.load_version(txn, vault, key_head, op.version));
    if (!key) return Status(Code::kInternal, "certificate " + name + " has no key for its pending version");
    COFFER_ASSIGN_OR_RETURN(SecureString priv,
                            barrier_.open(vault, ObjectPlace::key_version(name, op.version), key->sealed_key));
    COFFER_ASSIGN_OR_RETURN(crypto::KeyMaterial material, crypto::KeyMaterial::from_sealed_bytes(priv.view()));
    if (!chain.front().public_key_matches(material)) {
      return bad_parameter("The public key of the merged certificate does not match the key of the pending request.");
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
    COFFER_ASSIGN_OR_RETURN(v.secret,
                            secret_record(barrier_, vault, name, op.version, material, chain, policy, cp.attributes));
    op.status = "completed";
    op.status_details.clear();
    COFFER_RETURN_IF_ERROR(write_linked(txn, vault, head.name, v, policy, op));
    out = Certificate{cp, policy};
    return Status::Ok();
  }));
  return out;
}

}  // namespace coffer::vault
