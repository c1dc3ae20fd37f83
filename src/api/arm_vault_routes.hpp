// Microsoft.KeyVault on Azure Resource Manager: the vaults of Coffer's one
// model seen as ARM resources, for `az keyvault create|show|list|update|
// delete|purge|recover|set-policy`, the management SDKs and templates.
//   …/resourceGroups/{rg}/providers/Microsoft.KeyVault/vaults[/{name}]     GET, PUT, PATCH, DELETE
//   …/vaults/{name}/accessPolicies/{add|replace|remove}                     PUT
//   /subscriptions/{s}/providers/Microsoft.KeyVault/vaults                   GET
//   …/providers/Microsoft.KeyVault/deletedVaults                             GET
//   …/providers/Microsoft.KeyVault/locations/{l}/deletedVaults/{name}[/purge]  GET, POST
//   …/providers/Microsoft.KeyVault/checkNameAvailability                     POST
//   …/providers/Microsoft.KeyVault/managedHSMs                               GET (none)
//   /subscriptions/{s}[/resourceGroups/{rg}]/resources                       GET ($filter on resourceType)
// A vault's ARM id names its resource group; vaults made by Coffer's admin
// API are in the built-in group. Actions are ARM's (Microsoft.KeyVault/…,
// Microsoft.Resources/…) at the vault's Coffer scope ("/vaults/{name}") or
// at "/". Answers are complete at once: no operation is left to poll.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "api/arm_routes.hpp"
#include "api/operation.hpp"
#include "api/target.hpp"
#include "http/message.hpp"

namespace coffer::api {

// `target`'s segments start "subscriptions", "{subscription}" (checked by
// the caller). The operation refers to `req` and `target`.
std::optional<Operation> route_arm_vaults(const http::Request& req, const ParsedTarget& target, const ArmContext& ctx);

}  // namespace coffer::api
