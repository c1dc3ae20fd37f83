#include "vault/certificate_service.hpp"

#include <algorithm>
#include <cctype>

#include "vault/certificate_links.hpp"
#include "vault/certificate_records.hpp"
#include "vault/record_scan.hpp"
#include "vault/store_keys.hpp"

namespace coffer::vault {
using namespace certificate_links;

CertificateService::CertificateService(store::Store& store, crypto::Keyring& keyring, const Clock& clock)
    : store_(store), barrier_(keyring), clock_(clock) {}

bool CertificateService::valid_name(const std::string& name) {
  if (name.empty() || name.size() > 127) return false;
  return std::all_of(name.begin(), name.end(),
                     [](char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-'; });
}

Result<Certificate> CertificateService::update(const VaultInfo& vault, const std::string& name,
                                               const std::string& version, const CertificatePatch& patch) {
  if (!valid_name(name) || (!version.empty() && !valid_version_id(version))) {
    return kCerts.not_found(version.empty() ? name : name + "/" + version);
  }
  if (patch.tags && patch.tags->size() > kMaxCertificateTags)
    return bad_parameter("A certificate can have at most 15 tags.");
  Certificate out;
  COFFER_RETURN_IF_ERROR(store_.write([&](store::WriteTxn& txn) -> Status {
    COFFER_ASSIGN_OR_RETURN(CertificateVersionRecord rec, kCerts.live_version(txn, vault, name, version));
    auto& cp = rec.properties;
    const int64_t now = clock_.now();
    if (patch.tags) cp.tags = *patch.tags;
    if (patch.enabled) {
      if (*patch.enabled && cp.cer.empty())
        return bad_parameter("A certificate that is not issued yet cannot be enabled.");
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
