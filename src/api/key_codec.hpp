// JSON ⇄ domain for the AKV keys surface: KeyBundle, KeyItem,
// DeletedKeyBundle, the create/import/update bodies, the key-operation
// bodies and results, the rotation policy and /rng. Binary members (JWK
// members, values, iv/aad/tag, release-policy data) are base64url without
// padding on output; input accepts them with or without padding. A JWK is
// only ever written with its public members. Parsers reject wrong types or
// missing members with kBadParameter and ignore unknown fields.
#pragma once

#include <boost/json/object.hpp>
#include <string>
#include <string_view>

#include "common/status.hpp"
#include "vault/key_types.hpp"

namespace coffer::api {

// attributes.hsmPlatform of a key held in the PKCS#11 token: AKV answers "2"
// for the HSM-protected keys of a Premium vault.
inline constexpr std::string_view kTokenHsmPlatform = "2";
// attributes.hsmPlatform of an -HSM key made in software (--emulate-hsm
// without a token): its JSON says so.
inline constexpr std::string_view kEmulatedHsmPlatform =
    "none: software-protected key (emulated HSM, coffer server --emulate-hsm)";

Result<vault::KeyDraft> parse_key_create(std::string_view body);
Result<vault::KeyImport> parse_key_import(std::string_view body);
Result<vault::KeyPatch> parse_key_update(std::string_view body);

// {alg, value, iv?, aad?, tag?} (encrypt, decrypt, wrapkey, unwrapkey, sign);
// verify's {alg, digest, value} puts the digest in `digest`.
struct KeyOperationRequest {
  std::string alg;
  std::string value;
  std::string digest;
  std::string iv;
  std::string aad;
  std::string tag;
};
Result<KeyOperationRequest> parse_key_operation(std::string_view body, bool verify);

Result<vault::RotationPolicy> parse_rotation_policy(std::string_view body);
// The lifetimeActions and attributes.expiryTime of a rotation policy object (keys' and secrets').
Result<vault::RotationPolicy> parse_rotation_policy_fields(const boost::json::object& o);
// "P1Y2M3DT4H5M6S", "P2W" → seconds (a month counts 30 days, a year 365).
Result<int64_t> parse_iso_duration(std::string_view text);
// "R/<ISO-8601 time>/<ISO-8601 duration>" into its start (Unix seconds) and
// period (seconds); kBadParameter otherwise.
Status parse_repeat(std::string_view text, int64_t& anchor, int64_t& period);
// {"count": 1..128}
Result<int> parse_rng(std::string_view body);

// kid of a key version: <base>/keys/<name>/<version>.
std::string key_id(const std::string& base, const vault::KeyProperties& p);
boost::json::object key_bundle(const std::string& base, const vault::VaultInfo& vault, const vault::KeyProperties& p);
boost::json::object key_item(const std::string& base, const vault::VaultInfo& vault, const vault::KeyProperties& p,
                             bool versioned_id);
boost::json::object deleted_key_bundle(const std::string& base, const vault::VaultInfo& vault,
                                       const vault::DeletedKey& d, bool item);
// The 200 answer of a key operation: {"kid", "value"} and, with
// `with_cipher_extras` (encrypt), "iv", "tag" and "aad" when set. Written
// directly into the body; a `plaintext` answer (decrypt, unwrapkey) is
// marked sensitive, and no other copy of its value is made.
http::Response key_operation_response(const std::string& base, const std::string& name,
                                      const vault::KeyOperationResult& r, bool with_cipher_extras, bool plaintext);
// The 200 answer of GetRandomBytes, {"value"}: marked sensitive like a
// plaintext (callers make keys of it), written directly into the body.
http::Response random_bytes_response(std::string_view bytes);
// {id: <object_url>/rotationpolicy, lifetimeActions, attributes}; `object_url` is the key's or secret's URL.
boost::json::object rotation_policy_json(const std::string& object_url, const vault::RotationPolicy& p);

}  // namespace coffer::api
