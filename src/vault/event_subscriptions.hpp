// EventSubscriptions: a vault's event subscriptions (EVENTS-SPEC.md §3),
// shaped like Event Grid's resource: a webhook endpoint (https), filters
// (event types, subject prefix/suffix), the delivery schema and the retry
// policy. Creating or replacing one first runs the endpoint's validation
// handshake (the caller's `handshake`); a subscription whose endpoint does
// not answer it is not stored. An endpoint that answers 200 without the
// code may validate by hand (Event Grid's validationUrl): the subscription
// is stored as AwaitingManualAction with a one-time token (kept as its
// SHA-256) that validate() accepts for five minutes; after that it is
// Failed. Only Succeeded subscriptions receive events, and only events
// committed after a subscription exists go to it. Names: 3–64 of [A-Za-z0-9-], matched case-insensitively.
// Thread-safe; each change is one store transaction.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.hpp"
#include "common/status.hpp"
#include "store/store.hpp"
#include "vault/events.hpp"
#include "vault/types.hpp"
#include "vault/webhook_signing.hpp"

namespace coffer::vault {

// The state of a subscription whose endpoint answered 410 Gone: it receives
// nothing (no event is queued for it) until it is PUT again, with a new
// handshake.
inline constexpr std::string_view kSubscriptionDisabled = "Disabled";
inline constexpr std::string_view kSubscriptionSucceeded = "Succeeded";
inline constexpr std::string_view kSubscriptionAwaitingManualAction = "AwaitingManualAction";
inline constexpr std::string_view kSubscriptionFailed = "Failed";  // manual validation not done in time
// How long a validationUrl stays valid.
inline constexpr int64_t kManualValidationSeconds = 300;

struct EventSubscription {
  std::string name;  // stored spelling
  std::string endpoint_url;
  std::vector<std::string> included_event_types;  // empty: every Microsoft.KeyVault.* type
  std::string subject_begins_with;
  std::string subject_ends_with;
  bool subject_case_sensitive = false;
  std::string delivery_schema = "EventGridSchema";  // or "CloudEventSchemaV1_0"
  int max_delivery_attempts = 30;                   // 1–30
  int event_ttl_minutes = 1440;                     // 1–1440
  std::string provisioning_state;                   // kSubscriptionSucceeded, …AwaitingManualAction, …
  std::string validation_token_sha256;              // while AwaitingManualAction (hex)
  int64_t validation_expires = 0;
  WebhookSigning signing;  // Standard Webhooks signatures, when asked for
  int64_t created = 0;
  int64_t updated = 0;
};

class EventSubscriptions {
 public:
  // Proves the endpoint wants the events (the validation handshake): true =
  // validated, false = it answered 200 without the code and may validate by
  // hand with `validation_token`; not OK: not stored.
  using Handshake =
      std::function<Result<bool>(const VaultInfo&, const EventSubscription&, const std::string& validation_token)>;

  EventSubscriptions(store::Store& store, crypto::Keyring& keyring, const Clock& clock);

  // kBadParameter for a bad name, a non-https endpoint, an unknown event
  // type or schema, or limits out of range; the handshake's error otherwise.
  // A signed subscription keeps its secret across puts unless rotate_secret
  // asks for a new one; a new secret is in the answer's signing.revealed.
  Result<EventSubscription> put(const VaultInfo& vault, EventSubscription subscription, const Handshake& handshake);
  // The manual validation (GET validationUrl): Succeeded when `token` is the
  // subscription's and still valid; else kBadParameter, saying nothing more.
  Result<EventSubscription> validate(const VaultInfo& vault, const std::string& name, const std::string& token);
  Result<EventSubscription> get(const VaultInfo& vault, const std::string& name);
  Result<std::vector<EventSubscription>> list(const VaultInfo& vault);
  // kNotFound when there is none; its undelivered events go with it.
  Status remove(const VaultInfo& vault, const std::string& name);
  // The subscription's signing secret in clear (nullopt when unsigned), for delivery.
  Result<std::optional<SecureString>> signing_secret(const VaultInfo& vault, const EventSubscription& s) const;
  // Sets kSubscriptionDisabled (the endpoint answered 410); nothing if it is gone.
  Status disable(const std::string& vault_id, const std::string& name);

  // The subscriptions of the vault `vault_id`, read in `txn` (fan-out).
  static Result<std::vector<EventSubscription>> in_vault(store::ReadTxn& txn, const std::string& vault_id);
  // Whether `event` passes the subscription's filters (only Succeeded ones do).
  static bool matches(const EventSubscription& subscription, const Event& event);

 private:
  store::Store& store_;
  Barrier barrier_;
  const Clock& clock_;
};

std::string encode_event_subscription(const EventSubscription& s);
Result<EventSubscription> decode_event_subscription(std::string_view data);

}  // namespace coffer::vault
