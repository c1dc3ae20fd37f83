// Routes of the AKV keys surface (/keys…, /deletedkeys…, /rng) to
// Operations on the KeyService. Fixed path words (create, rotate, backup,
// versions, rotationpolicy, restore) are matched before the {version}
// wildcard. Returns nullopt when no route matches.
#pragma once

#include <optional>

#include "api/operation.hpp"
#include "vault/key_service.hpp"

namespace coffer::api {

std::optional<Operation> route_key_operation(const VaultRequest& req, vault::KeyService& keys);

}  // namespace coffer::api
