#include "auth/server_identity.hpp"

#include "crypto/random.hpp"

namespace coffer::auth {
namespace {

constexpr std::string_view kTenantKey = "config/tenant";

}  // namespace

Result<ServerIdentity> load_or_create_server_identity(store::Store& store, crypto::Keyring& keyring) {
  COFFER_ASSIGN_OR_RETURN(auto tenant, store::read_value(store, kTenantKey));
  if (!tenant) {
    COFFER_ASSIGN_OR_RETURN(tenant, store::put_once(store, kTenantKey, crypto::new_guid()));
  }
  COFFER_ASSIGN_OR_RETURN(auto sealed, store::read_value(store, kSigningKeyRecord));
  if (!sealed) {
    COFFER_ASSIGN_OR_RETURN(crypto::SigningKey fresh, crypto::SigningKey::generate());
    SecureString pem = fresh.private_pem();
    if (pem.empty()) return Status(Code::kInternal, "cannot export the new token-signing key");
    COFFER_ASSIGN_OR_RETURN(std::string sealed_new, keyring.seal_system(pem.view(), kSigningKeyRecord));
    COFFER_ASSIGN_OR_RETURN(sealed, store::put_once(store, kSigningKeyRecord, sealed_new));
  }
  auto pem = keyring.open_system(*sealed, kSigningKeyRecord);
  if (!pem.ok()) {
    return Status(Code::kUnavailable,
                  "cannot unseal the server's signing key: the root key does not belong to this data directory");
  }
  COFFER_ASSIGN_OR_RETURN(crypto::SigningKey key, crypto::SigningKey::from_private_pem(*pem));
  return ServerIdentity{*tenant, std::move(key)};
}

}  // namespace coffer::auth
