// Routes of the AKV secrets surface (/secrets…, /deletedsecrets…) to
// Operations on the SecretService. Returns nullopt when no route matches.
#pragma once

#include <optional>

#include "api/operation.hpp"
#include "vault/secret_service.hpp"

namespace coffer::api {

std::optional<Operation> route_secret_operation(const VaultRequest& req, vault::SecretService& secrets);

}  // namespace coffer::api
