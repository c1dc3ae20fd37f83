// What every route file shares: an Operation on one of AKV's vault data
// actions or on Coffer's own objects, and a service result answered as JSON
// or as the AKV error it carries.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "api/operation.hpp"
#include "api/responses.hpp"
#include "auth/operation_actions.hpp"
#include "common/status.hpp"

namespace coffer::api {

// `action` relative to "Microsoft.KeyVault/vaults/", e.g. "secrets/getSecret/action".
inline Operation data_operation(std::string name, std::string_view action, std::string scope, std::string object_id,
                                std::function<http::Response()> run) {
  return Operation{std::move(name), "Microsoft.KeyVault/vaults/" + std::string(action), std::move(scope),
                   std::move(object_id), std::move(run)};
}

// An operation on Coffer's own objects (principals, credentials, groups, role
// assignments): its data action is the one auth::action_of maps its name to.
inline Operation coffer_operation(std::string name, std::string scope, std::function<http::Response()> run) {
  std::string action(auth::action_of(name));
  return Operation{std::move(name), std::move(action), std::move(scope), "", std::move(run)};
}

template <typename T, typename F>
http::Response respond(Result<T> r, F&& to_json, int status = 200) {
  if (!r.ok()) return error_response(r.status());
  return json_response(status, to_json(r.value()));
}

}  // namespace coffer::api
