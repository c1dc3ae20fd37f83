// The lifetime actions of a rotation policy, read the same way for keys
// (AKV's key rotation policy) and plain secrets (Coffer's secret rotation
// policy): each action is Rotate or Notify with exactly one trigger
// (timeAfterCreate or timeBeforeExpiry), at most one Rotate, and a
// timeBeforeExpiry Rotate needs the policy's expiryTime.
#pragma once

#include <optional>

#include "common/status.hpp"
#include "vault/key_types.hpp"

namespace coffer::vault {

// kBadParameter naming the first rule broken.
Status check_lifetime_actions(const RotationPolicy& p);
// The Rotate action, if the policy has one.
const LifetimeAction* rotate_action(const RotationPolicy& p);
// The Notify action's timeBeforeExpiry in seconds, if the policy has one.
std::optional<int64_t> notify_before_expiry(const RotationPolicy& p);
// Whether the Rotate action `a` is due for a version created at `created`
// that expires at `expires`.
bool rotation_due(const LifetimeAction& a, int64_t created, std::optional<int64_t> expires, int64_t now);

}  // namespace coffer::vault
