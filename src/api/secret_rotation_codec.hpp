// JSON of a plain secret's rotation policy (Coffer's extension at
// /secrets/{name}/rotationpolicy, shaped like AKV's key rotation policy;
// EVENTS-SPEC.md §4):
//   {"lifetimeActions": [{"trigger": {"timeAfterCreate": "P30D"}, "action": {"type": "Rotate"}}],
//    "attributes": {"expiryTime": "P45D", "contentType": "text/plain"},
//    "generator": {"type": "password", "length": 32, "excludeCharacters": "…", "excludeNumbers": false,
//                  "excludePunctuation": false, "excludeUppercase": false, "excludeLowercase": false,
//                  "includeSpace": false, "requireEachIncludedType": true}
//                 | {"type": "randomBytes", "length": 32, "encoding": "base64" | "base64url" | "hex"}}
// A missing generator is the default password generator. Wrong types and
// unknown generator types are kBadParameter; the rules across fields are the
// vault layer's (check_secret_rotation_policy).
#pragma once

#include <boost/json.hpp>
#include <string>
#include <string_view>

#include "common/status.hpp"
#include "vault/secret_rotation_policy.hpp"

namespace coffer::api {

Result<vault::SecretRotationPolicy> parse_secret_rotation_policy(std::string_view body);
// `secret_url`: <base>/secrets/<name>.
boost::json::object secret_rotation_policy_json(const std::string& secret_url, const vault::SecretRotationPolicy& p);

}  // namespace coffer::api
