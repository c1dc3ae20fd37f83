// ServerIdentity: the server-wide identity state created once and reused on
// every start: the tenant id (a GUID) and the token-signing key. The key is
// kept in the store only sealed under the root key ("config/signing-key");
// the tenant id in clear ("config/tenant").
#pragma once

#include <string>

#include "common/status.hpp"
#include "crypto/keyring.hpp"
#include "crypto/signing_key.hpp"
#include "store/store.hpp"

namespace coffer::auth {

struct ServerIdentity {
  std::string tenant_id;
  crypto::SigningKey signing_key;
};

// Loads the identity, creating what is missing.
Result<ServerIdentity> load_or_create_server_identity(store::Store& store, crypto::Keyring& keyring);
// The record holding the sealed token-signing key; its associated data is its name.
inline constexpr std::string_view kSigningKeyRecord = "config/signing-key";

}  // namespace coffer::auth
