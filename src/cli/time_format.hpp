// ISO-8601 ⇄ Unix seconds, as `az keyvault` shows and accepts timestamps.
// Pure functions, no time zone database: output is always UTC written as
// "2026-11-27T19:01:34+00:00"; input may carry "Z" or a ±HH:MM offset and
// defaults to UTC when it has none.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace coffer::cli {

// 0 → "1970-01-01T00:00:00+00:00".
std::string to_iso8601(int64_t unix_seconds);

// Accepts "YYYY-MM-DD", optionally followed by 'T' or ' ' and "HH:MM[:SS[.fraction]]",
// optionally followed by "Z", "+HH:MM", "-HH:MM" or "+HHMM". Fractions are dropped.
// std::nullopt for anything else, including out-of-range fields.
std::optional<int64_t> parse_iso8601(std::string_view text);

}  // namespace coffer::cli
