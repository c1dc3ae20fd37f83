// What every data-plane route file shares: an Operation on one of AKV's
// vault data actions, and a service result answered as JSON or as the AKV
// error it carries.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "api/operation.hpp"
#include "api/responses.hpp"
#include "common/status.hpp"

namespace coffer::api {

// `action` relative to "Microsoft.KeyVault/vaults/", e.g. "secrets/getSecret/action".
inline Operation data_operation(std::string name, std::string_view action, std::string scope, std::string object_id,
                                std::function<http::Response()> run) {
  return Operation{std::move(name), "Microsoft.KeyVault/vaults/" + std::string(action), std::move(scope),
                   std::move(object_id), std::move(run)};
}

template <typename T, typename F>
http::Response respond(Result<T> r, F&& to_json, int status = 200) {
  if (!r.ok()) return error_response(r.status());
  return json_response(status, to_json(r.value()));
}

}  // namespace coffer::api
