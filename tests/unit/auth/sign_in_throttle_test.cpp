// SignInThrottle: failures drain a bucket per address and per client id;
// past the burst a sign-in waits (Retry-After), buckets refill with time,
// and memory stays bounded however many addresses appear.
#include <gtest/gtest.h>

#include "auth/service_principals.hpp"
#include "auth/sign_in_throttle.hpp"
#include "crypto/random.hpp"
#include "store/store.hpp"

#include <filesystem>

namespace coffer::auth {
namespace {

using namespace std::chrono_literals;

struct FakeTime {
  std::chrono::steady_clock::time_point t{};
  SignInThrottle::Now fn() {
    return [this] { return t; };
  }
};

TEST(SignInThrottle, AddressBurstThenRetryAfterThenRefill) {
  FakeTime time;
  SignInThrottle th({3, 2000ms, 100, 1000ms, 100}, time.fn());
  for (int i = 0; i < 3; ++i) EXPECT_EQ(th.begin("10.0.0.1", "c" + std::to_string(i)), 0);  // 3 failures
  EXPECT_EQ(th.begin("10.0.0.1", "other"), 2);
  EXPECT_EQ(th.begin("10.0.0.2", "other"), 0) << "another address is not affected";
  time.t += 1000ms;
  EXPECT_EQ(th.begin("10.0.0.1", "x"), 1);
  time.t += 1000ms;
  EXPECT_EQ(th.begin("10.0.0.1", "x"), 0) << "one failure refilled, and taken";
  EXPECT_EQ(th.begin("10.0.0.1", "x"), 2);
}

// Concurrent attempts cannot all pass while the bucket looks full: each
// takes its share before its credential is checked; a success gives it back.
TEST(SignInThrottle, AttemptsReserveAndSuccessesRefund) {
  FakeTime time;
  SignInThrottle th({2, 60000ms, 100, 1000ms, 100}, time.fn());
  EXPECT_EQ(th.begin("a", "c1"), 0);
  EXPECT_EQ(th.begin("a", "c2"), 0);
  EXPECT_GT(th.begin("a", "c3"), 0) << "two attempts in flight use up the burst";
  th.succeeded("a", "c1");
  EXPECT_EQ(th.begin("a", "c4"), 0) << "a success gave its share back";
  for (int i = 0; i < 10; ++i) th.succeeded("a", "c1");  // never above the burst
  EXPECT_EQ(th.begin("a", "c5"), 0);
  EXPECT_EQ(th.begin("a", "c6"), 0);
  EXPECT_GT(th.begin("a", "c7"), 0);
}

TEST(SignInThrottle, ClientIdIsThrottledAcrossAddresses) {
  FakeTime time;
  SignInThrottle th({100, 1000ms, 2, 5000ms, 100}, time.fn());
  EXPECT_EQ(th.begin("a", "victim"), 0);
  EXPECT_EQ(th.begin("b", "victim"), 0);
  EXPECT_EQ(th.begin("c", "victim"), 5);
  EXPECT_EQ(th.begin("c", "someone-else"), 0);
  EXPECT_EQ(th.begin("c", ""), 0) << "no client id: the address alone decides";
}

TEST(SignInThrottle, MemoryIsBounded) {
  FakeTime time;
  SignInThrottle th({5, 1000ms, 5, 1000ms, 50}, time.fn());
  for (int i = 0; i < 10000; ++i) (void)th.begin("addr-" + std::to_string(i), "id-" + std::to_string(i));
  // The most recent failures are still counted.
  for (int i = 0; i < 4; ++i) (void)th.begin("addr-9999", "id-9999");
  EXPECT_GT(th.begin("addr-9999", ""), 0);
}

// The registry: a wrong secret costs a hash until the throttle refuses;
// a client whose secret was verified before passes even then.
class RegistryThrottleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("coffer-throttle-" + crypto::new_version_id());
    std::filesystem::create_directories(dir_);
    store_ = std::move(store::open_sqlite_store({(dir_ / "db").string()}).value());
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::filesystem::path dir_;
  std::unique_ptr<store::Store> store_;
  ManualClock clock_{1'700'000'000};
};

TEST_F(RegistryThrottleTest, FailuresAreThrottledAndAVerifiedClientIsNot) {
  FakeTime time;
  SignInThrottle th({4, 60000ms, 3, 60000ms, 100}, time.fn());
  ServicePrincipalRegistry sps(*store_, clock_, "tenant", &th, 1);
  auto app = sps.create("app").value();
  const std::string id = app.principal.app_id;
  ASSERT_TRUE(sps.authenticate(id, app.client_secret.view(), "10.0.0.9").ok());
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(sps.authenticate(id, "wrong", "10.6.6." + std::to_string(i)).status().code(), Code::kUnauthorized);
  }
  auto refused = sps.authenticate(id, "wrong", "10.6.6.99");
  EXPECT_EQ(refused.status().code(), Code::kThrottled);
  EXPECT_EQ(refused.status().reason(), "60");  // the client id's bucket refills one failure per 60 s
  // The right secret from anywhere still works: it was verified before.
  EXPECT_TRUE(sps.authenticate(id, app.client_secret.view(), "10.0.0.10").ok());
  // A reset secret is not recognised from memory: the old one fails, the new one is throttled (never verified).
  auto fresh = sps.reset_secret(id).value();
  EXPECT_EQ(sps.authenticate(id, app.client_secret.view(), "10.0.0.10").status().code(), Code::kThrottled);
  time.t += 61000ms;
  EXPECT_TRUE(sps.authenticate(id, fresh.view(), "10.0.0.10").ok());
  EXPECT_EQ(sps.authenticate(id, app.client_secret.view(), "10.0.0.10").status().code(), Code::kUnauthorized);
}

TEST_F(RegistryThrottleTest, UnknownClientIdsAndOneAddressAreThrottledToo) {
  FakeTime time;
  SignInThrottle th({2, 60000ms, 100, 1000ms, 100}, time.fn());
  ServicePrincipalRegistry sps(*store_, clock_, "tenant", &th, 1);
  EXPECT_EQ(sps.authenticate("no-such-id", "x", "10.1.1.1").status().code(), Code::kUnauthorized);
  EXPECT_EQ(sps.authenticate("no-such-id-2", "x", "10.1.1.1").status().code(), Code::kUnauthorized);
  EXPECT_EQ(sps.authenticate("no-such-id-3", "x", "10.1.1.1").status().code(), Code::kThrottled);
  EXPECT_EQ(sps.authenticate("no-such-id-3", "x", "10.1.1.2").status().code(), Code::kUnauthorized);
}

// Replicas starting together on an empty shared store: exactly one makes
// the initial administrator.
TEST_F(RegistryThrottleTest, CreateFirstMakesOneOnlyOnAnEmptyStore) {
  ServicePrincipalRegistry a(*store_, clock_, "tenant"), b(*store_, clock_, "tenant");
  auto first = a.create_first("admin");
  ASSERT_TRUE(first.ok());
  ASSERT_TRUE(first->has_value());
  auto second = b.create_first("admin");
  ASSERT_TRUE(second.ok());
  EXPECT_FALSE(second->has_value());
  EXPECT_EQ(a.list().value().size(), 1u);
  EXPECT_EQ(a.create_first("").status().code(), Code::kBadParameter);
}

}  // namespace
}  // namespace coffer::auth
