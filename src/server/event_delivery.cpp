#include "server/event_delivery.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "api/event_codec.hpp"
#include "common/ascii.hpp"
#include "crypto/random.hpp"
#include "http/client.hpp"
#include "server/webhook_post.hpp"
#include "vault/webhook_retry.hpp"

namespace coffer::server {
namespace {

using namespace std::chrono_literals;

}  // namespace

EventDelivery::EventDelivery(store::Leadership& leadership, vault::VaultRegistry& vaults, crypto::Keyring& keyring,
                             const Clock& clock, EventDeliveryOptions options)
    : leadership_(leadership),
      vaults_(vaults),
      clock_(clock),
      options_(std::move(options)),
      queue_(leadership.fenced(), clock),
      subscriptions_(leadership.fenced(), keyring, clock) {
  if (options_.metrics) {
    delivered_ = &options_.metrics->counter("coffer_events_delivered_total", "Events a webhook acknowledged (2xx).");
    dead_lettered_ = &options_.metrics->counter("coffer_events_dead_lettered_total",
                                                "Events given up on and kept as dead letters, by reason.");
    retried_ = &options_.metrics->counter("coffer_events_retried_total",
                                          "Deliveries that failed and were scheduled again, by outcome.");
  }
}

void EventDelivery::tally(const Status& recorded, prometheus::Counters* family, std::string_view reason) {
  if (!family || !recorded.ok()) return;
  family->add(reason.empty() ? std::string() : prometheus::label_set({{"reason", reason}}));
}

EventDelivery::~EventDelivery() { stop(); }

void EventDelivery::start() {
  thread_ = std::thread([this] { run(); });
}

void EventDelivery::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  senders_.join_all();
}

bool EventDelivery::stopping() {
  std::lock_guard lock(mu_);
  return stopping_;
}

bool EventDelivery::pause(std::chrono::milliseconds d) {
  std::unique_lock lock(mu_);
  return !cv_.wait_for(lock, d, [&] { return stopping_; });
}

void EventDelivery::run() {
  do {
    senders_.reap();  // a queue that fills again gets a new sender
    if (!leadership_.lead()) continue;
    constexpr std::size_t kBatch = 256;
    for (std::size_t i = 0; i < 64; ++i) {  // drain the outbox, a batch per transaction
      auto moved = queue_.fan_out(kBatch);
      if (!moved.ok()) spdlog::warn("events: fan-out failed: {}", moved.status().message());
      if (!moved.ok() || *moved < kBatch) break;
    }
    auto pending = queue_.pending();
    if (!pending.ok()) {
      spdlog::warn("events: reading the queues failed: {}", pending.status().message());
      continue;
    }
    for (auto& ref : *pending) {
      if (stopping()) break;
      senders_.spawn(ref.vault_id + "/" + ref.name, [this, ref] { send_queue(ref); });
    }
  } while (pause(500ms));
}

