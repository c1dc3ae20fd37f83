// Events in the vault layer (EVENTS-SPEC.md §3): a change and its event in
// one transaction (a refused change leaves no event), fan-out by the
// subscriptions' filters in commit order, a queue per subscription with
// retries and dead letters, and subscriptions' checks and handshake.
#include <gtest/gtest.h>

#include "vault/event_queue.hpp"
#include "vault/event_schedule.hpp"
#include "vault/event_subscriptions.hpp"
#include "vault/key_service.hpp"
#include "vault/secret_service.hpp"
#include "vault_test_env.hpp"

namespace coffer::vault {
namespace {

class EventQueueTest : public testing::VaultTest {
 protected:
  void SetUp() override {
    VaultTest::SetUp();
    secrets_ = std::make_unique<SecretService>(*store_, *keyring_, clock_);
    subscriptions_ = std::make_unique<EventSubscriptions>(*store_, *keyring_, clock_);
    queue_ = std::make_unique<EventQueue>(*store_, clock_);
  }
  void TearDown() override {
    queue_.reset();
    subscriptions_.reset();
    secrets_.reset();
    VaultTest::TearDown();
  }
  static Result<bool> accept(const VaultInfo&, const EventSubscription&, const std::string&) { return true; }
  EventSubscription subscription(std::string name) {
    EventSubscription s;
    s.name = std::move(name);
    s.endpoint_url = "https://hooks.example/akv";
    return s;
  }
  std::string set(const std::string& name) {
    SecretDraft d;
    d.value = SecureString("value");
    return secrets_->set(vault_, name, d).value().properties.version;
  }
  std::vector<QueuedEvent> drain(const std::string& subscription) {
    std::vector<QueuedEvent> out;
    while (auto head = queue_->head({vault_.id, subscription}).value()) {
      EXPECT_TRUE(queue_->delivered(*head).ok());
      out.push_back(std::move(*head));
    }
    return out;
  }

