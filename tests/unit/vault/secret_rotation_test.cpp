// SecretRotation over a real SQLite store: policies (default, refused, kept
// with the secret's life), manual rotation, rotation by the scheduler under a
// manual clock, the NewVersionCreated event of a rotation, a Notify action
// moving the secret's NearExpiry, and rotations by an external rotator driven
// step by step as the server's driver does (claims, retries, deadline,
// aborts, promotion).
#include "vault/secret_rotation.hpp"

#include <gtest/gtest.h>

#include "vault/event_schedule.hpp"
#include "vault/events.hpp"
#include "vault/lifetime_actions.hpp"
#include "vault/scheduler.hpp"
#include "vault/secret_service.hpp"
#include "vault_test_env.hpp"

namespace coffer::vault {
namespace {

constexpr int64_t kDay = 86400;

class SecretRotationTest : public testing::VaultTest {
 protected:
  void SetUp() override {
    VaultTest::SetUp();
    secrets_ = std::make_unique<SecretService>(*store_, *keyring_, clock_);
    rotation_ = std::make_unique<SecretRotation>(*store_, *secrets_, *keyring_, clock_);
  }
  void TearDown() override {
    rotation_.reset();
    secrets_.reset();
    VaultTest::TearDown();
  }

  Secret set(const std::string& name, const std::string& value, Tags tags = {}) {
    SecretDraft d;
    d.value = SecureString(value);
    d.tags = std::move(tags);
    d.content_type = "text/plain";
    return secrets_->set(vault_, name, d).value();
  }

  static SecretRotationPolicy policy(std::optional<std::string> after_create, std::optional<std::string> expiry = {}) {
    SecretRotationPolicy p;
    if (after_create) {
      p.schedule.lifetime_actions.push_back(
          LifetimeAction{"Rotate", after_create, std::nullopt, kDay, 0, std::nullopt, 0, 0});
    }
    if (expiry) {
      p.schedule.expiry_time = expiry;
      p.schedule.expiry_seconds = 30 * kDay;
    }
    p.generator.length = 24;
    return p;
  }

  std::size_t count(std::string_view prefix) {
    std::size_t n = 0;
    EXPECT_TRUE(store_
                    ->read([&](store::ReadTxn& txn) -> Status {
                      COFFER_ASSIGN_OR_RETURN(auto entries, txn.scan(prefix, "", 10000));
                      n = entries.size();
                      return Status::Ok();
                    })
                    .ok());
    return n;
  }

