// EventDelivery: the server's webhook sender (EVENTS-SPEC.md §2–§3). While
// this server leads (store::Leadership), a thread fans the outbox out to the
// subscriptions' queues every second and keeps one sender thread per
// subscription with queued events, so a webhook that answers slowly or never
// holds up only its own queue. A sender posts its queue's head (Event Grid
// or CloudEvents schema, aeg-* headers, Standard Webhooks signature headers
// when the subscription is signed, 30 s timeout, TLS verified against
// eventsCaFile or the system store, public addresses only unless
// eventsAllowPrivateEndpoints), then: 200–204 → delivered; 400, 401,
// 413 → dead letter at once; 410 → dead letter ("Gone") and the
// subscription disabled (its queue then goes to the dead letters as
// "SubscriptionDisabled"; a PUT enables it again); anything else →
// retried on Event Grid's schedule (10 s, 30 s, 1 min, 5 min, 10 min, 30
// min, 1 h, 3 h, 6 h, then every 12 h; a longer Retry-After wins) until the
// subscription's maxDeliveryAttempts or eventTimeToLiveInMinutes ends it as
// a dead letter. Times follow the server's clock (--test-clock moves them).
// handshake() is Event Grid's validation: the endpoint must answer 200 within
// 30 s, with {"validationResponse": <the code sent>} (true) or without it
// (false: it may still GET the validationUrl sent along). A CloudEvents
// subscription gets the CloudEvents webhook abuse protection instead:
// OPTIONS with WebHook-Request-Origin: eventgrid.azure.net, granted by a 2xx
// with WebHook-Allowed-Origin naming it (or *); its deliveries carry that
// WebHook-Request-Origin too.
#pragma once

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include "common/clock.hpp"
#include "common/prometheus.hpp"
#include "server/keyed_threads.hpp"
#include "store/store.hpp"
#include "vault/event_queue.hpp"
#include "vault/event_subscriptions.hpp"
#include "vault/vault_registry.hpp"

namespace coffer::server {

// The origin Event Grid names in CloudEvents webhook requests (receivers compare to it).
inline constexpr std::string_view kEventGridOrigin = "eventgrid.azure.net";

struct EventDeliveryOptions {
  std::string ca_file;  // trust for receivers; empty: the system store
  // eventsAllowPrivateEndpoints: false = receivers on loopback, private or link-local addresses are refused (SSRF).
  bool allow_private_endpoints = false;
  // The vault's ARM id (events' topic) and its https://<vault>.<suffix>[:port] URL.
  std::function<std::string(const vault::VaultInfo&)> topic;
  std::function<std::string(const std::string& vault_name)> vault_url;
  // coffer_events_delivered_total, …_dead_lettered_total{reason}, …_retried_total{reason}; null = none.
  prometheus::Registry* metrics = nullptr;
};

class EventDelivery {
 public:
  // `keyring` opens the subscriptions' signing secrets.
  EventDelivery(store::Leadership& leadership, vault::VaultRegistry& vaults, crypto::Keyring& keyring,
                const Clock& clock, EventDeliveryOptions options);
  ~EventDelivery();  // stop()
  EventDelivery(const EventDelivery&) = delete;
  EventDelivery& operator=(const EventDelivery&) = delete;

  void start();
  void stop();
  // For EventSubscriptions::put; `validation_url` is the manual validation link.
  Result<bool> handshake(const vault::VaultInfo& vault, const vault::EventSubscription& subscription,
                         const std::string& validation_url);

 private:
  void run();
  void send_queue(vault::SubscriptionRef ref);
  Result<bool> abuse_protection(const vault::EventSubscription& subscription);
  bool stopping();
  // Counts one queue transition in `family` once it is recorded.
  void tally(const Status& recorded, prometheus::Counters* family, std::string_view reason);
  // Waits up to `d` (less when stopping); false once stopping.
  bool pause(std::chrono::milliseconds d);

  store::Leadership& leadership_;
  vault::VaultRegistry& vaults_;
  const Clock& clock_;
  EventDeliveryOptions options_;
  vault::EventQueue queue_;
  vault::EventSubscriptions subscriptions_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  prometheus::Counters* delivered_ = nullptr;
  prometheus::Counters* dead_lettered_ = nullptr;
  prometheus::Counters* retried_ = nullptr;
  KeyedThreads senders_;  // by "<vault-id>/<subscription>"
  std::thread thread_;
};

}  // namespace coffer::server
