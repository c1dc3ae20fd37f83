#include "vault/certificate_issuers.hpp"

#include <algorithm>
#include <cctype>

#include "vault/certificate_records.hpp"
#include "vault/record_scan.hpp"
#include "vault/store_keys.hpp"

namespace coffer::vault {
namespace {

Status issuer_not_found() {
  // AKV's exact text (recorded traffic; the SDKs' tests compare it).
  return Status(Code::kNotFound, "Issuer not found", "CertificateIssuerNotFound");
}
Status contacts_not_found() { return Status(Code::kNotFound, "Contacts not found", "ContactsNotFound"); }
Status check_issuer_name(const std::string& name) {
  const bool shape = !name.empty() && name.size() <= 127 && std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-';
  });
  if (!shape) return bad_parameter("Issuer names may contain only 0-9, a-z, A-Z and -, up to 127 characters.");
  std::string lower = lower_ascii(name);
  if (lower == "self" || lower == "unknown") return bad_parameter("'" + name + "' is a built-in issuer name.");
  return Status::Ok();
}

Status check_issuer(const CertificateIssuer& i) {
  if (i.provider.empty() || i.provider.size() > 128)
    return bad_parameter("An issuer needs a provider (at most 128 characters).");
  if (i.provider == kCofferIssuerProvider && i.account_id.empty()) {
    return bad_parameter("A Coffer issuer names its CA certificate in credentials.account_id.");
  }
  if (i.admins.size() > 10) return bad_parameter("An issuer can have at most 10 administrators.");
  return Status::Ok();
}

}  // namespace

CertificateIssuerService::CertificateIssuerService(store::Store& store, crypto::Keyring& keyring, const Clock& clock)
    : store_(store), barrier_(keyring), clock_(clock) {}

Result<CertificateIssuer> CertificateIssuerService::set(const VaultInfo& vault, const std::string& name,
                                                        CertificateIssuer issuer) {
  COFFER_RETURN_IF_ERROR(check_issuer_name(name));
  COFFER_RETURN_IF_ERROR(check_issuer(issuer));
  Sealed sealed;
  if (issuer.password) {
    COFFER_ASSIGN_OR_RETURN(sealed, barrier_.seal(vault, ObjectPlace::issuer_password(name), issuer.password->view()));
  }
  const int64_t now = clock_.now();
  COFFER_RETURN_IF_ERROR(store_.write([&](store::WriteTxn& txn) -> Status {
    COFFER_ASSIGN_OR_RETURN(auto old, txn.get(keys::cert_issuer(vault.id, name)));
    issuer.name = name;
    issuer.created = now;
    if (old) {
      COFFER_ASSIGN_OR_RETURN(CertificateIssuer prev, decode_certificate_issuer(old->value, nullptr));
      issuer.name = prev.name;
      issuer.created = prev.created;
    }
    issuer.updated = now;
    return txn.put(keys::cert_issuer(vault.id, name), encode_certificate_issuer(issuer, sealed));
  }));
  return issuer;
}

Result<CertificateIssuer> CertificateIssuerService::update(const VaultInfo& vault, const std::string& name,
                                                           const CertificateIssuerPatch& patch) {
  Sealed new_sealed;
  if (patch.password) {
    COFFER_ASSIGN_OR_RETURN(new_sealed,
                            barrier_.seal(vault, ObjectPlace::issuer_password(name), patch.password->view()));
  }
  CertificateIssuer out;
  COFFER_RETURN_IF_ERROR(store_.write([&](store::WriteTxn& txn) -> Status {
    COFFER_ASSIGN_OR_RETURN(auto entry, txn.get(keys::cert_issuer(vault.id, name)));
    if (!entry) return issuer_not_found();
    Sealed sealed;
    COFFER_ASSIGN_OR_RETURN(out, decode_certificate_issuer(entry->value, &sealed));
    if (patch.provider) out.provider = *patch.provider;
    if (patch.account_id) out.account_id = *patch.account_id;
    if (patch.password) sealed = new_sealed;
    if (patch.organization_id) out.organization_id = *patch.organization_id;
    if (patch.admins) out.admins = *patch.admins;
    if (patch.enabled) out.enabled = *patch.enabled;
    COFFER_RETURN_IF_ERROR(check_issuer(out));
    out.updated = clock_.now();
    return txn.put(keys::cert_issuer(vault.id, name), encode_certificate_issuer(out, sealed));
  }));
  return out;
}