  std::unique_ptr<SecretService> secrets_;
  std::unique_ptr<SecretRotation> rotation_;
};

TEST_F(SecretRotationTest, APolicyNeedsALiveSecretAndSoundRules) {
  EXPECT_EQ(rotation_->set_policy(vault_, "absent", policy("P1D")).status().code(), Code::kSecretNotFound);
  EXPECT_EQ(rotation_->get_policy(vault_, "absent").status().code(), Code::kSecretNotFound);
  set("db", "v0");
  const auto shown = rotation_->get_policy(vault_, "db").value();
  EXPECT_FALSE(shown.schedule.stored) << "none set: the default is shown";
  ASSERT_EQ(shown.schedule.lifetime_actions.size(), 1u);
  EXPECT_EQ(shown.schedule.lifetime_actions[0].action, "Notify");

  auto too_often = policy("PT30M");
  too_often.schedule.lifetime_actions[0].after_create_seconds = 1800;
  EXPECT_EQ(rotation_->set_policy(vault_, "db", too_often).status().code(), Code::kBadParameter);
  auto short_expiry = policy(std::nullopt, "PT10M");
  short_expiry.schedule.expiry_seconds = 600;
  EXPECT_EQ(rotation_->set_policy(vault_, "db", short_expiry).status().code(), Code::kBadParameter);
  auto before_expiry_without_expiry = policy(std::nullopt);
  before_expiry_without_expiry.schedule.lifetime_actions.push_back(
      LifetimeAction{"Rotate", std::nullopt, "P7D", 0, 7 * kDay, std::nullopt, 0, 0});
  EXPECT_EQ(rotation_->set_policy(vault_, "db", before_expiry_without_expiry).status().code(), Code::kBadParameter);
  auto nothing_to_draw = policy("P1D");
  nothing_to_draw.generator.exclude_lowercase = nothing_to_draw.generator.exclude_uppercase = true;
  nothing_to_draw.generator.exclude_numbers = nothing_to_draw.generator.exclude_punctuation = true;
  EXPECT_EQ(rotation_->set_policy(vault_, "db", nothing_to_draw).status().code(), Code::kBadParameter);
  EXPECT_FALSE(rotation_->get_policy(vault_, "db").value().schedule.stored) << "nothing refused was stored";

  const auto stored = rotation_->set_policy(vault_, "DB", policy("P1D")).value();
  EXPECT_TRUE(stored.schedule.stored);
  EXPECT_EQ(stored.schedule.created, clock_.now());
  clock_.advance(10);
  const auto again = rotation_->set_policy(vault_, "db", policy("P2D")).value();
  EXPECT_EQ(again.schedule.created, stored.schedule.created) << "created stays; updated moves";
  EXPECT_EQ(again.schedule.updated, clock_.now());
  EXPECT_EQ(rotation_->get_policy(vault_, "db").value().generator.length, 24);
}

TEST_F(SecretRotationTest, RotateMakesAGeneratedVersionWithTheCurrentTags) {
  const auto v0 = set("api-key", "handwritten", {{"CredentialId", "key1"}});
  EXPECT_EQ(rotation_->rotate(vault_, "api-key").status().code(), Code::kBadParameter)
      << "no policy: nothing says how to make the value";
  auto p = policy(std::nullopt, "P30D");
  p.content_type = "application/x-password";
  ASSERT_TRUE(rotation_->set_policy(vault_, "api-key", p).ok());
  const std::size_t events_before = count("outbox/");
  clock_.advance(100);
  const auto rotated = *rotation_->rotate(vault_, "api-key").value().rotated;
  EXPECT_NE(rotated.properties.version, v0.properties.version);
  EXPECT_EQ(rotated.value.size(), 24u);
  EXPECT_NE(rotated.value.str(), "handwritten");
  EXPECT_EQ(rotated.properties.tags, (Tags{{"CredentialId", "key1"}}));
  EXPECT_EQ(rotated.properties.content_type, "application/x-password");
  EXPECT_EQ(rotated.properties.attributes.expires, clock_.now() + 30 * kDay);
  const auto current = secrets_->get(vault_, "api-key", "").value();
  EXPECT_EQ(current.properties.version, rotated.properties.version) << "the rotated version is current";
  EXPECT_EQ(current.value.str(), rotated.value.str());
  EXPECT_EQ(secrets_->get(vault_, "api-key", v0.properties.version).value().value.str(), "handwritten")
      << "the old version is kept";
  EXPECT_EQ(count("outbox/"), events_before + 1) << "one SecretNewVersionCreated";

  const auto same = *rotation_->rotate(vault_, "api-key", "request-1").value().rotated;
  EXPECT_EQ(rotation_->rotate(vault_, "api-key", "request-1").value().rotated->properties.version,
            same.properties.version)
      << "a retried request makes no second version";
}

TEST_F(SecretRotationTest, TheSchedulerRotatesOncePerPeriodAndSkipsDeletedSecrets) {
  set("token", "v0");
  set("other", "v0");
  ASSERT_TRUE(rotation_->set_policy(vault_, "token", policy("P1D")).ok());
  MaintenanceScheduler sched(*secrets_, clock_, std::chrono::seconds(3600));
  sched.attach_secret_rotation(*rotation_, *registry_);
  clock_.advance(kDay - 60);
  EXPECT_EQ(sched.run_once().value().secrets_rotated, 0u);
  clock_.advance(120);
  EXPECT_EQ(sched.run_once().value().secrets_rotated, 1u);
  EXPECT_EQ(sched.run_once().value().secrets_rotated, 0u) << "the next period counts from the new version";
  clock_.advance(10 * kDay);
  EXPECT_EQ(sched.run_once().value().secrets_rotated, 1u) << "after downtime: one rotation, not ten";
  EXPECT_EQ(secrets_->list_versions(vault_, "other", {}).value().items.size(), 1u) << "no policy, no rotation";

  ASSERT_TRUE(secrets_->remove(vault_, "token").ok());
  clock_.advance(2 * kDay);
  EXPECT_EQ(sched.run_once().value().secrets_rotated, 0u) << "soft-deleted: suspended";
  ASSERT_TRUE(secrets_->recover(vault_, "token").ok());
  EXPECT_EQ(sched.run_once().value().secrets_rotated, 1u) << "recovered: resumed";
  EXPECT_EQ(secrets_->list_versions(vault_, "token", {}).value().items.size(), 4u);

  ASSERT_TRUE(secrets_->remove(vault_, "token").ok());
  ASSERT_TRUE(secrets_->purge(vault_, "token").ok());
  set("token", "new life");
  EXPECT_FALSE(rotation_->get_policy(vault_, "token").value().schedule.stored) << "a purge takes the policy along";
  clock_.advance(2 * kDay);
  EXPECT_EQ(sched.run_once().value().secrets_rotated, 0u);
}

TEST_F(SecretRotationTest, RotationBeforeExpiry) {
  auto p = policy(std::nullopt, "P30D");
  p.schedule.lifetime_actions.push_back(LifetimeAction{"Rotate", std::nullopt, "P7D", 0, 7 * kDay, std::nullopt, 0, 0});
  set("cert-pass", "v0");
  ASSERT_TRUE(rotation_->set_policy(vault_, "cert-pass", p).ok());
  MaintenanceScheduler sched(*secrets_, clock_, std::chrono::seconds(3600));
  sched.attach_secret_rotation(*rotation_, *registry_);
  clock_.advance(365 * kDay);
  EXPECT_EQ(sched.run_once().value().secrets_rotated, 0u) << "a version without exp is never before its expiry";
  ASSERT_TRUE(rotation_->rotate(vault_, "cert-pass").ok());  // exp = now + 30 d
  clock_.advance(23 * kDay - 60);
  EXPECT_EQ(sched.run_once().value().secrets_rotated, 0u);
  clock_.advance(120);
  EXPECT_EQ(sched.run_once().value().secrets_rotated, 1u) << "7 days before exp";
}

TEST_F(SecretRotationTest, ARepeatingIntervalRotatesAtItsWallClockTimesWithAStableJitter) {
  set("nightly", "v0");
  SecretRotationPolicy p;
  LifetimeAction every_day{"Rotate", std::nullopt, std::nullopt, 0, 0, std::nullopt, 0, 0};
  every_day.repeat = "R/…/P1D";
  every_day.repeat_anchor = clock_.now() + 3600;  // the first occurrence, an hour from now
  every_day.repeat_period = kDay;
  p.schedule.lifetime_actions.push_back(every_day);
  ASSERT_TRUE(rotation_->set_policy(vault_, "nightly", p).ok());
  const int64_t jitter = repeat_jitter(every_day, "NIGHTLY");
  EXPECT_EQ(jitter, repeat_jitter(every_day, "nightly")) << "the same for a name, whatever its case";
  EXPECT_LT(jitter, kDay / 10);
  EXPECT_GE(jitter, 0);
  MaintenanceScheduler sched(*secrets_, clock_, std::chrono::seconds(3600));
  sched.attach_secret_rotation(*rotation_, *registry_);
  clock_.advance(3600 + jitter - 1);
  EXPECT_EQ(sched.run_once().value().secrets_rotated, 0u) << "a second before its occurrence";
  clock_.advance(1);
  EXPECT_EQ(sched.run_once().value().secrets_rotated, 1u) << "at anchor + jitter";
  clock_.advance(kDay - 2);
  EXPECT_EQ(sched.run_once().value().secrets_rotated, 0u);
  clock_.advance(2);
  EXPECT_EQ(sched.run_once().value().secrets_rotated, 1u) << "one period later, not counted from the rotation";
  clock_.advance(10 * kDay);
  EXPECT_EQ(sched.run_once().value().secrets_rotated, 1u) << "after downtime: once";
  EXPECT_EQ(sched.run_once().value().secrets_rotated, 0u);

  auto hourly = p;
  hourly.schedule.lifetime_actions[0].repeat_period = 1800;
  EXPECT_EQ(rotation_->set_policy(vault_, "nightly", hourly).status().code(), Code::kBadParameter) << "under PT1H";
  auto notify = p;
  notify.schedule.lifetime_actions[0].action = "Notify";
  EXPECT_EQ(rotation_->set_policy(vault_, "nightly", notify).status().code(), Code::kBadParameter);
  auto two_triggers = p;
  two_triggers.schedule.lifetime_actions[0].time_after_create = "P1D";
  two_triggers.schedule.lifetime_actions[0].after_create_seconds = kDay;
  EXPECT_EQ(rotation_->set_policy(vault_, "nightly", two_triggers).status().code(), Code::kBadParameter);
  EXPECT_EQ(check_lifetime_actions(p.schedule).code(), Code::kBadParameter) << "keys' policies have no repeat";
  EXPECT_EQ(decode_secret_rotation_policy(encode_secret_rotation_policy(p))
                .value()
                .schedule.lifetime_actions[0]
                .repeat_anchor,
            every_day.repeat_anchor);
}

TEST_F(SecretRotationTest, ANotifyActionMovesTheNearExpiryEvent) {
  SecretDraft d;
  d.value = SecureString("v0");
  d.expires = clock_.now() + 20 * kDay;
  secrets_->set(vault_, "expiring", d).value();
  auto p = policy(std::nullopt);
  p.schedule.lifetime_actions.push_back(LifetimeAction{"Notify", std::nullopt, "P7D", 0, 7 * kDay, std::nullopt, 0, 0});
  ASSERT_TRUE(rotation_->set_policy(vault_, "expiring", p).ok());
  EventSchedule schedule(*store_, clock_);
  EXPECT_EQ(schedule.fire_due(clock_.now()).value(), 0u)
      << "the default NearExpiry (30 days before, i.e. now) was replaced by the policy's 7 days";
  clock_.advance(13 * kDay - 60);
  EXPECT_EQ(schedule.fire_due(clock_.now()).value(), 0u);
  clock_.advance(120);
  EXPECT_EQ(schedule.fire_due(clock_.now()).value(), 1u) << "NearExpiry 7 days before exp";
}

class ExternalRotationTest : public SecretRotationTest {
 protected:
  SecretRotationPolicy rotator_policy(int64_t timeout = 6 * 3600) {
    SecretRotationPolicy p = policy("P1D");
    p.rotator = SecretRotator{"https://rotator.example/pg", "alternating", timeout, {}};
    return p;
  }

