// The fail-closed fan-out: inline appends on the calling thread, hand-off
// of what would block (a full destination, a line written in part), any/all
// acceptance, a failing sink, a hung sink (bounded by the write timeout,
// then recovery), batching, interval checkpoints, and the file sink's
// deleted/unwritable/full-FIFO cases.
#include <gtest/gtest.h>

#include <atomic>
#include <boost/json.hpp>
#include <chrono>
#include <condition_variable>
#include <limits>
#include <mutex>
#include <set>
#include <thread>

#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>

#include "audit/audit_log.hpp"
#include "audit/verify.hpp"
#include "audit_test_util.hpp"

namespace coffer::audit {
namespace {
using namespace testing;
using namespace std::chrono_literals;

// An in-memory output whose behaviour the test controls.
struct Control {
  std::mutex mu;
  std::condition_variable cv;
  bool fail = false;
  bool hang = false;  // append() blocks and write_some() takes nothing, as a full pipe
  std::size_t nowait_limit = std::numeric_limits<std::size_t>::max();  // bytes write_some() takes
  std::chrono::milliseconds delay{0};
  std::string written;
  std::size_t appends = 0;        // blocking appends (by the worker)
  std::size_t inline_writes = 0;  // write_some() calls that wrote something
  std::set<std::thread::id> writers;
  std::size_t append_count() {  // (the worker thread appends meanwhile)
    std::lock_guard lock(mu);
    return appends;
  }
  std::vector<std::string> lines() {
    std::lock_guard lock(mu);
    std::vector<std::string> out;
    std::size_t pos = 0;
    while (pos < written.size()) {
      auto nl = written.find('\n', pos);
      out.push_back(written.substr(pos, nl - pos));
      pos = nl + 1;
    }
    return out;
  }
  void set(bool f, bool h) {
    std::lock_guard lock(mu);
    fail = f;
    hang = h;
    cv.notify_all();
  }
};

class TestOutput final : public AuditOutput {
 public:
  TestOutput(std::string id, std::shared_ptr<Control> c) : id_(std::move(id)), c_(std::move(c)) {}
  const std::string& id() const override { return id_; }
  Result<std::optional<ChainHead>> prepare(bool) override { return std::optional<ChainHead>(); }
  Status append(std::string_view lines) override {
    std::unique_lock lock(c_->mu);
    c_->cv.wait(lock, [&] { return !c_->hang; });
    if (c_->delay.count()) {
      lock.unlock();
      std::this_thread::sleep_for(c_->delay);
      lock.lock();
    }
    if (c_->fail) return Status(Code::kUnavailable, "disk full");
    c_->written += lines;
    ++c_->appends;
    c_->writers.insert(std::this_thread::get_id());
    return Status::Ok();
  }
  Result<std::size_t> write_some(std::string_view lines) override {
    std::lock_guard lock(c_->mu);
    if (c_->fail) return Status(Code::kUnavailable, "disk full");
    if (c_->hang) return std::size_t{0};
    const std::size_t n = std::min(lines.size(), c_->nowait_limit);
    if (n == 0) return n;
    c_->written += lines.substr(0, n);
    ++c_->inline_writes;
    c_->writers.insert(std::this_thread::get_id());
    return n;
  }

