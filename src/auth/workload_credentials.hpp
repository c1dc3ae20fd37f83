// WorkloadCredentialRegistry: the credentials of a service principal other
// than its client secret, as Azure AD keeps them on an application:
//  - federated identity credentials: "tokens from `issuer` whose subject is
//    `subject` and whose audience is one of `audiences` stand for this
//    principal" (Kubernetes workload identity, other OIDC providers);
//  - certificate credentials: "a client assertion signed by this
//    certificate's key stands for this principal".
// Each credential is its own store record under the principal's client id
// ("spcred/<clientId>/fic/<name>", "spcred/<clientId>/cert/<keyId>"); the
// principal's record must exist when a credential is added, and
// ServicePrincipalRegistry::remove() erases them with the principal.
// Only public material is stored. Thread-safe.
#pragma once

#include <string>
#include <vector>

#include "common/clock.hpp"
#include "common/status.hpp"
#include "store/store.hpp"

namespace coffer::auth {

inline constexpr const char* kTokenExchangeAudience = "api://AzureADTokenExchange";
inline constexpr std::size_t kMaxFederatedCredentials = 20;  // Azure's limit per application
inline constexpr std::size_t kMaxCertificateCredentials = 20;

struct FederatedCredential {
  std::string name;                    // 3-120 chars: letters, digits, '-', '_'; starts with a letter or digit
  std::string issuer;                  // https URL, ≤ 600 chars, matched exactly against "iss"
  std::string subject;                 // ≤ 600 chars, matched exactly against "sub"
  std::vector<std::string> audiences;  // 1-10 values; empty on input = [kTokenExchangeAudience]
  std::string description;             // optional, ≤ 600 chars
  int64_t created = 0;
};

struct CertificateCredential {
  std::string key_id;      // GUID assigned when added
  std::string thumbprint;  // SHA-1 of the DER, upper-case hex (as Azure shows customKeyIdentifier)
  std::string x5t;         // base64url SHA-1
  std::string x5t_s256;    // base64url SHA-256
  std::string subject;
  int64_t not_before = 0;
  int64_t not_after = 0;
  int64_t created = 0;
  std::string der;  // the certificate
};

// The principal's record key (see service_principals.cpp), checked inside
// every credential write so no credential outlives a deleted principal.
std::string service_principal_record_key(const std::string& client_id);
// The prefix under which every credential of `client_id` lives.
std::string credential_prefix(const std::string& client_id);

class WorkloadCredentialRegistry {
 public:
  WorkloadCredentialRegistry(store::Store& store, const Clock& clock);

  // kBadParameter for invalid fields or when the principal already has
  // kMaxFederatedCredentials; kConflict for a name in use or an issuer and
  // subject pair already registered (Azure refuses both); kNotFound when
  // the principal does not exist.
  Result<FederatedCredential> add_federated(const std::string& client_id, FederatedCredential credential);
  Result<std::vector<FederatedCredential>> list_federated(const std::string& client_id);
  Result<FederatedCredential> find_federated(const std::string& client_id, const std::string& name);
  Status remove_federated(const std::string& client_id, const std::string& name);

  // Registers the certificate (PEM or DER; only the certificate is kept).
  // kBadParameter for unreadable input, an expired certificate or a key
  // that cannot sign assertions; kConflict when it is already registered.
  Result<CertificateCredential> add_certificate(const std::string& client_id, std::string_view pem_or_der);
  Result<std::vector<CertificateCredential>> list_certificates(const std::string& client_id);
  // `id`: the keyId, or the SHA-1 thumbprint in hex (any case).
  Status remove_certificate(const std::string& client_id, const std::string& id);

 private:
  store::Store& store_;
  const Clock& clock_;
};

}  // namespace coffer::auth