  // The due steps at the clock's now (claimed).
  std::vector<RotatorCall> due() { return rotation_->claim_due_steps({vault_}, clock_.now()).value(); }

  // Claims and completes the next step.
  void succeed(const RotatorAnswer& answer = {}) {
    auto calls = due();
    ASSERT_EQ(calls.size(), 1u);
    ASSERT_TRUE(rotation_->step_succeeded(calls[0], answer).ok());
  }

  std::size_t events_of(std::string_view type) {
    std::size_t n = 0;
    EXPECT_TRUE(store_
                    ->read([&](store::ReadTxn& txn) -> Status {
                      COFFER_ASSIGN_OR_RETURN(auto entries, txn.scan("outbox/", "", 10000));
                      for (const auto& e : entries) n += decode_event(e.value).value().type == type;
                      return Status::Ok();
                    })
                    .ok());
    return n;
  }
};

TEST_F(ExternalRotationTest, FourClaimedStepsThenPendingBecomesCurrentOnce) {
  const auto v0 = set("db", "v0", {{"CredentialId", "user1"}});
  ASSERT_TRUE(rotation_->set_policy(vault_, "db", rotator_policy()).ok());
  EXPECT_TRUE(due().empty()) << "nothing runs before a rotation starts";
  const auto started = rotation_->rotate(vault_, "db").value();
  EXPECT_FALSE(started.rotated) << "a rotator's rotation makes nothing current at once";
  const std::string token = started.status.pending;
  EXPECT_EQ(started.status.state, "InProgress");
  EXPECT_EQ(started.status.current, v0.properties.version);
  EXPECT_EQ(events_of(event_types::kSecretRotationStarted), 1u);

  // PENDING: by version id only.
  const auto pending = secrets_->get(vault_, "db", token).value();
  EXPECT_EQ(pending.value.size(), 24u);
  EXPECT_EQ(secrets_->get(vault_, "db", "").value().value.str(), "v0");
  EXPECT_EQ(secrets_->list_versions(vault_, "db", {}).value().items.size(), 1u);
  EXPECT_EQ(secrets_->list(vault_, {}).value().items[0].version, v0.properties.version);

  auto calls = due();
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0].step, kCreateSecret);
  EXPECT_EQ(calls[0].token, token);
  EXPECT_EQ(calls[0].current, v0.properties.version);
  EXPECT_TRUE(due().empty()) << "claimed: no second driver posts the same step";
  clock_.advance(kRotatorClaimSeconds + 1);
  calls = due();
  ASSERT_EQ(calls.size(), 1u) << "a claim lapses (a driver died)";
  ASSERT_TRUE(rotation_->step_succeeded(calls[0], {}).ok());
  EXPECT_EQ(rotation_->step_succeeded(calls[0], {}).code(), Code::kConflict) << "a step is recorded once";
  succeed();  // setSecret
  succeed();  // testSecret
  const std::size_t created_before = events_of(event_types::kSecretNewVersionCreated);
  clock_.advance(500);
  succeed();  // finishSecret
  const auto current = secrets_->get(vault_, "db", "").value();
  EXPECT_EQ(current.properties.version, token);
  EXPECT_EQ(current.value.str(), pending.value.str());
  EXPECT_EQ(current.properties.attributes.created, clock_.now()) << "the next rotation counts from the finish";
  EXPECT_EQ(events_of(event_types::kSecretNewVersionCreated), created_before + 1);
  const auto status = rotation_->status(vault_, "db").value();
  EXPECT_EQ(status.state, "Idle");
  EXPECT_EQ(status.current, token);
  EXPECT_EQ(status.previous, v0.properties.version);
  EXPECT_EQ(secrets_->list_versions(vault_, "db", {}).value().items.size(), 2u);

