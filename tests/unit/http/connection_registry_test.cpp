// ConnectionRegistry at its limit: a new connection takes the place of the
// oldest that never completed a request, then of the one idle longest
// between requests; busy connections are never shed, and when all are busy
// the newcomer is refused.
#include <gtest/gtest.h>

#include "http/connection_registry.hpp"

namespace coffer::http {
namespace {

class FakeConnection : public Connection {
 public:
  FakeConnection(Idleness idleness, int64_t since) : rank_{idleness, since} {}
  void begin_stop() override {}
  ShedRank shed_rank() const override { return rank_; }
  void shed() override {
    ++shed_calls;
    rank_.idleness = Idleness::kBusy;
  }
  ShedRank rank_;
  int shed_calls = 0;
};

using Idle = Connection::Idleness;

TEST(ConnectionRegistry, UnderTheLimitNobodyIsShed) {
  ConnectionRegistry reg(nullptr, 3);
  auto a = std::make_shared<FakeConnection>(Idle::kNoRequestYet, 1);
  auto b = std::make_shared<FakeConnection>(Idle::kNoRequestYet, 2);
  EXPECT_TRUE(reg.add(a));
  EXPECT_TRUE(reg.add(b));
  EXPECT_EQ(a->shed_calls + b->shed_calls, 0);
  EXPECT_EQ(reg.size(), 2u);
}

TEST(ConnectionRegistry, ShedsNoRequestYetOldestFirstThenLongestIdle) {
  ConnectionRegistry reg(nullptr, 4);
  auto busy = std::make_shared<FakeConnection>(Idle::kBusy, 0);
  auto client = std::make_shared<FakeConnection>(Idle::kBetweenRequests, 5);  // idle since 5
  auto fresh_old = std::make_shared<FakeConnection>(Idle::kNoRequestYet, 10);
  auto fresh_new = std::make_shared<FakeConnection>(Idle::kNoRequestYet, 20);
  for (auto& c : {busy, client, fresh_old, fresh_new}) ASSERT_TRUE(reg.add(c));

  auto n1 = std::make_shared<FakeConnection>(Idle::kNoRequestYet, 30);
  EXPECT_TRUE(reg.add(n1));
  EXPECT_EQ(fresh_old->shed_calls, 1) << "the oldest connection with no request yet goes first";
  reg.remove(fresh_old.get());
  auto n2 = std::make_shared<FakeConnection>(Idle::kNoRequestYet, 40);
  EXPECT_TRUE(reg.add(n2));
  EXPECT_EQ(fresh_new->shed_calls, 1);
  reg.remove(fresh_new.get());
  // n1, n2 have no request yet and are newer; they still go before a client between requests.
  auto n3 = std::make_shared<FakeConnection>(Idle::kNoRequestYet, 50);
  EXPECT_TRUE(reg.add(n3));
  EXPECT_EQ(n1->shed_calls, 1);
  EXPECT_EQ(client->shed_calls, 0);
  EXPECT_EQ(busy->shed_calls, 0);
}

TEST(ConnectionRegistry, AllBusyRefusesTheNewcomer) {
  ConnectionRegistry reg(nullptr, 2);
  auto a = std::make_shared<FakeConnection>(Idle::kBusy, 1);
  auto b = std::make_shared<FakeConnection>(Idle::kBetweenRequests, 2);
  ASSERT_TRUE(reg.add(a));
  ASSERT_TRUE(reg.add(b));
  auto c = std::make_shared<FakeConnection>(Idle::kNoRequestYet, 3);
  EXPECT_TRUE(reg.add(c)) << "b is idle between requests: it makes room";
  EXPECT_EQ(b->shed_calls, 1);
  // b is closing (kBusy now) but not gone yet; a is busy: nothing left to shed.
  auto d = std::make_shared<FakeConnection>(Idle::kNoRequestYet, 4);
  c->rank_.idleness = Idle::kBusy;
  EXPECT_FALSE(reg.add(d));
  EXPECT_EQ(reg.size(), 3u);
}

TEST(ConnectionRegistry, StoppingRefuses) {
  ConnectionRegistry reg(nullptr, 10);
  reg.stop();
  EXPECT_FALSE(reg.add(std::make_shared<FakeConnection>(Idle::kNoRequestYet, 1)));
}

}  // namespace
}  // namespace coffer::http
