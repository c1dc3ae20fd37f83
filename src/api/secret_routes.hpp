// Routes of the AKV secrets surface (/secrets…, /deletedsecrets…) to
// Operations on the SecretService, and Coffer's secret rotation extension
// (GET|PUT /secrets/{name}/rotationpolicy, POST /secrets/{name}/rotate) to
// SecretRotation when given one. Returns nullopt when no route matches.
#pragma once

#include <optional>

#include "api/operation.hpp"
#include "vault/secret_rotation.hpp"
#include "vault/secret_service.hpp"

namespace coffer::api {

std::optional<Operation> route_secret_operation(const VaultRequest& req, vault::SecretService& secrets,
                                                vault::SecretRotation* rotation);

}  // namespace coffer::api