  // The next rotation tells the rotator PREVIOUS's credential (alternating).
  ASSERT_TRUE(rotation_->rotate(vault_, "db").ok());
  calls = due();
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0].previous, v0.properties.version);
  EXPECT_EQ(calls[0].credential_id, "user1");
}

TEST_F(ExternalRotationTest, FailuresRetryOnTheScheduleUntilTheDeadlineThenResume) {
  set("api", "v0");
  ASSERT_TRUE(rotation_->set_policy(vault_, "api", rotator_policy(kMinRotationTimeoutSeconds)).ok());
  const std::string token = rotation_->rotate(vault_, "api").value().status.pending;
  succeed();
  auto calls = due();
  ASSERT_EQ(calls.size(), 1u);
  ASSERT_TRUE(rotation_->step_failed(calls[0], "answered 500", 0).ok());
  EXPECT_TRUE(due().empty()) << "not before 10 s";
  clock_.advance(10);
  calls = due();
  ASSERT_EQ(calls.size(), 1u);
  ASSERT_TRUE(rotation_->step_failed(calls[0], "answered 429", 100).ok());
  clock_.advance(99);
  EXPECT_TRUE(due().empty()) << "a longer Retry-After wins over 30 s";
  clock_.advance(1);
  calls = due();
  ASSERT_EQ(calls.size(), 1u);
  ASSERT_TRUE(rotation_->step_failed(calls[0], "answered 503", 0).ok());  // next in 60 s: t+170 < 300
  clock_.advance(60);
  calls = due();
  ASSERT_EQ(calls.size(), 1u);
  ASSERT_TRUE(rotation_->step_failed(calls[0], "answered 503", 0).ok());  // next in 300 s: past the deadline
  auto status = rotation_->status(vault_, "api").value();
  EXPECT_EQ(status.state, "Failed");
  EXPECT_EQ(status.step, "setSecret");
  EXPECT_EQ(status.last_error, "answered 503");
  EXPECT_EQ(events_of(event_types::kSecretRotationFailed), 1u);
  EXPECT_EQ(secrets_->get(vault_, "api", "").value().value.str(), "v0") << "the old value stays current";

  MaintenanceScheduler sched(*secrets_, clock_, std::chrono::seconds(3600));
  sched.attach_secret_rotation(*rotation_, *registry_);
  clock_.advance(2 * kDay);  // the policy's Rotate is due, but a Failed rotation waits 12 h from its failure…
  EXPECT_TRUE(due().empty());
  EXPECT_EQ(sched.run_once().value().secrets_rotated, 1u) << "…which has passed: resumed";
  status = rotation_->status(vault_, "api").value();
  EXPECT_EQ(status.state, "InProgress");
  EXPECT_EQ(status.pending, token) << "resumed with the same token";
  EXPECT_EQ(sched.run_once().value().secrets_rotated, 0u) << "one in flight is not started again";
  succeed();
  succeed();
  succeed();
  EXPECT_EQ(secrets_->get(vault_, "api", "").value().properties.version, token);
}