void EventDelivery::send_queue(vault::SubscriptionRef ref) {
  // One connection per sender, kept alive between its posts (a new one when the endpoint moves).
  std::unique_ptr<http::HttpsClient> client;
  std::string client_origin;
  while (true) {
    if (stopping()) return;
    auto head = queue_.head(ref);
    if (!head.ok()) {
      spdlog::warn("events: reading queue {} failed: {}", ref.name, head.status().message());
      if (!pause(1s)) return;
      continue;
    }
    if (!*head) return;  // empty: the dispatcher starts a sender again when events arrive
    vault::QueuedEvent& q = **head;
    if (q.next_try > clock_.now()) {
      if (!pause(200ms)) return;
      continue;
    }
    auto v = vaults_.find(q.event.vault_name);
    std::optional<vault::EventSubscription> sub;
    if (v.ok()) {
      auto found = subscriptions_.get(*v, ref.name);
      if (found.ok()) sub = std::move(*found);
    }
    if (!sub || v->id != ref.vault_id) {  // the subscription or its vault went: its queue goes with it
      Status st = queue_.delivered(q);
      if (!st.ok() && !pause(1s)) return;
      continue;
    }
    if (sub->provisioning_state == vault::kSubscriptionDisabled) {  // its endpoint is gone: nothing is sent
      Status st = queue_.dead_letter(q, "SubscriptionDisabled", q.last_outcome);
      tally(st, dead_lettered_, "SubscriptionDisabled");
      if (!st.ok() && !pause(1s)) return;
      continue;
    }
    if (clock_.now() - q.queued_at > int64_t{sub->event_ttl_minutes} * 60) {
      Status st = queue_.dead_letter(q, "TimeToLiveExceeded", q.last_outcome);
      tally(st, dead_lettered_, "TimeToLiveExceeded");
      if (!st.ok() && !pause(1s)) return;
      continue;
    }
    const api::EventBody body =
        api::event_body(q.event, sub->delivery_schema, options_.topic(*v), options_.vault_url(v->name));
    const bool cloud = sub->delivery_schema == "CloudEventSchemaV1_0";
    const std::string origin = split_endpoint(sub->endpoint_url).first;
    if (!client || origin != client_origin) {
      client = webhook_client(sub->endpoint_url, options_.ca_file, options_.allow_private_endpoints);
      client_origin = origin;
    }
    std::vector<std::pair<std::string, std::string>> headers = {{"aeg-event-type", "Notification"},
                                                                {"aeg-subscription-name", upper_ascii(sub->name)},
                                                                {"aeg-delivery-count", std::to_string(q.attempts)},
                                                                {"aeg-data-version", "1"},
                                                                {"aeg-metadata-version", cloud ? "1.0" : "1"}};
    Status signing = Status::Ok();
    auto secret = subscriptions_.signing_secret(*v, *sub);
    if (!secret.ok()) {
      signing = secret.status();
    } else if (*secret) {
      auto signed_headers = webhook_signature_headers((*secret)->view(), q.event.id, clock_.now(), body.json);
      if (signed_headers.ok()) {
        headers.insert(headers.end(), signed_headers->begin(), signed_headers->end());
      } else {
        signing = signed_headers.status();
      }
    }
    if (!signing.ok()) {  // never send unsigned what the receiver expects signed
      spdlog::warn("events: cannot sign for subscription {}: {}", sub->name, signing.message());
      if (!pause(1s)) return;
      continue;
    }
    if (cloud) headers.emplace_back("WebHook-Request-Origin", std::string(kEventGridOrigin));
    const WebhookPost p = post_webhook(*client, sub->endpoint_url, body.content_type, body.json, std::move(headers));
    Status st;
    if (p.succeeded()) {
      st = queue_.delivered(q);
      tally(st, delivered_, {});
    } else if (p.status == 410) {  // Gone: the subscription stops until it is PUT again
      st = queue_.dead_letter(q, p.outcome, p.outcome);
      tally(st, dead_lettered_, p.outcome);
      if (st.ok()) st = subscriptions_.disable(ref.vault_id, ref.name);
      spdlog::warn(
          "events: the endpoint of subscription {} answered 410 Gone: the subscription is disabled until "
          "it is put again",
          sub->name);
    } else if (p.status == 400 || p.status == 401 || p.status == 413) {
      st = queue_.dead_letter(q, p.outcome, p.outcome);
      tally(st, dead_lettered_, p.outcome);
    } else if (q.attempts + 1 >= sub->max_delivery_attempts) {
      st = queue_.dead_letter(q, "MaxDeliveryAttemptsExceeded", p.outcome);
      tally(st, dead_lettered_, "MaxDeliveryAttemptsExceeded");
    } else {
      const int64_t delay = std::max(vault::webhook_retry_delay(q.attempts), p.retry_after);
      st = queue_.retry_later(q, clock_.now() + delay, p.outcome);
      tally(st, retried_, p.outcome);
      spdlog::info("events: {} to subscription {} failed ({}); attempt {} in {} s", q.event.id, sub->name,
                   p.status ? std::to_string(p.status) : p.outcome, q.attempts + 2, delay);
    }
    if (!st.ok()) {
      spdlog::warn("events: recording a delivery to {} failed: {}", sub->name, st.message());
      if (!pause(1s)) return;
    }
  }
}

Result<bool> EventDelivery::handshake(const vault::VaultInfo& vault, const vault::EventSubscription& subscription,
                                      const std::string& validation_url) {
  if (subscription.delivery_schema == "CloudEventSchemaV1_0") return abuse_protection(subscription);
  const std::string code = crypto::new_guid();
  const std::string body = api::validation_body(crypto::new_guid(), code, validation_url, options_.topic(vault));
  const auto client = webhook_client(subscription.endpoint_url, options_.ca_file, options_.allow_private_endpoints);
  const WebhookPost p = post_webhook(*client, subscription.endpoint_url, "application/json", body,
                                     {{"aeg-event-type", "SubscriptionValidation"},
                                      {"aeg-subscription-name", upper_ascii(subscription.name)},
                                      {"aeg-delivery-count", "0"},
                                      {"aeg-data-version", "2"},
                                      {"aeg-metadata-version", "1"}});
  if (p.status != 200) {
    return bad_parameter("The endpoint did not complete the validation handshake: " +
                         (p.status ? "it answered " + std::to_string(p.status) + " (200 is expected)"
                                   : p.outcome + " (" + p.body.substr(0, 200) + ")") +
                         ".");
  }
  // 200 without the code: the receiver may still validate by hand (GET validationUrl).
  return api::validation_answered(p.body, code);
}

Result<bool> EventDelivery::abuse_protection(const vault::EventSubscription& subscription) {
  const auto client = webhook_client(subscription.endpoint_url, options_.ca_file, options_.allow_private_endpoints);
  auto r = client->request("OPTIONS", split_endpoint(subscription.endpoint_url).second,
                           {{"WebHook-Request-Origin", std::string(kEventGridOrigin)}}, "");
  if (!r.ok()) {
    const std::string why = r.status().message();
    return bad_parameter(
        "The endpoint did not answer the CloudEvents abuse-protection request (OPTIONS): " + why.substr(0, 200) + ".");
  }
  // Consent is the header, never the status alone.
  for (const auto& [name, value] : r->headers) {
    if (iequals_ascii(name, "WebHook-Allowed-Origin") && (value == "*" || iequals_ascii(value, kEventGridOrigin)) &&
        r->status >= 200 && r->status <= 204) {
      return true;
    }
  }
  return bad_parameter("The endpoint did not grant the CloudEvents abuse-protection request: OPTIONS answered " +
                       std::to_string(r->status) + " without WebHook-Allowed-Origin: " + std::string(kEventGridOrigin) +
                       " (or *).");
}

}  // namespace coffer::server
