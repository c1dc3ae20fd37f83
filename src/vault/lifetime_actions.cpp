#include "vault/lifetime_actions.hpp"

#include "common/ascii.hpp"

namespace coffer::vault {

Status check_lifetime_actions(const RotationPolicy& p) {
  const auto bad = [](const char* m) { return bad_parameter(m); };
  int rotate_actions = 0;
  for (const auto& a : p.lifetime_actions) {
    if (!iequals_ascii(a.action, "Rotate") && !iequals_ascii(a.action, "Notify")) {
      return bad("A lifetime action's type must be Rotate or Notify.");
    }
    if (a.time_after_create.has_value() == a.time_before_expiry.has_value()) {
      return bad("A lifetime action's trigger needs exactly one of timeAfterCreate and timeBeforeExpiry.");
    }
    if (a.time_before_expiry && !p.expiry_time && iequals_ascii(a.action, "Rotate")) {
      return bad("A timeBeforeExpiry trigger needs the policy's expiryTime.");
    }
    if (a.after_create_seconds < 0 || a.before_expiry_seconds < 0) return bad("Trigger durations must be positive.");
    if (iequals_ascii(a.action, "Rotate")) ++rotate_actions;
  }
  if (rotate_actions > 1) return bad("A rotation policy can have at most one Rotate action.");
  return Status::Ok();
}

const LifetimeAction* rotate_action(const RotationPolicy& p) {
  for (const auto& a : p.lifetime_actions) {
    if (iequals_ascii(a.action, "Rotate")) return &a;
  }
  return nullptr;
}

std::optional<int64_t> notify_before_expiry(const RotationPolicy& p) {
  for (const auto& a : p.lifetime_actions) {
    if (iequals_ascii(a.action, "Notify") && a.time_before_expiry) return a.before_expiry_seconds;
  }
  return std::nullopt;
}

bool rotation_due(const LifetimeAction& a, int64_t created, std::optional<int64_t> expires, int64_t now) {
  if (a.time_after_create) return now >= created + a.after_create_seconds;
  return a.time_before_expiry && expires && now >= *expires - a.before_expiry_seconds;
}

}  // namespace coffer::vault
