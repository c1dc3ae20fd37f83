#include "vault/webhook_signing.hpp"

#include "crypto/webhook_signature.hpp"

namespace coffer::vault {

Status check_webhook_signing(const WebhookSigning& s) {
  if (!s.scheme.empty() && s.scheme != kStandardWebhooks) {
    return bad_parameter("signing.scheme must be standard-webhooks.");
  }
  if (s.scheme.empty() && s.rotate_secret) return bad_parameter("signing.rotateSecret needs a signing scheme.");
  return Status::Ok();
}

Result<WebhookSigning> settle_webhook_signing(const Barrier& barrier, const VaultInfo& vault, const ObjectPlace& place,
                                              const WebhookSigning& wanted, const WebhookSigning* old) {
  WebhookSigning out;
  out.scheme = wanted.scheme;
  if (out.scheme.empty()) return out;
  if (old && !old->secret.empty() && !wanted.rotate_secret) {
    out.secret = old->secret;
    return out;
  }
  SecureString secret = crypto::new_webhook_secret();
  COFFER_ASSIGN_OR_RETURN(out.secret, barrier.seal(vault, place, secret.view()));
  out.revealed = std::move(secret);
  return out;
}

Result<std::optional<SecureString>> open_webhook_secret(const Barrier& barrier, const VaultInfo& vault,
                                                        const ObjectPlace& place, const WebhookSigning& s) {
  if (s.scheme.empty() || s.secret.empty()) return std::optional<SecureString>();
  COFFER_ASSIGN_OR_RETURN(SecureString secret, barrier.open(vault, place, s.secret));
  return std::optional<SecureString>(std::move(secret));
}

}  // namespace coffer::vault