TEST_F(ExternalRotationTest, ASetAbortsAndForceRestarts) {
  set("tok", "v0");
  ASSERT_TRUE(rotation_->set_policy(vault_, "tok", rotator_policy()).ok());
  const std::string first = rotation_->rotate(vault_, "tok").value().status.pending;
  auto calls = due();
  ASSERT_EQ(calls.size(), 1u);
  const std::string second = rotation_->rotate(vault_, "tok", {}, true).value().status.pending;
  EXPECT_NE(second, first);
  EXPECT_EQ(secrets_->get(vault_, "tok", first).status().code(), Code::kForbidden) << "the old PENDING is disabled";
  EXPECT_EQ(rotation_->step_succeeded(calls[0], {}).code(), Code::kConflict) << "a step of the old rotation is stale";
  EXPECT_EQ(rotation_->rotate(vault_, "tok").value().status.pending, second) << "without force: resumed";

  const auto by_client = set("tok", "typed");
  const auto status = rotation_->status(vault_, "tok").value();
  EXPECT_EQ(status.state, "Idle");
  EXPECT_EQ(status.current, by_client.properties.version);
  EXPECT_EQ(secrets_->get(vault_, "tok", second).status().code(), Code::kForbidden);
  EXPECT_TRUE(due().empty());
  EXPECT_EQ(events_of(event_types::kSecretRotationFailed), 2u) << "one per aborted rotation";
  EXPECT_EQ(secrets_->list_versions(vault_, "tok", {}).value().items.size(), 2u) << "aborted PENDINGs stay unlisted";
}

