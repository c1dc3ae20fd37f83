// CertificateIssuerService: a vault's certificate issuer objects and its
// certificate contacts (AKV's /certificates/issuers and
// /certificates/contacts). An issuer's password is sealed under the vault's
// key and never returned. "Self" and "Unknown" are reserved names (AKV's
// built-in issuers). Thread-safe; every mutation is one store transaction.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/clock.hpp"
#include "common/status.hpp"
#include "store/store.hpp"
#include "vault/barrier.hpp"
#include "vault/certificate_types.hpp"

namespace coffer::vault {

// PATCH /certificates/issuers/{name}: the members given replace the stored ones.
struct CertificateIssuerPatch {
  std::optional<std::string> provider;
  std::optional<std::string> account_id;
  std::optional<SecureString> password;
  std::optional<std::string> organization_id;
  std::optional<std::vector<IssuerAdmin>> admins;
  std::optional<bool> enabled;
};

class CertificateIssuerService {
 public:
  CertificateIssuerService(store::Store& store, crypto::Keyring& keyring, const Clock& clock);

  // Creates or replaces (PUT). kBadParameter for a reserved or invalid name
  // or an empty provider.
  Result<CertificateIssuer> set(const VaultInfo& vault, const std::string& name, CertificateIssuer issuer);
  Result<CertificateIssuer> update(const VaultInfo& vault, const std::string& name,
                                   const CertificateIssuerPatch& patch);
  // kNotFound (CertificateIssuerNotFound) when absent.
  Result<CertificateIssuer> get(const VaultInfo& vault, const std::string& name);
  Result<std::vector<CertificateIssuer>> list(const VaultInfo& vault);
  Result<CertificateIssuer> remove(const VaultInfo& vault, const std::string& name);

  // kNotFound (ContactsNotFound) when none are set.
  Result<std::vector<CertificateContact>> get_contacts(const VaultInfo& vault);
  Result<std::vector<CertificateContact>> set_contacts(const VaultInfo& vault,
                                                       std::vector<CertificateContact> contacts);
  Result<std::vector<CertificateContact>> delete_contacts(const VaultInfo& vault);

 private:
  store::Store& store_;
  Barrier barrier_;
  const Clock& clock_;
};

}  // namespace coffer::vault
