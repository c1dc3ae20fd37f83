// TOTP one-time codes (RFC 6238 over RFC 4226's HOTP) as authenticator apps
// use them by default: HMAC-SHA1, 6 digits, 30-second steps. A secret is 20
// random bytes, shown to its owner once, in base32 (RFC 4648 §6, no padding)
// inside an otpauth:// URI. Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/secure_memory.hpp"

namespace coffer::crypto {

inline constexpr int64_t kTotpStepSeconds = 30;
inline constexpr std::size_t kTotpSecretBytes = 20;

// The 6-digit code of time step `step` (Unix seconds / 30); empty only if
// OpenSSL fails.
std::string totp_code(std::string_view secret, int64_t step);

// The time step, within one step of `now`'s and later than
// `last_used_step` (a code is accepted once), whose code is `code`; nullopt
// when none is. Every candidate is compared in constant time.
std::optional<int64_t> totp_match(std::string_view secret, std::string_view code, int64_t now, int64_t last_used_step);

// RFC 4648 base32 without padding, as otpauth:// URIs carry secrets.
SecureString base32_encode(std::string_view bytes);

}  // namespace coffer::crypto