TEST_F(ExternalRotationTest, GeneratorNoneTakesTheValueFromTheRotatorsAnswer) {
  set("admin", "v0", {{"CredentialId", "a1"}});
  auto p = rotator_policy();
  p.generator.type = SecretGenerator::Type::kNone;
  ASSERT_TRUE(rotation_->set_policy(vault_, "admin", p).ok());
  p.rotator.reset();
  EXPECT_EQ(rotation_->set_policy(vault_, "admin", p).status().code(), Code::kBadParameter) << "none needs a rotator";
  const std::string token = rotation_->rotate(vault_, "admin").value().status.pending;
  EXPECT_EQ(secrets_->get(vault_, "admin", token).status().code(), Code::kSecretNotFound) << "no value yet";
  auto calls = due();
  ASSERT_EQ(calls.size(), 1u);
  ASSERT_TRUE(rotation_->step_succeeded(calls[0], {}).ok()) << "recorded as a failure of the step";
  EXPECT_EQ(rotation_->status(vault_, "admin").value().step, "createSecret");
  EXPECT_NE(rotation_->status(vault_, "admin").value().last_error.find("without a value"), std::string::npos);
  clock_.advance(10);
  RotatorAnswer answer;
  answer.value = SecureString("from-the-target");
  answer.tags = Tags{{"CredentialId", "a2"}};
  succeed(answer);
  const auto pending = secrets_->get(vault_, "admin", token).value();
  EXPECT_EQ(pending.value.str(), "from-the-target");
  EXPECT_EQ(pending.properties.tags, (Tags{{"CredentialId", "a2"}}));
  succeed();
  succeed();
  succeed();
  EXPECT_EQ(secrets_->get(vault_, "admin", "").value().value.str(), "from-the-target");
}

