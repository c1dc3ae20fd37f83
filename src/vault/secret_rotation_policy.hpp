// A plain secret's rotation policy (EVENTS-SPEC.md §4), one per secret name:
// when to rotate and notify (the lifetime actions and expiryTime of an AKV
// key rotation policy), the contentType of generated versions, and the
// generator that makes their values, and optionally an external rotator: an
// HTTPS endpoint Coffer drives through the four steps (createSecret,
// setSecret, testSecret, finishSecret) before a new version becomes current.
// Stored as secretpolicy/<vault-id>/<name>.
// check_secret_rotation_policy() refuses what could fail later (kBadParameter).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/status.hpp"
#include "vault/key_types.hpp"
#include "vault/secret_generator.hpp"
#include "vault/webhook_signing.hpp"

namespace coffer::vault {

// Shortest allowed timeAfterCreate and expiryTime: one hour.
inline constexpr int64_t kMinSecretRotationSeconds = 3600;

// Bounds of a rotator's rotationTimeout (default six hours).
inline constexpr int64_t kMinRotationTimeoutSeconds = 300;
inline constexpr int64_t kMaxRotationTimeoutSeconds = 7 * 86400;

struct SecretRotator {
  std::string endpoint_url;            // https://…
  std::string strategy = "single";     // or "alternating": the rotator rewrites PREVIOUS's credential
  int64_t timeout_seconds = 6 * 3600;  // from the start until the rotation gives up (failed)
  WebhookSigning signing;              // Standard Webhooks signatures on the steps, when asked for
};

struct SecretRotationPolicy {
  RotationPolicy schedule;  // lifetime actions (Rotate / Notify), expiryTime, created, updated
  std::optional<std::string> content_type;
  SecretGenerator generator;  // kNone only with a rotator (it supplies the value)
  std::optional<SecretRotator> rotator;
};

Status check_secret_rotation_policy(const SecretRotationPolicy& p);

std::string encode_secret_rotation_policy(const SecretRotationPolicy& p);
Result<SecretRotationPolicy> decode_secret_rotation_policy(std::string_view data);

}  // namespace coffer::vault
