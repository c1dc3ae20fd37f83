// SecretRotation over a real SQLite store: policies (default, refused, kept
// with the secret's life), manual rotation, rotation by the scheduler under a
// manual clock, the NewVersionCreated event of a rotation, and a Notify
// action moving the secret's NearExpiry.
#include "vault/secret_rotation.hpp"

#include <gtest/gtest.h>

#include "vault/event_schedule.hpp"
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
    rotation_ = std::make_unique<SecretRotation>(*store_, *secrets_, clock_);
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
      p.schedule.lifetime_actions.push_back(LifetimeAction{"Rotate", after_create, std::nullopt, kDay, 0});
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
      LifetimeAction{"Rotate", std::nullopt, "P7D", 0, 7 * kDay});
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
  const auto rotated = rotation_->rotate(vault_, "api-key").value();
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

  const auto same = rotation_->rotate(vault_, "api-key", "request-1").value();
  EXPECT_EQ(rotation_->rotate(vault_, "api-key", "request-1").value().properties.version, same.properties.version)
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
  p.schedule.lifetime_actions.push_back(LifetimeAction{"Rotate", std::nullopt, "P7D", 0, 7 * kDay});
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

TEST_F(SecretRotationTest, ANotifyActionMovesTheNearExpiryEvent) {
  SecretDraft d;
  d.value = SecureString("v0");
  d.expires = clock_.now() + 20 * kDay;
  secrets_->set(vault_, "expiring", d).value();
  auto p = policy(std::nullopt);
  p.schedule.lifetime_actions.push_back(LifetimeAction{"Notify", std::nullopt, "P7D", 0, 7 * kDay});
  ASSERT_TRUE(rotation_->set_policy(vault_, "expiring", p).ok());
  EventSchedule schedule(*store_, clock_);
  EXPECT_EQ(schedule.fire_due(clock_.now()).value(), 0u)
      << "the default NearExpiry (30 days before, i.e. now) was replaced by the policy's 7 days";
  clock_.advance(13 * kDay - 60);
  EXPECT_EQ(schedule.fire_due(clock_.now()).value(), 0u);
  clock_.advance(120);
  EXPECT_EQ(schedule.fire_due(clock_.now()).value(), 1u) << "NearExpiry 7 days before exp";
}

}  // namespace
}  // namespace coffer::vault
