// A plain secret's rotation policy (EVENTS-SPEC.md §4), one per secret name:
// when to rotate and notify (the lifetime actions and expiryTime of an AKV
// key rotation policy), the contentType of generated versions, and the
// generator that makes their values. Stored as secretpolicy/<vault-id>/<name>.
// check_secret_rotation_policy() refuses what could fail later (kBadParameter).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/status.hpp"
#include "vault/key_types.hpp"
#include "vault/secret_generator.hpp"

namespace coffer::vault {

// Shortest allowed timeAfterCreate and expiryTime: one hour.
inline constexpr int64_t kMinSecretRotationSeconds = 3600;

struct SecretRotationPolicy {
  RotationPolicy schedule;  // lifetime actions (Rotate / Notify), expiryTime, created, updated
  std::optional<std::string> content_type;
  SecretGenerator generator;
};

Status check_secret_rotation_policy(const SecretRotationPolicy& p);

std::string encode_secret_rotation_policy(const SecretRotationPolicy& p);
Result<SecretRotationPolicy> decode_secret_rotation_policy(std::string_view data);

}  // namespace coffer::vault
