// ConcurrencyGate: never more holders than slots, a bounded waiting room,
// and waits that end — by a slot freeing up or by the time running out.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "common/concurrency_gate.hpp"

namespace coffer {
namespace {

using std::chrono::milliseconds;

TEST(ConcurrencyGate, SlotsThenWaitingRoomThenRefusal) {
  ConcurrencyGate gate(2, 1);
  auto a = gate.enter(milliseconds(0));
  auto b = gate.enter(milliseconds(0));
  ASSERT_TRUE(a && b);
  EXPECT_FALSE(gate.enter(milliseconds(20))) << "the wait ran out";
  std::optional<ConcurrencyGate::Pass> waited;
  std::thread waiter([&] { waited = gate.enter(milliseconds(5000)); });
  std::this_thread::sleep_for(milliseconds(50));
  EXPECT_FALSE(gate.enter(milliseconds(1000))) << "the waiting room (1) is taken: refused at once";
  a.reset();  // frees a slot: the waiter gets it
  waiter.join();
  EXPECT_TRUE(waited);
}

TEST(ConcurrencyGate, NeverMoreHoldersThanSlots) {
  ConcurrencyGate gate(3, 64);
  std::atomic<int> inside{0}, most{0}, done{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 16; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 50; ++i) {
        auto pass = gate.enter(milliseconds(10000));
        ASSERT_TRUE(pass);
        const int now = ++inside;
        int seen = most.load();
        while (now > seen && !most.compare_exchange_weak(seen, now)) {
        }
        std::this_thread::yield();
        --inside;
        ++done;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(done.load(), 800);
  EXPECT_LE(most.load(), 3);
  EXPECT_GE(most.load(), 1);
}

TEST(ConcurrencyGate, ZeroSlotsMeansOne) {
  ConcurrencyGate gate(0, 0);
  auto a = gate.enter(milliseconds(0));
  EXPECT_TRUE(a);
  EXPECT_FALSE(gate.enter(milliseconds(0)));
}

}  // namespace
}  // namespace coffer
