// EventSubscriptions: a vault's event subscriptions (EVENTS-SPEC.md §3),
// shaped like Event Grid's resource: a webhook endpoint (https), filters
// (event types, subject prefix/suffix), the delivery schema and the retry
// policy. Creating or replacing one first runs the endpoint's validation
// handshake (the caller's `handshake`); a subscription whose endpoint does
// not answer it is not stored. Only events committed after a subscription
// exists go to it. Names: 3–64 of [A-Za-z0-9-], matched case-insensitively.
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

namespace coffer::vault {

// The state of a subscription whose endpoint answered 410 Gone: it receives
// nothing (no event is queued for it) until it is PUT again, with a new
// handshake.
inline constexpr std::string_view kSubscriptionDisabled = "Disabled";

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
  std::string provisioning_state;                   // "Succeeded" once stored; kSubscriptionDisabled
  int64_t created = 0;
  int64_t updated = 0;
};

class EventSubscriptions {
 public:
  // Proves the endpoint wants the events (the validation handshake); not OK: not stored.
  using Handshake = std::function<Status(const VaultInfo&, const EventSubscription&)>;

  EventSubscriptions(store::Store& store, const Clock& clock);

  // kBadParameter for a bad name, a non-https endpoint, an unknown event
  // type or schema, or limits out of range; the handshake's error otherwise.
  Result<EventSubscription> put(const VaultInfo& vault, EventSubscription subscription, const Handshake& handshake);
  Result<EventSubscription> get(const VaultInfo& vault, const std::string& name);
  Result<std::vector<EventSubscription>> list(const VaultInfo& vault);
  // kNotFound when there is none; its undelivered events go with it.
  Status remove(const VaultInfo& vault, const std::string& name);
  // Sets kSubscriptionDisabled (the endpoint answered 410); nothing if it is gone.
  Status disable(const std::string& vault_id, const std::string& name);

  // The subscriptions of the vault `vault_id`, read in `txn` (fan-out).
  static Result<std::vector<EventSubscription>> in_vault(store::ReadTxn& txn, const std::string& vault_id);
  // Whether `event` passes the subscription's filters (never for a disabled one).
  static bool matches(const EventSubscription& subscription, const Event& event);

 private:
  store::Store& store_;
  const Clock& clock_;
};

std::string encode_event_subscription(const EventSubscription& s);
Result<EventSubscription> decode_event_subscription(std::string_view data);

}  // namespace coffer::vault
