// The fail-closed fan-out: any/all acceptance, a failing sink, a hung sink
// (bounded by the write timeout, then recovery), batching, interval
// checkpoints, and the file sink's deleted/unwritable cases.
#include <gtest/gtest.h>

#include <atomic>
#include <boost/json.hpp>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

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
  bool hang = false;
  std::chrono::milliseconds delay{0};
  std::vector<std::string> appends;
  std::vector<std::string> lines() {
    std::lock_guard lock(mu);
    std::vector<std::string> out;
    for (const auto& a : appends) {
      std::size_t pos = 0;
      while (pos < a.size()) {
        auto nl = a.find('\n', pos);
        out.push_back(a.substr(pos, nl - pos));
        pos = nl + 1;
      }
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
  Result<std::optional<ChainHead>> prepare() override { return std::optional<ChainHead>(); }
  Status append(std::string_view lines) override {
    std::unique_lock lock(c_->mu);
    c_->cv.wait(lock, [&] { return !c_->hang; });
    if (c_->delay.count()) {
      lock.unlock();
      std::this_thread::sleep_for(c_->delay);
      lock.lock();
    }
    if (c_->fail) return Status(Code::kUnavailable, "disk full");
    c_->appends.emplace_back(lines);
    return Status::Ok();
  }

 private:
  std::string id_;
  std::shared_ptr<Control> c_;
};

std::unique_ptr<AuditLog> make_log(std::vector<std::shared_ptr<Control>> controls, AuditLogOptions options = {}) {
  std::vector<AuditSinkSetup> sinks;
  int i = 0;
  for (auto& c : controls) sinks.push_back({std::make_unique<TestOutput>("t" + std::to_string(i++), c), SecureString("k")});
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

TEST(AuditLog, ConcurrentRecordsAreBatched) {
  auto a = std::make_shared<Control>();
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
  EXPECT_LT(a->appends.size(), 40u) << "records should be grouped into fewer appends";
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

}  // namespace
}  // namespace coffer::audit