Result<CertificateIssuer> CertificateIssuerService::get(const VaultInfo& vault, const std::string& name) {
  CertificateIssuer out;
  COFFER_RETURN_IF_ERROR(store_.read([&](store::ReadTxn& txn) -> Status {
    COFFER_ASSIGN_OR_RETURN(auto entry, txn.get(keys::cert_issuer(vault.id, name)));
    if (!entry) return issuer_not_found();
    COFFER_ASSIGN_OR_RETURN(out, decode_certificate_issuer(entry->value, nullptr));
    return Status::Ok();
  }));
  return out;
}

Result<std::vector<CertificateIssuer>> CertificateIssuerService::list(const VaultInfo& vault) {
  std::vector<CertificateIssuer> out;
  COFFER_RETURN_IF_ERROR(store_.read([&](store::ReadTxn& txn) -> Status {
    return for_each_entry(txn, keys::cert_issuer_prefix(vault.id), [&](const store::Entry& e) -> Status {
      COFFER_ASSIGN_OR_RETURN(CertificateIssuer i, decode_certificate_issuer(e.value, nullptr));
      out.push_back(std::move(i));
      return Status::Ok();
    });
  }));
  return out;
}

Result<CertificateIssuer> CertificateIssuerService::remove(const VaultInfo& vault, const std::string& name) {
  CertificateIssuer out;
  COFFER_RETURN_IF_ERROR(store_.write([&](store::WriteTxn& txn) -> Status {
    COFFER_ASSIGN_OR_RETURN(auto entry, txn.get(keys::cert_issuer(vault.id, name)));
    if (!entry) return issuer_not_found();
    COFFER_ASSIGN_OR_RETURN(out, decode_certificate_issuer(entry->value, nullptr));
    return txn.erase(keys::cert_issuer(vault.id, name));
  }));
  return out;
}

Result<std::vector<CertificateContact>> CertificateIssuerService::get_contacts(const VaultInfo& vault) {
  std::vector<CertificateContact> out;
  COFFER_RETURN_IF_ERROR(store_.read([&](store::ReadTxn& txn) -> Status {
    COFFER_ASSIGN_OR_RETURN(auto entry, txn.get(keys::cert_contacts(vault.id)));
    if (!entry) return contacts_not_found();
    COFFER_ASSIGN_OR_RETURN(out, decode_certificate_contacts(entry->value));
    return Status::Ok();
  }));
  return out;
}

Result<std::vector<CertificateContact>> CertificateIssuerService::set_contacts(
    const VaultInfo& vault, std::vector<CertificateContact> contacts) {
  if (contacts.size() > 50) return bad_parameter("A vault can have at most 50 certificate contacts.");
  for (const auto& c : contacts) {
    if (c.email.empty() || c.email.find('@') == std::string::npos || c.email.size() > 254) {
      return bad_parameter("Each contact needs a valid email address.");
    }
  }
  COFFER_RETURN_IF_ERROR(store_.write([&](store::WriteTxn& txn) {
    return txn.put(keys::cert_contacts(vault.id), encode_certificate_contacts(contacts));
  }));
  return contacts;
}

Result<std::vector<CertificateContact>> CertificateIssuerService::delete_contacts(const VaultInfo& vault) {
  std::vector<CertificateContact> out;
  COFFER_RETURN_IF_ERROR(store_.write([&](store::WriteTxn& txn) -> Status {
    COFFER_ASSIGN_OR_RETURN(auto entry, txn.get(keys::cert_contacts(vault.id)));
    if (!entry) return contacts_not_found();
    COFFER_ASSIGN_OR_RETURN(out, decode_certificate_contacts(entry->value));
    return txn.erase(keys::cert_contacts(vault.id));
  }));
  return out;
}

}  // namespace coffer::vault
