// EventQueue: the way from the outbox to the webhooks (EVENTS-SPEC.md §3).
// fan_out() moves outbox events, in commit order, into the queue of every
// subscription of their vault whose filters they pass — a batch per
// transaction, so a crash leaves each event in the outbox or in the queues,
// never lost and never queued twice. A subscription's queue is delivered in order
// (the events of one object arrive in the order they happened): its head
// is sent, then removed (delivered), rescheduled (retry_later) or moved to
// the dead letters (dead_letter), each one transaction; a crash after
// sending sends it again with the same id (at least once). Thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.hpp"
#include "common/status.hpp"
#include "store/store.hpp"
#include "vault/events.hpp"

namespace coffer::vault {

struct QueuedEvent {
  std::string key;  // its queue record
  Event event;
  int attempts = 0;          // deliveries tried so far
  int64_t next_try = 0;      // Unix seconds; 0 = now
  int64_t queued_at = 0;     // when it was fanned out (its time to live counts from there)
  std::string last_outcome;  // of the last attempt: "", "Busy", "TimedOut", "NotFound", …
};

struct DeadLetter {
  Event event;
  std::string reason;  // "MaxDeliveryAttemptsExceeded", "TimeToLiveExceeded", "BadRequest", …
  int attempts = 0;
  std::string last_outcome;
  int64_t queued_at = 0;
  int64_t last_attempt = 0;
};

// A subscription with queued events.
struct SubscriptionRef {
  std::string vault_id;
  std::string name;  // as its queue names it (lower case)
};

class EventQueue {
 public:
  EventQueue(store::Store& store, const Clock& clock);

  // Fans out up to `limit` outbox events in one transaction; returns how many.
  Result<std::size_t> fan_out(std::size_t limit = 256);
  // The subscriptions whose queues hold events.
  Result<std::vector<SubscriptionRef>> pending();
  // The first queued event of a subscription, or nullopt.
  Result<std::optional<QueuedEvent>> head(const SubscriptionRef& subscription);
  Status delivered(const QueuedEvent& q);
  Status retry_later(const QueuedEvent& q, int64_t next_try, const std::string& outcome);
  Status dead_letter(const QueuedEvent& q, const std::string& reason, const std::string& outcome);
  Result<std::vector<DeadLetter>> dead_letters(const std::string& vault_id, const std::string& subscription);
  // Moves every dead letter back to the end of its subscription's queue, in
  // one transaction: same event id, attempts and time to live afresh. Returns
  // how many.
  Result<std::size_t> replay_dead_letters(const std::string& vault_id, const std::string& subscription);
  // Removes every dead letter of the subscription; returns how many.
  Result<std::size_t> purge_dead_letters(const std::string& vault_id, const std::string& subscription);

 private:
  store::Store& store_;
  const Clock& clock_;
};

}  // namespace coffer::vault
