// The admin API for people (auth/users.hpp), under /coffer/admin/users:
//   GET    users                          list → {"value":[…]}
//   POST   users                          create {userName, displayName?, password?} → 201
//                                         (a generated password is in the answer, once)
//   GET    users/{name|objectId}          show
//   DELETE users/{name|objectId}          → 204 (its sessions and refresh tokens stop working)
//   POST   users/{…}/reset-password       {password?} → the user (+ "password" when generated)
//   POST   users/{…}/totp                 enrol → {secret (base32), otpauthUri}, shown once
//   DELETE users/{…}/totp                 → 204
//   POST   users/{…}/unlock               ends a lockout → the user
//   POST   users/{…}/revoke-sign-ins      voids its sessions and refresh tokens → 204
// Actions Coffer/users/read|write|delete at the root scope.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "api/operation.hpp"
#include "auth/users.hpp"

namespace coffer::api {

// `segments` start after "coffer", "admin"; nullopt unless they start with "users".
// `issuer` names the server in otpauth:// URIs (the authenticator app's label).
std::optional<Operation> route_users(const http::Request& req, const std::vector<std::string>& segments,
                                     auth::UserRegistry& users, std::string issuer);

}  // namespace coffer::api
