// The group-commit queue both backends use: callers get their own results
// from shared batches, a second writer joins only under a backlog, and
// destruction answers everything queued.
#include "store/batch_writer.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <latch>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

namespace coffer::store {
namespace {

using namespace std::chrono_literals;

// A callback's identity: the runner answers each with the code it names.
WriteFn answering(Code code) {
  return [code](WriteTxn&) { return code == Code::kOk ? Status::Ok() : Status(code, "refused"); };
}

struct Recorder {
  std::mutex mu;
  std::vector<std::size_t> batch_sizes;
  std::set<std::thread::id> threads;
  void record(std::size_t n) {
    std::lock_guard lock(mu);
    batch_sizes.push_back(n);
    threads.insert(std::this_thread::get_id());
  }
};

// A transaction with nothing behind it (answering() never touches it).
class NoTxn final : public WriteTxn {
 public:
  Result<std::optional<Entry>> get(std::string_view) override { return Status(Code::kInternal, "no store"); }
  Result<std::vector<Entry>> scan(std::string_view, std::string_view, std::size_t) override {
    return Status(Code::kInternal, "no store");
  }
  Status put(std::string_view, std::string_view) override { return Status(Code::kInternal, "no store"); }
  Status put_if(std::string_view, std::string_view, int64_t) override { return Status(Code::kInternal, "no store"); }
  Status erase(std::string_view) override { return Status(Code::kInternal, "no store"); }
};

// The runner: each callback's own answer.
std::vector<Status> run_all(std::span<const WriteFn* const> fns) {
  NoTxn txn;
  std::vector<Status> out;
  for (const WriteFn* fn : fns) out.push_back((*fn)(txn));
  return out;
}

bool wait_for(const BatchWriter& w, std::size_t n) {
  for (int i = 0; i < 5000 && w.queued() < n; ++i) std::this_thread::sleep_for(1ms);
  return w.queued() >= n;
}

TEST(BatchWriterTest, CallersGetTheirOwnResultsFromOneBatch) {
  Recorder rec;
  std::latch first_started(1), release(1);
  std::atomic<bool> first{true};
  BatchWriter w(8, [&](std::span<const WriteFn* const> fns) {
    rec.record(fns.size());
    if (first.exchange(false)) {
      first_started.count_down();
      release.wait();
    }
    return run_all(fns);
  });
  const WriteFn ok = answering(Code::kOk), refused = answering(Code::kForbidden);
  std::thread blocker([&] { EXPECT_TRUE(w.submit(ok).ok()); });
  first_started.wait();
  std::vector<Status> results(10);
  std::vector<std::thread> callers;
  for (std::size_t i = 0; i < results.size(); ++i) {
    callers.emplace_back([&, i] { results[i] = w.submit(i % 3 == 0 ? refused : ok); });
  }
  EXPECT_TRUE(wait_for(w, results.size()));
  release.count_down();
  blocker.join();
  for (auto& t : callers) t.join();
  for (std::size_t i = 0; i < results.size(); ++i) {
    EXPECT_EQ(results[i].code(), i % 3 == 0 ? Code::kForbidden : Code::kOk) << i;
  }
  // The blocker alone, then the ten queued meanwhile in batches of at most 8.
  ASSERT_EQ(rec.batch_sizes.size(), 3u);
  EXPECT_EQ(rec.batch_sizes[0], 1u);
  EXPECT_EQ(rec.batch_sizes[1], 8u);
  EXPECT_EQ(rec.batch_sizes[2], 2u);
  EXPECT_EQ(rec.threads.size(), 1u) << "no extra writer was asked for";
}

TEST(BatchWriterTest, ASecondWriterJoinsOnlyUnderABacklog) {
  Recorder rec;
  std::latch first_started(1), release(1);
  std::atomic<bool> first{true};
  BatchWriter w(
      64,
      [&](std::span<const WriteFn* const> fns) {
        rec.record(fns.size());
        if (first.exchange(false)) {
          first_started.count_down();
          release.wait();
        }
        return run_all(fns);
      },
      /*extra_writers=*/1);
  const WriteFn ok = answering(Code::kOk);
  std::thread blocker([&] { EXPECT_TRUE(w.submit(ok).ok()); });
  first_started.wait();
  std::vector<std::thread> callers;
  std::atomic<int> done{0};
  // Fewer than the backlog: they wait for the busy writer.
  for (std::size_t i = 0; i + 1 < BatchWriter::kBacklog; ++i) {
    callers.emplace_back([&] { done += w.submit(ok).ok(); });
  }
  EXPECT_TRUE(wait_for(w, BatchWriter::kBacklog - 1));
  std::this_thread::sleep_for(50ms);
  EXPECT_EQ(done.load(), 0) << "the extra writer stayed out";
  // One more makes the backlog: the extra writer takes the queue while the
  // first is still busy.
  callers.emplace_back([&] { done += w.submit(ok).ok(); });
  for (int i = 0; i < 5000 && done.load() < static_cast<int>(BatchWriter::kBacklog); ++i)
    std::this_thread::sleep_for(1ms);
  EXPECT_EQ(done.load(), static_cast<int>(BatchWriter::kBacklog));
  release.count_down();
  blocker.join();
  for (auto& t : callers) t.join();
  EXPECT_EQ(rec.threads.size(), 2u);
}

TEST(BatchWriterTest, DestructionAnswersEverythingQueued) {
  std::latch first_started(1), release(1);
  std::atomic<bool> first{true};
  std::atomic<int> ok{0};
  std::vector<std::thread> callers;
  const WriteFn fn = answering(Code::kOk);
  {
    BatchWriter w(4, [&](std::span<const WriteFn* const> fns) {
      if (first.exchange(false)) {
        first_started.count_down();
        release.wait();
      }
      return run_all(fns);
    });
    callers.emplace_back([&] { ok += w.submit(fn).ok(); });
    first_started.wait();
    for (int i = 0; i < 9; ++i) callers.emplace_back([&] { ok += w.submit(fn).ok(); });
    EXPECT_TRUE(wait_for(w, 9));
    release.count_down();
  }  // the destructor answers the queue before it returns
  for (auto& t : callers) t.join();
  EXPECT_EQ(ok.load(), 10) << "every queued write was run, none refused as closing";
}

TEST(BatchWriterTest, ARunnerAnsweringTheWrongCountIsAnInternalError) {
  BatchWriter w(4, [](std::span<const WriteFn* const>) { return std::vector<Status>{}; });
  const Status st = w.submit(answering(Code::kOk));
  EXPECT_EQ(st.code(), Code::kInternal);
}

}  // namespace
}  // namespace coffer::store