 private:
  std::string id_;
  std::shared_ptr<Control> c_;
};

// The audit lines as a file verify_logs() can check.
VerifyReport verify_lines(const std::vector<std::string>& lines) {
  TempDir dir;
  const std::string path = dir.file("audit.log");
  std::ofstream out(path);
  for (const auto& l : lines) out << l << '\n';
  out.close();
  return verify_logs({path}, {test_signer()->public_pem(), false});
}

std::unique_ptr<AuditLog> make_log(std::vector<std::shared_ptr<Control>> controls, AuditLogOptions options = {}) {
  std::vector<AuditSinkSetup> sinks;
  for (std::size_t i = 0; i < controls.size(); ++i) {
    std::string id = std::to_string(i);
    id.insert(0, 1, 't');
    sinks.push_back({std::make_unique<TestOutput>(std::move(id), controls[i]), SecureString("k")});
  }
  return std::make_unique<AuditLog>(options, std::move(sinks), test_signer());
}

TEST(AuditLog, AnySinkSufficesByDefaultAllWhenRequired) {
  auto good = std::make_shared<Control>(), bad = std::make_shared<Control>();
  bad->fail = true;
  auto any = make_log({good, bad});
  EXPECT_TRUE(any->write(sample_record(1)).ok());
  EXPECT_TRUE(any->health().ok());

  AuditLogOptions all_opts;
  all_opts.require_all = true;
  auto good2 = std::make_shared<Control>();
  auto all = make_log({good2, bad}, all_opts);
  Status st = all->write(sample_record(1));
  EXPECT_EQ(st.code(), Code::kUnavailable);
  EXPECT_NE(st.message().find("t1: disk full"), std::string::npos) << st.message();
  EXPECT_EQ(all->health().code(), Code::kUnavailable);
  bad->set(false, false);  // recovers: the next write succeeds, health follows
  EXPECT_TRUE(all->write(sample_record(2)).ok());
  EXPECT_TRUE(all->health().ok());
}

TEST(AuditLog, NoWritableSinkFailsAndRecovers) {
  auto a = std::make_shared<Control>();
  a->fail = true;
  auto log = make_log({a});
  EXPECT_EQ(log->write(sample_record(1)).code(), Code::kUnavailable);
  Status h = log->health();
  EXPECT_EQ(h.code(), Code::kUnavailable);
  EXPECT_NE(h.message().find("disk full"), std::string::npos);
  a->set(false, false);
  EXPECT_TRUE(log->write(sample_record(2)).ok());
  EXPECT_TRUE(log->health().ok());
  log->close();
  // The failed record is not in the chain; the chain has no gap.
  auto lines = a->lines();
  ASSERT_EQ(lines.size(), 2u);  // record + final checkpoint
  EXPECT_NE(lines[0].find("\"sequence\":1,"), std::string::npos);
  EXPECT_NE(lines[0].find("req-2"), std::string::npos);
}

TEST(AuditLog, HungSinkTimesOutThenRecovers) {
  auto a = std::make_shared<Control>();
  AuditLogOptions options;
  options.write_timeout = 200ms;
  auto log = make_log({a}, options);
  a->set(false, true);
  auto start = std::chrono::steady_clock::now();
  Status st = log->write(sample_record(1));
  auto took = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(st.code(), Code::kUnavailable);
  EXPECT_NE(st.message().find("timed out"), std::string::npos) << st.message();
  EXPECT_LT(took, 1500ms);
  std::this_thread::sleep_for(250ms);
  EXPECT_EQ(log->health().code(), Code::kUnavailable);
  // While hung, writes fail fast instead of queueing behind it.
  start = std::chrono::steady_clock::now();
  EXPECT_EQ(log->write(sample_record(2)).code(), Code::kUnavailable);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 150ms);
  a->set(false, false);
  std::this_thread::sleep_for(50ms);
  EXPECT_TRUE(log->write(sample_record(3)).ok());
  EXPECT_TRUE(log->health().ok());
}

TEST(AuditLog, HungSinkDoesNotBlockAHealthyOne) {
  auto hung = std::make_shared<Control>(), good = std::make_shared<Control>();
  hung->hang = true;
  AuditLogOptions options;
  options.write_timeout = 200ms;
  auto log = make_log({hung, good}, options);
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(log->write(sample_record(i)).ok());
  EXPECT_LT(std::chrono::steady_clock::now() - start, 500ms);
  hung->set(false, false);
  log->close();
}

TEST(AuditLog, RecordsAreAppendedOnTheCallingThreadWhenTheOutputTakesThem) {
  auto a = std::make_shared<Control>();
  auto log = make_log({a});
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(log->write(sample_record(i)).ok());
  {
    std::lock_guard lock(a->mu);
    EXPECT_EQ(a->inline_writes, 5u);
    EXPECT_EQ(a->appends, 0u);
    EXPECT_EQ(a->writers, std::set<std::thread::id>{std::this_thread::get_id()});
  }
  log->close();  // the final checkpoint is the worker's
  auto r = verify_lines(a->lines());
  EXPECT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.records, 5u);
}

TEST(AuditLog, ABatchIsOneAppendAcceptedOrFailedTogether) {
  auto a = std::make_shared<Control>();
  auto log = make_log({a});
  std::vector<AuditRecord> records;
  for (int i = 0; i < 5; ++i) records.push_back(sample_record(i));
  std::vector<const AuditRecord*> group;
  for (const auto& r : records) group.push_back(&r);
  ASSERT_TRUE(log->write_batch(group).ok());
  {
    std::lock_guard lock(a->mu);
    EXPECT_EQ(a->inline_writes, 1u);
  }
  a->set(true, false);
  EXPECT_EQ(log->write_batch(group).code(), Code::kUnavailable);
  a->set(false, false);
  ASSERT_TRUE(log->write_batch(std::span<const AuditRecord* const>(group).first(2)).ok());
  EXPECT_TRUE(log->write_batch({}).ok());
  log->close();
  auto r = verify_lines(a->lines());
  EXPECT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.records, 7u);  // the failed group left no trace and no gap
}

