// JSON ⇄ domain for the AKV secrets surface (SecretBundle, SecretItem,
// DeletedSecretBundle, DeletedSecretItem and the set/update bodies).
// Parsers reject wrong JSON types with kBadParameter and ignore unknown
// fields, as AKV does. Ids are absolute URLs on `base` (https://host[:port]).
#pragma once

#include <boost/json/object.hpp>
#include <string>

#include "common/status.hpp"
#include "http/message.hpp"
#include "vault/types.hpp"

namespace coffer::api {

Result<vault::SecretDraft> parse_secret_set(std::string_view body);
Result<vault::SecretPatch> parse_secret_update(std::string_view body);
// The `value` of a restore or similar {"value": "..."} body.
Result<std::string> parse_value_body(std::string_view body);

// A SecretBundle without the value (update answers, deleted bundles); `sp`
// as in attributes_json().
boost::json::object secret_bundle(const std::string& base, const vault::VaultInfo& vault,
                                  const vault::SecretProperties& p, boost::json::storage_ptr sp = {});
// The 200 answer carrying a secret's value: the SecretBundle written so that
// the value exists only in the response body, which is marked sensitive
// (the HTTP layer wipes it and its copies once sent).
http::Response secret_value_response(const std::string& base, const vault::VaultInfo& vault, const vault::Secret& s);
boost::json::object secret_item(const std::string& base, const vault::VaultInfo& vault,
                                const vault::SecretProperties& p, bool versioned_id);
boost::json::object deleted_secret_bundle(const std::string& base, const vault::VaultInfo& vault,
                                          const vault::DeletedSecret& d, bool item);

}  // namespace coffer::api
