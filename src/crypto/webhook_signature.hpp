// Standard Webhooks signatures (EVENTS-SPEC.md §2; standardwebhooks.com):
// a secret "whsec_<base64 of 32 random bytes>", and for each request the
// headers webhook-id (stable across retries), webhook-timestamp (Unix
// seconds) and webhook-signature "v1,<base64 HMAC-SHA256 over
// "<id>.<timestamp>.<body>">". Receivers verify in constant time and bound
// the timestamp's skew. Thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/secure_memory.hpp"
#include "common/status.hpp"

namespace coffer::crypto {

SecureString new_webhook_secret();

// "v1,<signature>"; kInternal for a secret that is not "whsec_<base64>".
Result<std::string> webhook_signature(std::string_view secret, std::string_view id, int64_t timestamp,
                                      std::string_view body);

}  // namespace coffer::crypto
