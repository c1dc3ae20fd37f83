// The first administrator of a production server. On the first start of a
// store that has no service principal (and outside dev mode), Coffer creates
// one, "coffer-admin", and writes its credentials once to
// <dataDir>/initial-admin.json (0600) — like `vault operator init` printing
// the root token. The operator reads the file, stores the secret elsewhere
// and deletes the file. Later starts do nothing.
#pragma once

#include "auth/service_principals.hpp"
#include "common/status.hpp"
#include "server/server_config.hpp"

namespace coffer::server {

// Returns the principal created now, or nullopt if principals already existed.
Result<std::optional<auth::Principal>> ensure_initial_admin(const ServerConfig& config,
                                                            auth::ServicePrincipalRegistry& principals,
                                                            const std::string& tenant_id);

}  // namespace coffer::server