TEST(AuditLog, ALineWrittenInPartIsFinishedByTheWorkerBeforeAnythingElse) {
  auto a = std::make_shared<Control>();
  a->nowait_limit = 17;  // every inline write stops mid-line
  auto log = make_log({a});
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 10; ++i) ok += log->write(sample_record(t * 10 + i)).ok();
    });
  }
  for (auto& th : threads) th.join();
  log->close();
  EXPECT_EQ(ok.load(), 40);
  auto r = verify_lines(a->lines());
  EXPECT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.records, 40u);
  std::lock_guard lock(a->mu);
  EXPECT_GT(a->appends, 0u);
}

TEST(AuditLog, ConcurrentRecordsWaitingForTheWorkerAreBatched) {
  auto a = std::make_shared<Control>();
  a->nowait_limit = 0;  // a destination that never takes a write without blocking
  a->delay = 20ms;
  auto log = make_log({a});
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int t = 0; t < 16; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 5; ++i) ok += log->write(sample_record(t * 10 + i)).ok();
    });
  }
  for (auto& th : threads) th.join();
  log->close();
  EXPECT_EQ(ok.load(), 80);
  std::size_t records = 0;
  for (const auto& l : a->lines()) records += l.find("AuditCheckpoint") == std::string::npos;
  EXPECT_EQ(records, 80u);
  std::lock_guard lock(a->mu);
  EXPECT_EQ(a->inline_writes, 0u);
  EXPECT_LT(a->appends, 40u) << "records should be grouped into fewer appends";
}

TEST(AuditLog, CheckpointsByCountIntervalAndClose) {
  auto a = std::make_shared<Control>();
  AuditLogOptions options;
  options.checkpoint_records = 3;
  options.checkpoint_interval = 100ms;
  auto log = make_log({a}, options);
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(log->write(sample_record(i)).ok());
  auto count_cp = [&] {
    int n = 0;
    for (const auto& l : a->lines()) n += l.find("AuditCheckpoint") != std::string::npos;
    return n;
  };
  EXPECT_EQ(count_cp(), 1);
  ASSERT_TRUE(log->write(sample_record(4)).ok());
  std::this_thread::sleep_for(400ms);
  EXPECT_EQ(count_cp(), 2);  // the interval checkpoint covers record 4; idle afterwards adds none
  ASSERT_TRUE(log->write(sample_record(5)).ok());
  log->close();
  EXPECT_EQ(count_cp(), 3);
  EXPECT_NE(a->lines().back().find("AuditCheckpoint"), std::string::npos);
  EXPECT_EQ(log->write(sample_record(6)).code(), Code::kUnavailable);
}

