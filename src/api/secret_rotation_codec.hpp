// JSON of a plain secret's rotation policy (Coffer's extension at
// /secrets/{name}/rotationpolicy, shaped like AKV's key rotation policy;
// EVENTS-SPEC.md §4):
//   {"lifetimeActions": [{"trigger": {"timeAfterCreate": "P30D"}, "action": {"type": "Rotate"}}],
//    "attributes": {"expiryTime": "P45D", "contentType": "text/plain"},
//    "generator": {"type": "password", "length": 32, "excludeCharacters": "…", "excludeNumbers": false,
//                  "excludePunctuation": false, "excludeUppercase": false, "excludeLowercase": false,
//                  "includeSpace": false, "requireEachIncludedType": true}
//                 | {"type": "randomBytes", "length": 32, "encoding": "base64" | "base64url" | "hex"}
//                 | {"type": "none"},
//    "rotator": {"endpointUrl": "https://…", "strategy": "single" | "alternating", "rotationTimeout": "PT6H"}}
// A missing generator is the default password generator. Wrong types and
// unknown generator types are kBadParameter; the rules across fields are the
// vault layer's (check_secret_rotation_policy).
// Also: a rotation's status (GET /secrets/{name}/rotation), the JSON body of
// a step posted to an external rotator, and what its answer may carry.
#pragma once

#include <boost/json.hpp>
#include <string>
#include <string_view>

#include "common/status.hpp"
#include "vault/secret_rotation.hpp"
#include "vault/secret_rotation_policy.hpp"

namespace coffer::api {

Result<vault::SecretRotationPolicy> parse_secret_rotation_policy(std::string_view body);
// `secret_url`: <base>/secrets/<name>.
boost::json::object secret_rotation_policy_json(const std::string& secret_url, const vault::SecretRotationPolicy& p);

// {"id": <secret_url>/rotation, "status": "Idle" | "InProgress" | "Failed",
//  "stages": {"CURRENT": v, "PENDING": v, "PREVIOUS": v}, and while one runs
//  "step", "attempts", "started", "nextTry", "deadline" (Unix s), "lastError"}.
boost::json::object rotation_status_json(const std::string& secret_url, const vault::RotationStatus& s);

// {"Step", "SecretId": <secret_url>, "ClientRequestToken": <PENDING version>,
//  "Strategy", "CurrentVersion", "PreviousVersion"?, "CredentialId"?}: names
// and version ids only, never a value (the rotator reads them itself).
std::string rotator_step_body(const vault::RotatorCall& call, const std::string& secret_url);
// A 2xx answer: {"value": "…", "tags": {…}} when it brings them; an empty or
// non-object body brings nothing. Wrong member types are kBadParameter.
Result<vault::RotatorAnswer> parse_rotator_answer(std::string_view body);

}  // namespace coffer::api
