// Dev mode's first-start set-up, reused on every later start: under the data
// directory a root key file (0600), a local CA and server certificate
// (tls/), and, in the store, the admin service principal (with its role
// assignments) and the `dev` vault. After the server is listening, dev.json
// records how to reach it (tenantId, clientId, clientSecret, authorityHost,
// caFile, vaultUrl with the port actually bound) and the matching shell
// exports are printed.
// Dev mode is for development only; it says so loudly.
#pragma once

#include <string>

#include "auth/rbac_registry.hpp"
#include "auth/service_principals.hpp"
#include "common/status.hpp"
#include "server/server_config.hpp"
#include "vault/vault_registry.hpp"

namespace coffer::server {

constexpr const char* kDevVault = "dev";

// Creates the root key file and TLS material if missing and points `config`
// at them (and at the `dev` default vault).
Status prepare_dev_files(ServerConfig& config);

struct DevCredentials {
  std::string client_id;
  std::string client_secret;
};

// Ensures the `dev` vault and the admin principal exist, and that the
// principal holds Key Vault Administrator and Coffer Administrator at "/".
// Reuses the principal recorded in dev.json when it still exists in the store.
Result<DevCredentials> ensure_dev_objects(const ServerConfig& config, vault::VaultRegistry& vaults,
                                          auth::ServicePrincipalRegistry& principals, auth::RbacRegistry& rbac);

// Writes dev.json (0600) and prints the exports for the bound port.
Status write_dev_json(const ServerConfig& config, const std::string& tenant_id, const DevCredentials& creds,
                      uint16_t port);

}  // namespace coffer::server
