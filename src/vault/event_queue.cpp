#include "vault/event_queue.hpp"

#include <map>

#include "common/record_codec.hpp"
#include "vault/event_subscriptions.hpp"
#include "vault/store_keys.hpp"

namespace coffer::vault {
namespace {

enum QueueField : uint8_t {
  kQueueEvent = 1,
  kQueueAttempts,
  kQueueNextTry,
  kQueueQueuedAt,
  kQueueLastOutcome,
  kQueueReason,
  kQueueLastAttempt
};

std::string encode_queued(const QueuedEvent& q) {
  RecordWriter w;
  w.bytes(kQueueEvent, encode_event(q.event)).i64(kQueueAttempts, q.attempts).i64(kQueueNextTry, q.next_try);
  w.i64(kQueueQueuedAt, q.queued_at).bytes(kQueueLastOutcome, q.last_outcome);
  return w.take();
}

Result<QueuedEvent> decode_queued(const store::Entry& e) {
  auto r = RecordReader::parse(e.value);
  if (!r) return Status(Code::kInternal, "corrupt queued event");
  QueuedEvent q;
  q.key = e.key;
  COFFER_ASSIGN_OR_RETURN(q.event, decode_event(r->bytes(kQueueEvent)));
  q.attempts = static_cast<int>(r->i64(kQueueAttempts));
  q.next_try = r->i64(kQueueNextTry);
  q.queued_at = r->i64(kQueueQueuedAt);
  q.last_outcome = r->bytes(kQueueLastOutcome);
  return q;
}

// "evq/<vault-id>/<subscription>/<order>/<id>" → its subscription.
std::optional<SubscriptionRef> subscription_of(std::string_view key) {
  key.remove_prefix(keys::event_queue_prefix().size());
  const auto a = key.find('/');
  if (a == std::string_view::npos) return std::nullopt;
  const auto b = key.find('/', a + 1);
  if (b == std::string_view::npos) return std::nullopt;
  return SubscriptionRef{std::string(key.substr(0, a)), std::string(key.substr(a + 1, b - a - 1))};
}

// The order part of an outbox key ("outbox/<order>/<id>").
std::string_view order_of(std::string_view outbox_key) {
  outbox_key.remove_prefix(keys::outbox_prefix().size());
  return outbox_key.substr(0, outbox_key.find('/'));
}

}  // namespace

EventQueue::EventQueue(store::Store& store, const Clock& clock) : store_(store), clock_(clock) {}

Result<std::size_t> EventQueue::fan_out(std::size_t limit) {
  std::size_t moved = 0;
  // One transaction for the whole batch: the events leave the outbox and enter their queues together.
  COFFER_RETURN_IF_ERROR(store_.write([&](store::WriteTxn& txn) -> Status {
    moved = 0;
    COFFER_ASSIGN_OR_RETURN(auto entries, txn.scan(keys::outbox_prefix(), "", limit));
    std::map<std::string, std::vector<EventSubscription>> by_vault;
    const int64_t now = clock_.now();
    for (const auto& entry : entries) {
      COFFER_ASSIGN_OR_RETURN(Event event, decode_event(entry.value));
      auto it = by_vault.find(event.vault_id);
      if (it == by_vault.end()) {
        COFFER_ASSIGN_OR_RETURN(auto subscriptions, EventSubscriptions::in_vault(txn, event.vault_id));
        it = by_vault.emplace(event.vault_id, std::move(subscriptions)).first;
      }
      for (const auto& s : it->second) {
        if (!EventSubscriptions::matches(s, event)) continue;
        QueuedEvent q;
        q.event = event;
        q.queued_at = now;
        const std::string queue_key =
            keys::event_deliveries_prefix(event.vault_id, s.name) + std::string(order_of(entry.key)) + "/" + event.id;
        COFFER_RETURN_IF_ERROR(txn.put(queue_key, encode_queued(q)));
      }
      COFFER_RETURN_IF_ERROR(txn.erase(entry.key));
      ++moved;
    }
    return Status::Ok();
  }));
  return moved;
}

Result<std::vector<SubscriptionRef>> EventQueue::pending() {
  std::vector<SubscriptionRef> out;
  COFFER_RETURN_IF_ERROR(store_.read([&](store::ReadTxn& txn) -> Status {
    out.clear();
    std::string after;
    while (true) {
      COFFER_ASSIGN_OR_RETURN(auto entries, txn.scan(keys::event_queue_prefix(), after, 1));
      if (entries.empty()) return Status::Ok();
      auto ref = subscription_of(entries[0].key);
      if (!ref) return Status(Code::kInternal, "corrupt event queue key");
      // Skip the rest of this subscription's queue: '0' sorts right after '/'.
      after = keys::event_deliveries_prefix(ref->vault_id, ref->name);
      after.back() = '0';
      out.push_back(std::move(*ref));
    }
  }));
  return out;
}

Result<std::optional<QueuedEvent>> EventQueue::head(const SubscriptionRef& s) {
  std::optional<QueuedEvent> out;
  COFFER_RETURN_IF_ERROR(store_.read([&](store::ReadTxn& txn) -> Status {
    COFFER_ASSIGN_OR_RETURN(auto entries, txn.scan(keys::event_deliveries_prefix(s.vault_id, s.name), "", 1));
    if (entries.empty()) {
      out.reset();
      return Status::Ok();
    }
    COFFER_ASSIGN_OR_RETURN(out, decode_queued(entries[0]));
    return Status::Ok();
  }));
  return out;
}

Status EventQueue::delivered(const QueuedEvent& q) {
  return store_.write([&](store::WriteTxn& txn) -> Status { return txn.erase(q.key); });
}

Status EventQueue::retry_later(const QueuedEvent& q, int64_t next_try, const std::string& outcome) {
  QueuedEvent next = q;
  next.attempts = q.attempts + 1;
  next.next_try = next_try;
  next.last_outcome = outcome;
  return store_.write([&](store::WriteTxn& txn) -> Status {
    COFFER_ASSIGN_OR_RETURN(auto entry, txn.get(q.key));
    if (!entry) return Status::Ok();  // its subscription went meanwhile
    return txn.put(q.key, encode_queued(next));
  });
}

Status EventQueue::dead_letter(const QueuedEvent& q, const std::string& reason, const std::string& outcome) {
  auto ref = subscription_of(q.key);
  if (!ref) return Status(Code::kInternal, "corrupt event queue key");
  RecordWriter w;
  w.bytes(kQueueEvent, encode_event(q.event)).i64(kQueueAttempts, q.attempts + 1).i64(kQueueQueuedAt, q.queued_at);
  w.bytes(kQueueLastOutcome, outcome).bytes(kQueueReason, reason).i64(kQueueLastAttempt, clock_.now());
  const std::string record = w.take();
  return store_.write([&](store::WriteTxn& txn) -> Status {
    COFFER_ASSIGN_OR_RETURN(auto entry, txn.get(q.key));
    if (!entry) return Status::Ok();
    COFFER_RETURN_IF_ERROR(txn.erase(q.key));
    return txn.put(keys::event_dead_letters_prefix(ref->vault_id, ref->name) + q.event.id, record);
  });
}

Result<std::vector<DeadLetter>> EventQueue::dead_letters(const std::string& vault_id, const std::string& subscription) {
  std::vector<DeadLetter> out;
  COFFER_RETURN_IF_ERROR(store_.read([&](store::ReadTxn& txn) -> Status {
    out.clear();
    return store::for_each_entry(txn, keys::event_dead_letters_prefix(vault_id, subscription),
                                 [&](const store::Entry& e) -> Status {
                                   auto r = RecordReader::parse(e.value);
                                   if (!r) return Status(Code::kInternal, "corrupt dead letter");
                                   DeadLetter d;
                                   COFFER_ASSIGN_OR_RETURN(d.event, decode_event(r->bytes(kQueueEvent)));
                                   d.reason = r->bytes(kQueueReason);
                                   d.attempts = static_cast<int>(r->i64(kQueueAttempts));
                                   d.last_outcome = r->bytes(kQueueLastOutcome);
                                   d.queued_at = r->i64(kQueueQueuedAt);
                                   d.last_attempt = r->i64(kQueueLastAttempt);
                                   out.push_back(std::move(d));
                                   return Status::Ok();
                                 });
  }));
  return out;
}

Result<std::size_t> EventQueue::replay_dead_letters(const std::string& vault_id, const std::string& subscription) {
  std::size_t moved = 0;
  COFFER_RETURN_IF_ERROR(store_.write([&](store::WriteTxn& txn) -> Status {
    moved = 0;
    const int64_t now = clock_.now();
    return store::for_each_entry(
        txn, keys::event_dead_letters_prefix(vault_id, subscription), [&](const store::Entry& e) -> Status {
          auto r = RecordReader::parse(e.value);
          if (!r) return Status(Code::kInternal, "corrupt dead letter");
          QueuedEvent q;
          COFFER_ASSIGN_OR_RETURN(q.event, decode_event(r->bytes(kQueueEvent)));
          q.queued_at = now;
          COFFER_RETURN_IF_ERROR(
              txn.put(keys::event_deliveries_prefix(vault_id, subscription) + event_order(now) + "/" + q.event.id,
                      encode_queued(q)));
          ++moved;
          return txn.erase(e.key);
        });
  }));
  return moved;
}

Result<std::size_t> EventQueue::purge_dead_letters(const std::string& vault_id, const std::string& subscription) {
  std::size_t removed = 0;
  COFFER_RETURN_IF_ERROR(store_.write([&](store::WriteTxn& txn) -> Status {
    removed = 0;
    return store::for_each_entry(txn, keys::event_dead_letters_prefix(vault_id, subscription),
                                 [&](const store::Entry& e) -> Status {
                                   ++removed;
                                   return txn.erase(e.key);
                                 });
  }));
  return removed;
}

}  // namespace coffer::vault
