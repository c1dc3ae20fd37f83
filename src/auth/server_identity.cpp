#include "auth/server_identity.hpp"

#include "crypto/random.hpp"

namespace coffer::auth {
namespace {

constexpr std::string_view kTenantKey = "config/tenant";
constexpr std::string_view kSigningKeyKey = "config/signing-key";
constexpr std::string_view kSigningKeyAd = "config/signing-key";

Result<std::optional<std::string>> read_value(store::Store& store, std::string_view key) {
  std::optional<std::string> out;
  COFFER_RETURN_IF_ERROR(store.read([&](store::ReadTxn& txn) -> Status {
    COFFER_ASSIGN_OR_RETURN(auto e, txn.get(key));
    if (e) out = std::move(e->value);
    return Status::Ok();
  }));
  return out;
}

// Stores `value` under `key` unless another writer got there first; returns
// whichever value is stored afterwards.
Result<std::string> put_once(store::Store& store, std::string_view key, const std::string& value) {
  std::string winner = value;
  COFFER_RETURN_IF_ERROR(store.write([&](store::WriteTxn& txn) -> Status {
    COFFER_ASSIGN_OR_RETURN(auto e, txn.get(key));
    if (e) {
      winner = e->value;
      return Status::Ok();
    }
    return txn.put(key, value);
  }));
  return winner;
}

}  // namespace

Result<ServerIdentity> load_or_create_server_identity(store::Store& store, crypto::Keyring& keyring) {
  COFFER_ASSIGN_OR_RETURN(auto tenant, read_value(store, kTenantKey));
  if (!tenant) {
    COFFER_ASSIGN_OR_RETURN(tenant, put_once(store, kTenantKey, crypto::new_guid()));
  }
  COFFER_ASSIGN_OR_RETURN(auto sealed, read_value(store, kSigningKeyKey));
  if (!sealed) {
    COFFER_ASSIGN_OR_RETURN(crypto::SigningKey fresh, crypto::SigningKey::generate());
    SecureString pem = fresh.private_pem();
    if (pem.empty()) return Status(Code::kInternal, "cannot export the new token-signing key");
    COFFER_ASSIGN_OR_RETURN(std::string sealed_new, keyring.seal_system(pem.view(), kSigningKeyAd));
    COFFER_ASSIGN_OR_RETURN(sealed, put_once(store, kSigningKeyKey, sealed_new));
  }
  auto pem = keyring.open_system(*sealed, kSigningKeyAd);
  if (!pem.ok()) {
    return Status(Code::kUnavailable,
                  "cannot unseal the server's signing key: the root key does not belong to this data directory");
  }
  COFFER_ASSIGN_OR_RETURN(crypto::SigningKey key, crypto::SigningKey::from_private_pem(*pem));
  return ServerIdentity{*tenant, std::move(key)};
}

}  // namespace coffer::auth
