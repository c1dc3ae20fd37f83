// Domain values of AKV keys: properties of a key version, what callers may
// create/import/update, results of cryptographic operations and the
// rotation policy. Plain data; no JSON, no HTTP.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "crypto/key_material.hpp"
#include "vault/types.hpp"

namespace coffer::vault {

struct ReleasePolicy {
  std::string content_type = "application/json; charset=utf-8";
  bool immutable = false;
  std::string data;  // raw policy bytes (base64url on the wire)
};

struct KeyProperties {
  std::string name;     // stored spelling
  std::string version;  // 32 hex
  Attributes attributes;
  bool exportable = false;
  std::string kty;                   // as requested: RSA, RSA-HSM, EC, EC-HSM, oct, oct-HSM
  std::vector<std::string> key_ops;  // permitted operations
  Tags tags;
  bool managed = false;
  std::optional<ReleasePolicy> release_policy;
  crypto::Jwk public_key;  // public members only (never d, p, q, dp, dq, qi, k)
  int key_size = 0;        // RSA / oct bits (EC: 0)
  // The HSM token holding the private or secret half (RSA-HSM, EC-HSM,
  // oct-HSM made in a token); empty: the key is sealed in the store.
  std::string hsm_token;
};

struct DeletedKey {
  KeyProperties properties;  // of the latest version
  DeletionInfo deletion;
};

// POST /keys/{name}/create.
struct KeyDraft {
  std::string kty;  // RSA, EC, oct (+ -HSM)
  std::optional<int> key_size;
  std::optional<uint64_t> public_exponent;
  std::optional<std::string> crv;
  std::optional<std::vector<std::string>> key_ops;  // default: every op fitting the type
  bool enabled = true;
  std::optional<int64_t> not_before;
  std::optional<int64_t> expires;
  bool exportable = false;
  Tags tags;
  std::optional<ReleasePolicy> release_policy;
  std::string idempotency_key;  // vault/idempotency.hpp; empty = not identified
};

// PUT /keys/{name}: a private JWK plus the same metadata.
struct KeyImport {
  crypto::Jwk jwk;
  bool hsm = false;
  std::optional<std::vector<std::string>> key_ops;
  bool enabled = true;
  std::optional<int64_t> not_before;
  std::optional<int64_t> expires;
  bool exportable = false;
  Tags tags;
  std::optional<ReleasePolicy> release_policy;
  std::string idempotency_key;  // vault/idempotency.hpp; empty = not identified
};

// PATCH /keys/{name}/{version}; unset fields stay as they are.
struct KeyPatch {
  std::optional<std::vector<std::string>> key_ops;
  std::optional<bool> enabled;
  std::optional<std::optional<int64_t>> not_before;
  std::optional<std::optional<int64_t>> expires;
  std::optional<bool> exportable;
  std::optional<Tags> tags;
  std::optional<ReleasePolicy> release_policy;
};

// What a cryptographic operation produced, and with which version.
struct KeyOperationResult {
  std::string version;
  SecureString value;  // ciphertext, plaintext, signature, wrapped/unwrapped key
  std::string iv;
  std::string tag;
  std::string aad;
  bool verified = false;  // verify only
};

// A rotation policy. Durations are kept as the client's ISO-8601 text and
// as seconds (months count 30 days, years 365).
struct LifetimeAction {
  std::string action;  // "Rotate" / "Notify" in the client's casing
  std::optional<std::string> time_after_create;
  std::optional<std::string> time_before_expiry;
  int64_t after_create_seconds = 0;
  int64_t before_expiry_seconds = 0;
  // Coffer's secret rotation only: "R/<anchor>/<period>" (ISO-8601), due at
  // anchor + k × period (EVENTS-SPEC.md §4), read into Unix seconds.
  std::optional<std::string> repeat;
  int64_t repeat_anchor = 0;
  int64_t repeat_period = 0;
};

struct RotationPolicy {
  std::vector<LifetimeAction> lifetime_actions;
  std::optional<std::string> expiry_time;
  int64_t expiry_seconds = 0;
  int64_t created = 0;
  int64_t updated = 0;
  bool stored = false;  // false: the default policy of a key that has none
};

}  // namespace coffer::vault
