// ISO-8601 ⇄ Unix seconds. Pure functions, no time zone database: output is
// always UTC, written "2026-11-27T19:01:34+00:00" as `az keyvault` shows it
// or "2026-11-27T19:01:34Z" as Azure AD and Graph do; input may carry "Z" or
// a ±HH:MM offset and defaults to UTC when it has none.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace coffer {

inline constexpr int64_t kSecondsPerDay = 86400;

enum class UtcSuffix { kOffset, kZ };  // "+00:00" or "Z"

// 0 → "1970-01-01T00:00:00+00:00" (kOffset) or "1970-01-01T00:00:00Z" (kZ).
std::string to_iso8601(int64_t unix_seconds, UtcSuffix suffix = UtcSuffix::kOffset);

// Accepts "YYYY-MM-DD", optionally followed by 'T' or ' ' and "HH:MM[:SS[.fraction]]",
// optionally followed by "Z", "+HH:MM", "-HH:MM" or "+HHMM". Fractions are dropped.
// std::nullopt for anything else, including out-of-range fields.
std::optional<int64_t> parse_iso8601(std::string_view text);

}  // namespace coffer
