#include "vault/lifetime_actions.hpp"

#include "common/ascii.hpp"

namespace coffer::vault {

Status check_lifetime_actions(const RotationPolicy& p, bool allow_repeat) {
  const auto bad = [](const char* m) { return bad_parameter(m); };
  int rotate_actions = 0;
  for (const auto& a : p.lifetime_actions) {
    if (!iequals_ascii(a.action, "Rotate") && !iequals_ascii(a.action, "Notify")) {
      return bad("A lifetime action's type must be Rotate or Notify.");
    }
    if (a.time_after_create.has_value() + a.time_before_expiry.has_value() + a.repeat.has_value() != 1) {
      return bad(allow_repeat ? "A lifetime action's trigger needs exactly one of timeAfterCreate, timeBeforeExpiry "
                                "and repeat."
                              : "A lifetime action's trigger needs exactly one of timeAfterCreate and "
                                "timeBeforeExpiry.");
    }
    if (a.repeat && !allow_repeat) return bad("A repeat trigger is for secret rotation policies only.");
    if (a.repeat && !iequals_ascii(a.action, "Rotate")) return bad("A repeat trigger is for the Rotate action only.");
    if (a.repeat && a.repeat_period <= 0) return bad("A repeat trigger's period must be positive.");
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

int64_t repeat_jitter(const LifetimeAction& a, std::string_view name) {
  if (!a.repeat || a.repeat_period < 10) return 0;
  uint64_t h = 1469598103934665603ull;  // FNV-1a over the lower-case name: stable across restarts and replicas
  for (char c : name) h = (h ^ static_cast<unsigned char>(ascii_lower(c))) * 1099511628211ull;
  return static_cast<int64_t>(h % static_cast<uint64_t>(a.repeat_period / 10));
}

bool rotation_due(const LifetimeAction& a, int64_t created, std::optional<int64_t> expires, int64_t now,
                  int64_t jitter) {
  if (a.repeat) {
    const int64_t first = a.repeat_anchor + jitter;
    if (a.repeat_period <= 0 || now < first) return false;
    const int64_t latest = first + (now - first) / a.repeat_period * a.repeat_period;  // the last occurrence by now
    return created < latest;
  }
  if (a.time_after_create) return now >= created + a.after_create_seconds;
  return a.time_before_expiry && expires && now >= *expires - a.before_expiry_seconds;
}

}  // namespace coffer::vault
