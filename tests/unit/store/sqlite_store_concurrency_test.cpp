// Many concurrent writers: everything lands, and group commit folds the
// writes into far fewer commits.
#include <cstdio>
#include <set>
#include <thread>
#include <vector>

#include "store_test_util.hpp"

namespace coffer::store::testing {
namespace {

class ConcurrencyTest : public StoreTest {};

TEST_F(ConcurrencyTest, ManyWritersShareCommits) {
  constexpr int kThreads = 32;
  constexpr int kWritesPerThread = 50;
  constexpr int kWrites = kThreads * kWritesPerThread;
  auto s = open();
  ASSERT_TRUE(s);
  const auto commits_before = s->commit_count();

  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kWritesPerThread; ++i) {
        const std::string key = "t/" + std::to_string(t) + "/" + std::to_string(i);
        if (!put(*s, key, std::to_string(t * 1000 + i)).ok()) ++failures;
        if (i % 10 == 0 && !get(*s, key).has_value()) ++failures;  // read-your-write
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);

  const auto commits = s->commit_count() - commits_before;
  std::printf("[ concurrency ] %d writes in %llu commits (%.1f writes/commit)\n", kWrites,
              static_cast<unsigned long long>(commits), static_cast<double>(kWrites) / static_cast<double>(commits));
  EXPECT_LE(commits, static_cast<uint64_t>(kWrites / 4));

  auto all = scan(*s, "t/", "", 10 * kWrites);
  ASSERT_EQ(all.size(), static_cast<std::size_t>(kWrites));
  std::set<int64_t> revisions;
  for (const auto& e : all) revisions.insert(e.revision);
  EXPECT_EQ(revisions.size(), all.size());  // every put got its own revision
  EXPECT_GT(*revisions.begin(), 0);
}

}  // namespace
}  // namespace coffer::store::testing
