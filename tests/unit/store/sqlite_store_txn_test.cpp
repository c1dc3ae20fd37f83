// SQLite's transactions: failed callbacks in a shared group-commit batch,
// the reader pool, destruction with queued writes (the contract on both
// backends is store_contract_test.cpp).
#include <atomic>
#include <chrono>
#include <latch>
#include <stdexcept>
#include <thread>

#include "store_test_util.hpp"

namespace coffer::store::testing {
namespace {

class TxnTest : public StoreTest {
 protected:
  // Waits until `n` write() calls are queued behind the writer thread.
  static bool wait_queued(sqlite::SqliteStore& s, std::size_t n) {
    for (int i = 0; i < 5000; ++i) {
      if (s.queued_writes() >= n) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return false;
  }
};

TEST_F(TxnTest, FailingCallbackLeavesNothingWhileBatchmateCommits) {
  auto s = open();
  ASSERT_TRUE(s);
  std::latch running(1), release(1);
  // Hold the writer busy so the next three callbacks queue up and share one batch.
  std::thread blocker([&] {
    EXPECT_TRUE(s->write([&](WriteTxn& txn) {
                   running.count_down();
                   release.wait();
                   return txn.put("blocker", "v");
                 }).ok());
  });
  running.wait();
  const auto commits_before = s->commit_count();

  Status bad, good, threw;
  std::thread t_bad([&] {
    bad = s->write([](WriteTxn& txn) -> Status {
      COFFER_RETURN_IF_ERROR(txn.put("bad/1", "x"));
      COFFER_RETURN_IF_ERROR(txn.put("good", "overwritten by bad?"));
      COFFER_RETURN_IF_ERROR(txn.erase("blocker"));
      return Status(Code::kForbidden, "no thanks");
    });
  });
  std::thread t_good([&] { good = s->write([](WriteTxn& txn) { return txn.put("good", "v"); }); });
  std::thread t_threw([&] {
    threw = s->write([](WriteTxn& txn) -> Status {
      (void)txn.put("thrown/1", "x");
      throw std::runtime_error("boom");
    });
  });
  ASSERT_TRUE(wait_queued(*s, 3));
  release.count_down();
  for (auto* t : {&blocker, &t_bad, &t_good, &t_threw}) t->join();

  EXPECT_EQ(s->commit_count() - commits_before, 2u);  // the blocker's batch, then one for all three
  EXPECT_EQ(bad.code(), Code::kForbidden);
  EXPECT_EQ(bad.message(), "no thanks");
  EXPECT_EQ(threw.code(), Code::kInternal);
  EXPECT_NE(threw.message().find("boom"), std::string::npos);
  ASSERT_TRUE(good.ok()) << good.message();

  EXPECT_FALSE(get(*s, "bad/1").has_value());
  EXPECT_FALSE(get(*s, "thrown/1").has_value());
  EXPECT_TRUE(get(*s, "blocker").has_value());
  EXPECT_EQ(get(*s, "good")->value, "v");
}

TEST_F(TxnTest, ReadersWaitForAFreeConnection) {
  auto s = open(/*readers=*/1);
  ASSERT_TRUE(s);
  ASSERT_TRUE(put(*s, "k", "v").ok());
  std::atomic<int> inside{0}, max_inside{0}, ok{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 6; ++t) {
    threads.emplace_back([&] {
      Status st = s->read([&](ReadTxn& txn) -> Status {
        const int now = ++inside;
        int prev = max_inside.load();
        while (prev < now && !max_inside.compare_exchange_weak(prev, now)) {
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
        auto e = txn.get("k");
        --inside;
        return e.ok() && *e ? Status::Ok() : Status(Code::kInternal, "missing");
      });
      if (st.ok()) ++ok;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 6);
  EXPECT_EQ(max_inside.load(), 1);
}

TEST_F(TxnTest, DestructionAnswersQueuedWrites) {
  auto s = open();
  ASSERT_TRUE(s);
  std::latch running(1), release(1);
  std::vector<std::thread> threads;
  std::vector<Status> results(8);
  threads.emplace_back([&] {
    results[0] = s->write([&](WriteTxn& txn) {
      running.count_down();
      release.wait();
      return txn.put("first", "v");
    });
  });
  running.wait();
  for (int i = 1; i < 8; ++i) {
    threads.emplace_back([&, i] { results[static_cast<std::size_t>(i)] = put(*s, "q/" + std::to_string(i), "v"); });
  }
  ASSERT_TRUE(wait_queued(*s, 7));
  std::thread closer([&] { s.reset(); });  // must drain the queue before returning
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  release.count_down();
  closer.join();
  for (auto& t : threads) t.join();
  for (const auto& r : results) EXPECT_TRUE(r.ok()) << r.message();
  auto reopened = open();
  ASSERT_TRUE(reopened);
  EXPECT_EQ(scan(*reopened, "q/").size(), 7u);
}

}  // namespace
}  // namespace coffer::store::testing
