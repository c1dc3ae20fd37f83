// How a webhook's requests are signed (EVENTS-SPEC.md §2, Standard Webhooks;
// crypto/webhook_signature.hpp), for event subscriptions and secret
// rotators alike: the scheme and the secret, sealed by the Barrier at its
// owner's place under the vault's key. settle_webhook_signing() decides
// the secret when an owner is put: the old one stays (receivers keep
// verifying) unless none exists or a new one is asked for; a new one is
// handed back once, in clear, for the caller to show.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/secure_memory.hpp"
#include "common/status.hpp"
#include "vault/barrier.hpp"
#include "vault/sealed.hpp"
#include "vault/types.hpp"

namespace coffer::vault {

inline constexpr std::string_view kStandardWebhooks = "standard-webhooks";

struct WebhookSigning {
  std::string scheme;  // empty: unsigned; else kStandardWebhooks
  Sealed secret;       // "whsec_…", sealed
  // Only in a put's request: replace the secret.
  bool rotate_secret = false;
  // Only in a put's answer: the secret it made, in clear.
  std::optional<SecureString> revealed;
};

// kBadParameter for an unknown scheme, or rotate_secret without one.
Status check_webhook_signing(const WebhookSigning& s);

// `wanted` (from the request) settled against `old` (stored, or nullptr).
Result<WebhookSigning> settle_webhook_signing(const Barrier& barrier, const VaultInfo& vault, const ObjectPlace& place,
                                              const WebhookSigning& wanted, const WebhookSigning* old);

// The secret in clear, or nullopt when unsigned.
Result<std::optional<SecureString>> open_webhook_secret(const Barrier& barrier, const VaultInfo& vault,
                                                        const ObjectPlace& place, const WebhookSigning& s);

}  // namespace coffer::vault
