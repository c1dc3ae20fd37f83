// The lifetime actions of a rotation policy, read the same way for keys
// (AKV's key rotation policy) and plain secrets (Coffer's secret rotation
// policy): each action is Rotate or Notify with exactly one trigger
// (timeAfterCreate or timeBeforeExpiry; for secrets' Rotate also a repeating
// interval "R/<anchor>/<period>"), at most one Rotate, and a
// timeBeforeExpiry Rotate needs the policy's expiryTime.
#pragma once

#include <optional>
#include <string_view>

#include "common/status.hpp"
#include "vault/key_types.hpp"

namespace coffer::vault {

// kBadParameter naming the first rule broken; `allow_repeat`: secrets' policies.
Status check_lifetime_actions(const RotationPolicy& p, bool allow_repeat = false);
// The Rotate action, if the policy has one.
const LifetimeAction* rotate_action(const RotationPolicy& p);
// The Notify action's timeBeforeExpiry in seconds, if the policy has one.
std::optional<int64_t> notify_before_expiry(const RotationPolicy& p);
// A repeating Rotate's offset for the object `name`: the same for a name
// every time, up to a tenth of the period, so secrets that share an anchor
// do not all rotate in the same instant (0 for other triggers).
int64_t repeat_jitter(const LifetimeAction& a, std::string_view name);
// Whether the Rotate action `a` is due for a version created at `created`
// that expires at `expires`: a repeating one when an occurrence (anchor +
// jitter + k × period) fell after `created` and by `now`.
bool rotation_due(const LifetimeAction& a, int64_t created, std::optional<int64_t> expires, int64_t now,
                  int64_t jitter = 0);

}  // namespace coffer::vault
