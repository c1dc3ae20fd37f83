// ServicePrincipalRegistry: the tenant's applications that may obtain tokens
// with the OAuth2 client-credentials grant. A principal has a client id and
// an object id (GUIDs), a display name and one client secret, kept only as
// an Argon2id hash. Generated secrets are returned once and never stored.
// Thread-safe.
#pragma once

#include <string>
#include <vector>

#include "auth/principal.hpp"
#include "common/clock.hpp"
#include "common/secure_memory.hpp"
#include "common/status.hpp"
#include "store/store.hpp"

namespace coffer::auth {

struct NewCredential {
  Principal principal;
  SecureString client_secret;
};

class ServicePrincipalRegistry {
 public:
  ServicePrincipalRegistry(store::Store& store, const Clock& clock, std::string tenant_id);

  // Display names: 1–120 printable characters.
  Result<NewCredential> create(const std::string& display_name);
  // kUnauthorized (without saying which part was wrong) unless the secret matches.
  Result<Principal> authenticate(const std::string& client_id, std::string_view client_secret);
  Result<Principal> find(const std::string& client_id);
  Result<std::vector<Principal>> list();
  Status remove(const std::string& client_id);
  // Replaces the client secret; the old one stops working at once.
  Result<SecureString> reset_secret(const std::string& client_id);

 private:
  store::Store& store_;
  const Clock& clock_;
  std::string tenant_id_;
};

}  // namespace coffer::auth