  std::unique_ptr<SecretService> secrets_;
  std::unique_ptr<EventSubscriptions> subscriptions_;
  std::unique_ptr<EventQueue> queue_;
};

TEST_F(EventQueueTest, EventsReachTheSubscriptionsWhoseFiltersTheyPassInCommitOrder) {
  set("before");  // before any subscription: nobody gets it
  ASSERT_EQ(queue_->fan_out().value(), 1u);
  ASSERT_TRUE(subscriptions_->put(vault_, subscription("all"), accept).ok());
  EventSubscription db = subscription("db-only");
  db.subject_begins_with = "DB-";  // case-insensitive by default
  ASSERT_TRUE(subscriptions_->put(vault_, db, accept).ok());
  EventSubscription keys = subscription("keys-only");
  keys.included_event_types = {std::string(event_types::kKeyNewVersionCreated)};
  ASSERT_TRUE(subscriptions_->put(vault_, keys, accept).ok());

  std::vector<std::string> versions;
  for (int i = 0; i < 5; ++i) versions.push_back(set("db-password"));
  set("web-token");
  EXPECT_EQ(queue_->fan_out(2).value(), 2u) << "a batch at a time";
  EXPECT_EQ(queue_->fan_out().value(), 4u);
  EXPECT_EQ(queue_->fan_out().value(), 0u) << "the outbox is empty";

  auto all = drain("all");
  ASSERT_EQ(all.size(), 6u);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(all[std::size_t(i)].event.version, versions[std::size_t(i)]) << i;
  EXPECT_EQ(all[5].event.object_name, "web-token");
  EXPECT_EQ(all[0].event.type, event_types::kSecretNewVersionCreated);
  EXPECT_EQ(all[0].event.vault_name, "unit");
  EXPECT_EQ(all[0].event.object_type, "Secret");
  EXPECT_EQ(drain("db-only").size(), 5u);
  EXPECT_TRUE(drain("keys-only").empty());
  auto pending = queue_->pending().value();
  EXPECT_TRUE(pending.empty());
}

TEST_F(EventQueueTest, ARefusedChangeLeavesNoEvent) {
  set("taken");
  ASSERT_TRUE(secrets_->remove(vault_, "taken").ok());
  SecretDraft d;
  d.value = SecureString("x");
  EXPECT_FALSE(secrets_->set(vault_, "taken", d).ok()) << "a deleted name is reserved";
  EXPECT_EQ(queue_->fan_out().value(), 1u) << "only the first set made an event";
}

TEST_F(EventQueueTest, RetriesKeepTheEventAndDeadLettersEndIt) {
  ASSERT_TRUE(subscriptions_->put(vault_, subscription("flaky"), accept).ok());
  set("one");
  set("two");
  ASSERT_EQ(queue_->fan_out().value(), 2u);
  const SubscriptionRef ref{vault_.id, "flaky"};
  auto head = queue_->head(ref).value().value();
  ASSERT_TRUE(queue_->retry_later(head, clock_.now() + 10, "Busy").ok());
  auto again = queue_->head(ref).value().value();
  EXPECT_EQ(again.event.id, head.event.id) << "the head stays first: order per subscription";
  EXPECT_EQ(again.attempts, 1);
  EXPECT_EQ(again.next_try, clock_.now() + 10);
  EXPECT_EQ(again.last_outcome, "Busy");
  ASSERT_TRUE(queue_->dead_letter(again, "MaxDeliveryAttemptsExceeded", "Busy").ok());
  auto dead = queue_->dead_letters(vault_.id, "flaky").value();
  ASSERT_EQ(dead.size(), 1u);
  EXPECT_EQ(dead[0].event.id, head.event.id);
  EXPECT_EQ(dead[0].attempts, 2);
  EXPECT_EQ(queue_->head(ref).value()->event.object_name, "two");
  // A replay puts the dead letter back at the end of the queue, same id, attempts afresh.
  clock_.advance(60);
  EXPECT_EQ(queue_->replay_dead_letters(vault_.id, "flaky").value(), 1u);
  EXPECT_TRUE(queue_->dead_letters(vault_.id, "flaky").value().empty());
  auto second = queue_->head(ref).value().value();
  EXPECT_EQ(second.event.object_name, "two") << "behind what was queued already";
  ASSERT_TRUE(queue_->delivered(second).ok());
  auto replayed = queue_->head(ref).value().value();
  EXPECT_EQ(replayed.event.id, head.event.id);
  EXPECT_EQ(replayed.attempts, 0);
  EXPECT_EQ(replayed.queued_at, clock_.now()) << "its time to live starts again";
  ASSERT_TRUE(queue_->dead_letter(replayed, "BadRequest", "BadRequest").ok());
  EXPECT_EQ(queue_->purge_dead_letters(vault_.id, "flaky").value(), 1u);
  EXPECT_TRUE(queue_->dead_letters(vault_.id, "flaky").value().empty());
  EXPECT_EQ(queue_->replay_dead_letters(vault_.id, "flaky").value(), 0u);
  // A disabled subscription (its endpoint answered 410) gets nothing queued until it is put again.
  ASSERT_TRUE(subscriptions_->disable(vault_.id, "flaky").ok());
  EXPECT_EQ(subscriptions_->get(vault_, "flaky").value().provisioning_state, kSubscriptionDisabled);
  set("while-disabled");
  ASSERT_EQ(queue_->fan_out().value(), 1u);
  EXPECT_FALSE(queue_->head(ref).value().has_value()) << "fanned out to nobody";
  ASSERT_TRUE(subscriptions_->put(vault_, subscription("flaky"), accept).ok());
  set("enabled-again");
  ASSERT_EQ(queue_->fan_out().value(), 1u);
  EXPECT_EQ(queue_->head(ref).value()->event.object_name, "enabled-again");
  // Deleting the subscription drops its queue.
  ASSERT_TRUE(subscriptions_->remove(vault_, "FLAKY").ok());
  EXPECT_FALSE(queue_->head(ref).value().has_value());
  EXPECT_EQ(subscriptions_->remove(vault_, "flaky").code(), Code::kNotFound);
}

TEST_F(EventQueueTest, ExpiryEventsFireWhenDueForTheCurrentVersionOnly) {
  ASSERT_TRUE(subscriptions_->put(vault_, subscription("all"), accept).ok());
  EventSchedule schedule(*store_, clock_);
  const int64_t start = clock_.now();
  SecretDraft d;
  d.value = SecureString("v");
  d.expires = start + 40 * 86400;
  const std::string kept = secrets_->set(vault_, "kept", d).value().properties.version;
  secrets_->set(vault_, "replaced", d).value();
  d.expires.reset();
  secrets_->set(vault_, "replaced", d).value();  // the version with the exp is no longer current
  ASSERT_EQ(queue_->fan_out().value(), 3u);      // the NewVersionCreated events
  drain("all");
  EXPECT_EQ(schedule.fire_due(start + 10 * 86400 - 1).value(), 0u) << "not before exp - 30 days";
  EXPECT_EQ(schedule.fire_due(start + 10 * 86400).value(), 1u) << "NearExpiry of 'kept'; 'replaced' stays silent";
  EXPECT_EQ(schedule.fire_due(start + 10 * 86400).value(), 0u) << "each entry fires once";
  ASSERT_TRUE(secrets_->remove(vault_, "kept").ok());
  EXPECT_EQ(schedule.fire_due(start + 40 * 86400).value(), 0u) << "a deleted secret expires silently";
  queue_->fan_out().value();
  auto events = drain("all");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].event.type, event_types::kSecretNearExpiry);
  EXPECT_EQ(events[0].event.version, kept);
  EXPECT_EQ(events[0].event.expires, start + 40 * 86400);
}