TEST_F(ExternalRotationTest, ASignedRotatorKeepsItsSecretUntilANewOneIsAskedFor) {
  set("signed", "v0");
  auto p = rotator_policy();
  p.rotator->signing.scheme = std::string(kStandardWebhooks);
  const auto made = rotation_->set_policy(vault_, "signed", p).value();
  ASSERT_TRUE(made.rotator->signing.revealed);
  const std::string secret = made.rotator->signing.revealed->str();
  EXPECT_TRUE(secret.starts_with("whsec_"));
  EXPECT_EQ(count("secretpolicy/"), 1u);
  EXPECT_FALSE(rotation_->get_policy(vault_, "signed").value().rotator->signing.revealed) << "shown once";
  EXPECT_FALSE(rotation_->set_policy(vault_, "signed", p).value().rotator->signing.revealed) << "kept";
  ASSERT_TRUE(rotation_->rotate(vault_, "signed").ok());
  auto calls = due();
  ASSERT_EQ(calls.size(), 1u);
  ASSERT_TRUE(calls[0].signing_secret);
  EXPECT_EQ(calls[0].signing_secret->str(), secret);

  p.rotator->signing.rotate_secret = true;
  const auto rotated = rotation_->set_policy(vault_, "signed", p).value();
  ASSERT_TRUE(rotated.rotator->signing.revealed);
  EXPECT_NE(rotated.rotator->signing.revealed->str(), secret);
  p.rotator->signing = {};
  p.rotator->signing.rotate_secret = true;
  EXPECT_EQ(rotation_->set_policy(vault_, "signed", p).status().code(), Code::kBadParameter)
      << "rotateSecret without a scheme";
  p.rotator->signing.scheme = "hmac-md5";
  p.rotator->signing.rotate_secret = false;
  EXPECT_EQ(rotation_->set_policy(vault_, "signed", p).status().code(), Code::kBadParameter);
}

TEST_F(ExternalRotationTest, DeletionSuspendsAndPurgeForgets) {
  set("gone", "v0");
  ASSERT_TRUE(rotation_->set_policy(vault_, "gone", rotator_policy()).ok());
  ASSERT_TRUE(rotation_->rotate(vault_, "gone").ok());
  ASSERT_TRUE(secrets_->remove(vault_, "gone").ok());
  EXPECT_TRUE(due().empty()) << "soft-deleted: suspended";
  ASSERT_TRUE(secrets_->recover(vault_, "gone").ok());
  EXPECT_EQ(due().size(), 1u) << "recovered: resumed";
  ASSERT_TRUE(secrets_->remove(vault_, "gone").ok());
  ASSERT_TRUE(secrets_->purge(vault_, "gone").ok());
  EXPECT_EQ(count("secretrot/"), 0u);
  EXPECT_EQ(count("secretpolicy/"), 0u);
}

}  // namespace
}  // namespace coffer::vault