// CPU time of this process (every thread).
std::chrono::milliseconds process_cpu() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return std::chrono::milliseconds(ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

// The sink's worker sleeps when it has nothing to do: after its last
// checkpoint (nothing to cover), and while a due checkpoint cannot be written
// (it retries at a pace, not in a loop).
TEST(AuditLog, AnIdleOrFailingSinkDoesNotSpin) {
  auto a = std::make_shared<Control>();
  AuditLogOptions options;
  options.checkpoint_interval = 20ms;
  auto log = make_log({a}, options);
  ASSERT_TRUE(log->write(sample_record(1)).ok());
  std::this_thread::sleep_for(100ms);  // the interval checkpoint is written, then nothing is due
  auto before = process_cpu();
  std::this_thread::sleep_for(500ms);
  EXPECT_LT(process_cpu() - before, 150ms) << "idle after its checkpoint";

  auto b = std::make_shared<Control>();
  options.checkpoint_interval = 200ms;
  auto failing = make_log({b}, options);
  ASSERT_TRUE(failing->write(sample_record(2)).ok());
  b->set(true, false);  // the checkpoint covering record 2, due in 200 ms, cannot be written
  std::this_thread::sleep_for(300ms);
  before = process_cpu();
  std::this_thread::sleep_for(500ms);
  EXPECT_LT(process_cpu() - before, 150ms) << "a failing checkpoint retried in a loop";
  EXPECT_EQ(b->append_count(), 0u);
  b->set(false, false);
  std::this_thread::sleep_for(1500ms);  // retried and written once the output works again
  EXPECT_EQ(b->append_count(), 1u);
  EXPECT_NE(b->lines().back().find("AuditCheckpoint"), std::string::npos);
}

TEST(AuditFileSink, DevFullFailsAndDeletedFileFailsUntilReopened) {
  std::vector<AuditSinkSetup> sinks;
  sinks.push_back({file_output("/dev/full"), SecureString("k")});
  AuditLog full({}, std::move(sinks), test_signer());
  EXPECT_EQ(full.write(sample_record(1)).code(), Code::kUnavailable);
  EXPECT_EQ(full.health().code(), Code::kUnavailable);

  TempDir dir;
  const std::string path = dir.file("audit.log");
  std::vector<AuditSinkSetup> file_sinks;
  file_sinks.push_back({file_output(path), SecureString("k")});
  AuditLog log({}, std::move(file_sinks), test_signer());
  ASSERT_TRUE(log.write(sample_record(1)).ok());
  std::filesystem::remove(path);
  Status st = log.write(sample_record(2));
  EXPECT_EQ(st.code(), Code::kUnavailable);
  EXPECT_NE(st.message().find("deleted or moved"), std::string::npos) << st.message();
  log.reopen();
  ASSERT_TRUE(log.write(sample_record(3)).ok());
  log.close();
  auto lines = read_lines(path);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_NE(lines[0].find("\"sequence\":2,"), std::string::npos);  // continues the chain
}

TEST(AuditFileSink, TornLastLineIsCutAtOpen) {
  TempDir dir;
  const std::string path = dir.file("audit.log");
  {
    std::vector<AuditSinkSetup> sinks;
    sinks.push_back({file_output(path), SecureString("k")});
    AuditLog log({}, std::move(sinks), test_signer());
    ASSERT_TRUE(log.write(sample_record(1)).ok());
    log.close();
  }
  std::ofstream(path, std::ios::app) << "{\"sequence\":3,\"previousHash\":\"ab";
  {
    std::vector<AuditSinkSetup> sinks;
    sinks.push_back({file_output(path), SecureString("k")});
    AuditLog log({}, std::move(sinks), test_signer());
    ASSERT_TRUE(log.write(sample_record(2)).ok());
    log.close();
  }
  auto r = verify_logs({path}, {test_signer()->public_pem(), false});
  EXPECT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.records, 2u);
}

TEST(AuditFileSink, FullFifoHandsOffToTheWorkerAndLosesNothing) {
  TempDir dir;
  const std::string path = dir.file("audit.fifo");
  ASSERT_EQ(::mkfifo(path.c_str(), 0600), 0);
  const int reader = ::open(path.c_str(), O_RDONLY | O_NONBLOCK);
  ASSERT_GE(reader, 0);
  std::vector<AuditSinkSetup> sinks;
  sinks.push_back({file_output(path), SecureString("k")});
  AuditLogOptions options;
  options.write_timeout = 10s;
  AuditLog log(options, std::move(sinks), test_signer());
  ASSERT_TRUE(log.write(sample_record(1)).ok());  // room in the pipe: written inline
  const int filler = ::open(path.c_str(), O_WRONLY | O_NONBLOCK);
  ASSERT_GE(filler, 0);
  const std::string newlines(4096, '\n');
  while (::write(filler, newlines.data(), newlines.size()) > 0) {
  }
  ::close(filler);
  std::atomic<bool> written{false};
  std::thread writer([&] {
    EXPECT_TRUE(log.write(sample_record(2)).ok());
    written = true;
  });
  std::this_thread::sleep_for(200ms);
  EXPECT_FALSE(written.load()) << "the pipe is full: the record waits for the worker";
  std::string data;
  char buf[65536];
  auto drain = [&] {
    ssize_t n;
    while ((n = ::read(reader, buf, sizeof buf)) > 0) data.append(buf, std::size_t(n));
  };
  while (!written.load()) {
    drain();
    std::this_thread::sleep_for(5ms);
  }
  writer.join();
  log.close();
  drain();
  ::close(reader);
  std::vector<std::string> lines;
  std::size_t pos = 0;
  while (pos < data.size()) {
    auto nl = data.find('\n', pos);
    if (nl == std::string::npos) nl = data.size();
    if (nl > pos) lines.push_back(data.substr(pos, nl - pos));
    pos = nl + 1;
  }
  auto r = verify_lines(lines);
  EXPECT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.records, 2u);
}

}  // namespace
}  // namespace coffer::audit
