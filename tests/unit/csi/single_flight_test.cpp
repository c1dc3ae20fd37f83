// SingleFlight: concurrent calls with one key share one execution; nothing
// is kept after it returns.
#include "csi/single_flight.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <stdexcept>
#include <thread>
#include <vector>

namespace coffer::csi {
namespace {

using namespace std::chrono_literals;

// A one-shot gate the leader's fn waits on.
class Gate {
 public:
  void open() {
    std::lock_guard<std::mutex> lock(mu_);
    open_ = true;
    cv_.notify_all();
  }
  bool wait(std::chrono::milliseconds timeout = 10s) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return open_; });
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool open_ = false;
};

// Waits until `pred` holds, up to 10 s.
template <typename Pred>
bool eventually(Pred pred) {
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (!pred()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(1ms);
  }
  return true;
}

TEST(SingleFlight, ConcurrentCallsWithOneKeyRunOnce) {
  SingleFlight<std::string> flight;
  Gate release;
  std::atomic<int> leader_runs{0};
  std::atomic<int> follower_runs{0};
  std::string leader_result;
  std::thread leader([&] {
    leader_result = flight.run("k", [&] {
      ++leader_runs;
      EXPECT_TRUE(release.wait());
      return std::string("shared result");
    });
  });
  ASSERT_TRUE(eventually([&] { return leader_runs.load() == 1; }));
  EXPECT_EQ(flight.in_flight(), 1u);

  constexpr int kFollowers = 8;
  std::atomic<int> arrived{0};
  std::vector<std::string> results(kFollowers);
  std::vector<std::thread> followers;
  for (int i = 0; i < kFollowers; ++i) {
    followers.emplace_back([&, i] {
      ++arrived;
      results[i] = flight.run("k", [&] {
        ++follower_runs;
        return std::string("a second execution");
      });
    });
  }
  ASSERT_TRUE(eventually([&] { return arrived.load() == kFollowers; }));
  std::this_thread::sleep_for(100ms);  // let every follower reach its wait
  EXPECT_EQ(flight.in_flight(), 1u);
  release.open();
  leader.join();
  for (auto& t : followers) t.join();

  EXPECT_EQ(leader_runs.load(), 1);
  EXPECT_EQ(follower_runs.load(), 0);
  EXPECT_EQ(leader_result, "shared result");
  for (const auto& r : results) EXPECT_EQ(r, "shared result");
  EXPECT_EQ(flight.in_flight(), 0u);
}

TEST(SingleFlight, DifferentKeysRunSeparatelyAndConcurrently) {
  SingleFlight<int> flight;
  std::atomic<int> started{0};
  Gate both_started;
  auto fn_for = [&](int value) {
    return [&, value] {
      if (++started == 2) both_started.open();
      // Each waits for the other: only possible if they run at the same time.
      EXPECT_TRUE(both_started.wait(10s));
      return value;
    };
  };
  int a = 0, b = 0;
  std::thread ta([&] { a = flight.run("a", fn_for(1)); });
  std::thread tb([&] { b = flight.run("b", fn_for(2)); });
  ta.join();
  tb.join();
  EXPECT_EQ(started.load(), 2);
  EXPECT_EQ(a, 1);
  EXPECT_EQ(b, 2);
  EXPECT_EQ(flight.in_flight(), 0u);
}

TEST(SingleFlight, NothingIsCachedAfterACallReturns) {
  SingleFlight<int> flight;
  int runs = 0;
  EXPECT_EQ(flight.run("k", [&] { return ++runs; }), 1);
  EXPECT_EQ(flight.in_flight(), 0u);
  EXPECT_EQ(flight.run("k", [&] { return ++runs; }), 2);
  EXPECT_EQ(flight.run("k", [&] { return ++runs; }), 3);
  EXPECT_EQ(runs, 3);
}

TEST(SingleFlight, ExceptionReachesEveryWaiter) {
  SingleFlight<int> flight;
  Gate release;
  std::atomic<int> runs{0};
  std::atomic<int> caught{0};
  auto call = [&] {
    try {
      flight.run("k", [&]() -> int {
        ++runs;
        EXPECT_TRUE(release.wait());
        throw std::runtime_error("vault exploded");
      });
    } catch (const std::runtime_error& e) {
      if (std::string(e.what()) == "vault exploded") ++caught;
    }
  };
  std::thread leader(call);
  ASSERT_TRUE(eventually([&] { return runs.load() == 1; }));
  constexpr int kFollowers = 5;
  std::atomic<int> arrived{0};
  std::vector<std::thread> followers;
  for (int i = 0; i < kFollowers; ++i) {
    followers.emplace_back([&] {
      ++arrived;
      call();
    });
  }
  ASSERT_TRUE(eventually([&] { return arrived.load() == kFollowers; }));
  std::this_thread::sleep_for(100ms);
  release.open();
  leader.join();
  for (auto& t : followers) t.join();
  EXPECT_EQ(runs.load(), 1);
  EXPECT_EQ(caught.load(), kFollowers + 1);
  EXPECT_EQ(flight.in_flight(), 0u);
  // The failure is not remembered either.
  EXPECT_EQ(flight.run("k", [] { return 7; }), 7);
}

TEST(SingleFlight, SequentialExceptionThenSuccess) {
  SingleFlight<std::string> flight;
  EXPECT_THROW(flight.run("k", []() -> std::string { throw std::logic_error("x"); }), std::logic_error);
  EXPECT_EQ(flight.in_flight(), 0u);
  EXPECT_EQ(flight.run("k", [] { return std::string("ok"); }), "ok");
}

}  // namespace
}  // namespace coffer::csi
