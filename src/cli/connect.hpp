// Opens an authenticated ServiceClient for a command, from the credentials
// of credentials.hpp: to a vault named by --vault-name, to the vault of a
// full object id (--id), or to Coffer's admin API on the authority.
#pragma once

#include <string>

#include "cli/cli_context.hpp"
#include "cli/endpoints.hpp"
#include "cli/service_client.hpp"

namespace coffer::cli {

// https://<name lower-cased>.<suffix>, token audience https://<suffix>.
Result<ServiceClient> connect_vault(const CliContext& ctx, const std::string& vault_name);
// The id's own origin; audience https://<suffix> when the host ends in the
// configured suffix, else the host minus its first label.
Result<ServiceClient> connect_vault_id(const CliContext& ctx, const ObjectId& id);
// The authority's origin; audience = the authority.
Result<ServiceClient> connect_admin(const CliContext& ctx);
// One request to the admin API, its answer printed (a {"value": [...]} list
// as its array; nothing for an empty answer).
Status call_admin_and_print(const CliContext& ctx, const std::string& method, const std::string& path,
                            const boost::json::value* body);

}  // namespace coffer::cli
