// Object version ids: AKV's shape (32 lower-case hex), unique, and in the
// order they were made — across threads and within one millisecond.
#include <gtest/gtest.h>

#include <algorithm>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "vault/version_ids.hpp"

namespace coffer::vault {
namespace {

TEST(VersionIds, ThirtyTwoLowerHexInTheOrderMade) {
  std::string previous = new_object_version_id();
  for (int i = 0; i < 10000; ++i) {  // many per millisecond
    const std::string id = new_object_version_id();
    ASSERT_EQ(id.size(), 32u);
    ASSERT_TRUE(std::all_of(id.begin(), id.end(), [](char c) {
      return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
    })) << id;
    ASSERT_GT(id, previous);
    previous = id;
  }
}

TEST(VersionIds, UniqueAcrossThreadsAndEachThreadsOwnOrderHolds) {
  std::mutex mu;
  std::set<std::string> all;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      std::vector<std::string> mine;
      for (int i = 0; i < 2000; ++i) mine.push_back(new_object_version_id());
      EXPECT_TRUE(std::is_sorted(mine.begin(), mine.end()));
      std::lock_guard lock(mu);
      all.insert(mine.begin(), mine.end());
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(all.size(), 8000u);
}

}  // namespace
}  // namespace coffer::vault