TEST_F(EventQueueTest, AKeysNotifyOffsetMovesItsNearExpiry) {
  ASSERT_TRUE(subscriptions_->put(vault_, subscription("all"), accept).ok());
  KeyService keys(*store_, *keyring_, clock_);
  EventSchedule schedule(*store_, clock_);
  const int64_t start = clock_.now();
  KeyDraft d;
  d.kty = "EC";
  d.expires = start + 40 * 86400;
  const std::string version = keys.create(vault_, "signing", d).value().version;
  RotationPolicy policy;
  policy.lifetime_actions.push_back(LifetimeAction{"Notify", std::nullopt, "P10D", 0, 10 * 86400, std::nullopt, 0, 0});
  ASSERT_TRUE(keys.set_rotation_policy(vault_, "signing", policy).ok());
  queue_->fan_out().value();
  drain("all");
  EXPECT_EQ(schedule.fire_due(start + 10 * 86400).value(), 0u) << "the default 30 days no longer apply";
  EXPECT_EQ(schedule.fire_due(start + 30 * 86400 - 1).value(), 0u);
  EXPECT_EQ(schedule.fire_due(start + 30 * 86400).value(), 1u) << "10 days before exp, as the policy says";
  EXPECT_EQ(schedule.fire_due(start + 40 * 86400).value(), 1u) << "then Expired";
  queue_->fan_out().value();
  auto events = drain("all");
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].event.type, event_types::kKeyNearExpiry);
  EXPECT_EQ(events[0].event.version, version);
  EXPECT_EQ(events[1].event.type, event_types::kKeyExpired);
}

TEST_F(EventQueueTest, SubscriptionsAreCheckedAndNeedTheirHandshake) {
  const auto refused = [](const VaultInfo&, const EventSubscription&, const std::string&) -> Result<bool> {
    return bad_parameter("The endpoint did not complete the validation handshake.");
  };
  EXPECT_EQ(subscriptions_->put(vault_, subscription("deaf"), refused).status().code(), Code::kBadParameter);
  EXPECT_EQ(subscriptions_->get(vault_, "deaf").status().code(), Code::kNotFound);
  EventSubscription bad = subscription("x");
  EXPECT_EQ(subscriptions_->put(vault_, bad, accept).status().code(), Code::kBadParameter) << "name too short";
  bad = subscription("plain-http");
  bad.endpoint_url = "http://hooks.example/";
  EXPECT_EQ(subscriptions_->put(vault_, bad, accept).status().code(), Code::kBadParameter);
  bad = subscription("odd-type");
  bad.included_event_types = {"Microsoft.KeyVault.SecretDeleted"};
  EXPECT_EQ(subscriptions_->put(vault_, bad, accept).status().code(), Code::kBadParameter);
  bad = subscription("odd-schema");
  bad.delivery_schema = "CustomInputSchema";
  EXPECT_EQ(subscriptions_->put(vault_, bad, accept).status().code(), Code::kBadParameter);
  bad = subscription("too-many");
  bad.max_delivery_attempts = 31;
  EXPECT_EQ(subscriptions_->put(vault_, bad, accept).status().code(), Code::kBadParameter);
  auto made = subscriptions_->put(vault_, subscription("Good-One"), accept).value();
  EXPECT_EQ(made.provisioning_state, "Succeeded");
  clock_.advance(60);
  auto replaced = subscriptions_->put(vault_, subscription("good-one"), accept).value();
  EXPECT_EQ(replaced.name, "Good-One") << "the stored spelling stays";
  EXPECT_EQ(replaced.created, made.created);
  EXPECT_EQ(replaced.updated, made.created + 60);
  EXPECT_EQ(subscriptions_->list(vault_).value().size(), 1u);
}

TEST_F(EventQueueTest, AManualValidationOpensDeliveryWithinFiveMinutes) {
  std::string link;
  const auto by_hand = [&](const VaultInfo&, const EventSubscription&, const std::string& token) -> Result<bool> {
    link = token;
    return false;  // answered 200 without the code
  };
  auto made = subscriptions_->put(vault_, subscription("manual"), by_hand).value();
  EXPECT_EQ(made.provisioning_state, kSubscriptionAwaitingManualAction);
  EXPECT_GE(link.size(), 40u) << "a token of 32 random bytes";
  set("before");
  ASSERT_TRUE(queue_->fan_out(100).ok());
  EXPECT_EQ(queue_->pending().value().size(), 0u) << "nothing flows before validation";
  EXPECT_EQ(subscriptions_->validate(vault_, "manual", link + "x").status().code(), Code::kBadParameter);
  EXPECT_EQ(subscriptions_->validate(vault_, "other", link).status().code(), Code::kBadParameter);
  EXPECT_EQ(subscriptions_->validate(vault_, "manual", link).value().provisioning_state, kSubscriptionSucceeded);
  EXPECT_EQ(subscriptions_->validate(vault_, "manual", link).status().code(), Code::kBadParameter) << "used once";
  set("after");
  ASSERT_TRUE(queue_->fan_out(100).ok());
  EXPECT_EQ(queue_->pending().value().size(), 1u);

  ASSERT_TRUE(subscriptions_->put(vault_, subscription("too-late"), by_hand).ok());
  clock_.advance(kManualValidationSeconds + 1);
  EXPECT_EQ(subscriptions_->get(vault_, "too-late").value().provisioning_state, kSubscriptionFailed);
  EXPECT_EQ(subscriptions_->validate(vault_, "too-late", link).status().code(), Code::kBadParameter);
}

}  // namespace
}  // namespace coffer::vault
