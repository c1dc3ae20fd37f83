// Who the CLI is and where the server is, from one of two sources:
//   1. the environment, when AZURE_CLIENT_ID and AZURE_CLIENT_SECRET are both
//      set: AZURE_AUTHORITY_HOST (required then), AZURE_TENANT_ID (GUID or
//      "adfs", default "adfs"); CA file COFFER_CA_FILE, else REQUESTS_CA_BUNDLE,
//      else the system store;
//   2. otherwise <data dir>/dev.json written by `coffer server --dev`
//      (tenantId, clientId, clientSecret, authorityHost, caFile, vaultUrl);
//      COFFER_CA_FILE still overrides caFile.
// The vault DNS suffix is COFFER_VAULT_DNS_SUFFIX, else derived from
// COFFER_VAULT_URL (environment source only), else from dev.json's vaultUrl.
// The client secret lives in a SecureString and is never printed.
#pragma once

#include <string>

#include "common/secure_memory.hpp"
#include "common/status.hpp"

namespace coffer::cli {

struct Credentials {
  std::string tenant_id;  // GUID or "adfs"
  std::string client_id;
  SecureString client_secret;
  std::string authority;     // "https://localhost:8443": no trailing slash, may carry a path
  std::string ca_file;       // empty = system trust store
  std::string vault_suffix;  // "vault.localhost:8443"; empty when unknown
  std::string source;        // "environment" or the dev.json path, for messages
};

// `data_dir` is the --data-dir flag (empty when not given): then
// COFFER_DATA_DIR, else "./coffer-data".
std::string resolve_data_dir(const std::string& data_dir);

// kBadParameter naming what is missing when neither source is usable.
Result<Credentials> load_credentials(const std::string& data_dir);

// The vault DNS suffix, or kBadParameter explaining how to set it.
Result<std::string> require_vault_suffix(const Credentials& creds);

}  // namespace coffer::cli
