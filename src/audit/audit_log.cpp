#include "audit/audit_log.hpp"

#include <spdlog/spdlog.h>

#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

namespace coffer::audit {
namespace {

using Steady = std::chrono::steady_clock;

int64_t now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

int64_t steady_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(Steady::now().time_since_epoch()).count();
}

}  // namespace

// One write() call's outcome, shared with the workers it was queued on.
struct AuditLog::Ticket {
  std::mutex mu;
  std::condition_variable cv;
  std::size_t accepted = 0;
  std::size_t failed = 0;
  bool abandoned = false;  // the caller gave up: do not write the record any more
  std::string errors;

  void finish(bool ok, const std::string& error) {
    std::lock_guard lock(mu);
    if (ok) {
      ++accepted;
    } else {
      ++failed;
      if (!errors.empty()) errors += "; ";
      errors += error;
    }
    cv.notify_all();
  }
  bool is_abandoned() {
    std::lock_guard lock(mu);
    return abandoned;
  }
};

struct AuditLog::Worker {
  struct Entry {
    AuditRecord record;
    std::shared_ptr<Ticket> ticket;
  };

  Worker(AuditSinkSetup setup, std::shared_ptr<const crypto::Ed25519Key> signer, const AuditLogOptions& options)
      : output(std::move(setup.output)),
        formatter(std::move(setup.hmac_key), std::move(signer)),
        options(options),
        id(output->id()) {}

  std::unique_ptr<AuditOutput> output;
  RecordFormatter formatter;
  const AuditLogOptions options;
  const std::string id;

  // Owned by the worker thread.
  ChainHead head;
  uint64_t since_checkpoint = 0;
  Steady::time_point last_checkpoint = Steady::now();

  std::mutex mu;
  std::condition_variable cv;
  std::condition_variable done_cv;
  std::deque<Entry> queue;
  bool stopping = false;
  bool done = false;
  std::string last_error;  // empty while healthy
  std::atomic<int64_t> busy_since{0};  // steady ms of the append in progress, 0 = idle

  bool stalled() const {
    int64_t since = busy_since.load();
    return since != 0 && steady_ms() - since > options.write_timeout.count();
  }

  void set_error(const std::string& e) {
    std::lock_guard lock(mu);
    if (!e.empty() && last_error.empty()) spdlog::error("audit sink {} failed: {}", id, e);
    if (e.empty() && !last_error.empty()) spdlog::info("audit sink {} recovered", id);
    last_error = e;
  }

  // Appends `entries` (and a checkpoint when one is due) as one batch.
  void append_batch(std::vector<Entry> entries, bool force_checkpoint) {
    busy_since.store(steady_ms());
    auto prepared = output->prepare();
    if (!prepared.ok()) {
      busy_since.store(0);
      set_error(prepared.status().message());
      for (auto& e : entries) e.ticket->finish(false, id + ": " + prepared.status().message());
      return;
    }
    if (prepared->has_value()) head = **prepared;
    ChainHead h = head;
    uint64_t since = since_checkpoint;
    bool checkpointed = false;
    Anchor anchor;  // the head after the batch's last checkpoint
    std::string batch;
    std::vector<std::shared_ptr<Ticket>> written;
    auto add_checkpoint = [&] {
      auto cp = formatter.checkpoint(now_ms(), h);
      if (!cp.ok()) {
        spdlog::error("audit checkpoint for {} failed: {}", id, cp.status().message());
        return;
      }
      batch += *cp;
      batch += '\n';
      since = 0;
      checkpointed = true;
      anchor = h;
    };
    for (auto& e : entries) {
      if (e.ticket->is_abandoned()) continue;  // its request was already answered 503
      batch += formatter.record(e.record, h);
      batch += '\n';
      written.push_back(e.ticket);
      if (++since >= options.checkpoint_records) add_checkpoint();
    }
    const bool interval_due = Steady::now() - last_checkpoint >= options.checkpoint_interval;
    if (since > 0 && (force_checkpoint || interval_due)) add_checkpoint();
    if (batch.empty()) {
      busy_since.store(0);
      return;
    }
    Status st = output->append(batch);
    busy_since.store(0);
    if (st.ok()) {
      head = h;
      if (checkpointed) last_checkpoint = Steady::now();
      since_checkpoint = since;
      set_error("");
    } else {
      set_error(st.message());
    }
    for (auto& t : written) t->finish(st.ok(), id + ": " + st.message());
    if (st.ok() && checkpointed && options.anchor) record_anchor(anchor);
  }

  // After the requests were answered: a slow or failing store never fails them.
  void record_anchor(const Anchor& anchor) {
    Status st = options.anchor(id, anchor);
    if (!st.ok()) {
      spdlog::error("audit sink {}: cannot record the anchor of checkpoint {} (retried at the next checkpoint): {}",
                    id, anchor.sequence, st.message());
    }
  }

  void run() {
    std::unique_lock lock(mu);
    while (true) {
      const auto next_checkpoint = last_checkpoint + options.checkpoint_interval;
      cv.wait_until(lock, next_checkpoint, [&] { return stopping || !queue.empty(); });
      std::vector<Entry> batch(std::make_move_iterator(queue.begin()), std::make_move_iterator(queue.end()));
      queue.clear();
      const bool stop = stopping;
      const bool due = since_checkpoint > 0 && Steady::now() >= next_checkpoint;
      lock.unlock();
      if (!batch.empty() || due || (stop && since_checkpoint > 0)) append_batch(std::move(batch), stop);
      lock.lock();
      if (stop && queue.empty()) break;
    }
    done = true;
    done_cv.notify_all();
  }
};

AuditLog::AuditLog(AuditLogOptions options, std::vector<AuditSinkSetup> sinks,
                   std::shared_ptr<const crypto::Ed25519Key> signer)
    : options_(options) {
  for (auto& s : sinks) {
    auto w = std::make_shared<Worker>(std::move(s), signer, options_);
    workers_.push_back(w);
    std::thread([w] { w->run(); }).detach();  // close() waits for it (bounded)
  }
}

AuditLog::~AuditLog() { close(); }

Status AuditLog::write(const AuditRecord& record) {
  if (closed_.load()) return Status(Code::kUnavailable, "the audit log is closed");
  if (workers_.empty()) return Status(Code::kUnavailable, "no audit sink is configured");
  const std::size_t n = workers_.size();
  const std::size_t need = options_.require_all ? n : 1;
  auto ticket = std::make_shared<Ticket>();
  for (auto& w : workers_) {
    std::unique_lock lock(w->mu);
    if (w->stopping) {
      lock.unlock();
      ticket->finish(false, w->id + ": closed");
    } else if (w->stalled()) {
      lock.unlock();
      ticket->finish(false, w->id + ": blocked for more than " + std::to_string(options_.write_timeout.count()) +
                                " ms");
    } else if (w->queue.size() >= options_.max_queue) {
      lock.unlock();
      ticket->finish(false, w->id + ": queue full");
    } else {
      w->queue.push_back({record, ticket});
      lock.unlock();
      w->cv.notify_one();
    }
  }
  std::unique_lock lock(ticket->mu);
  const bool decided = ticket->cv.wait_for(lock, options_.write_timeout, [&] {
    return ticket->accepted >= need || ticket->failed > n - need;
  });
  if (decided && ticket->accepted >= need) return Status::Ok();
  ticket->abandoned = true;
  std::string why = ticket->errors;
  if (!decided) why += (why.empty() ? "" : "; ") + std::string("timed out after ") +
                       std::to_string(options_.write_timeout.count()) + " ms";
  return Status(Code::kUnavailable, "audit record not accepted by " +
                                        std::string(options_.require_all ? "every sink" : "any sink") + ": " + why);
}

Status AuditLog::health() const {
  if (closed_.load()) return Status(Code::kUnavailable, "the audit log is closed");
  std::size_t healthy = 0;
  std::string reasons;
  for (const auto& w : workers_) {
    std::string error;
    {
      std::lock_guard lock(w->mu);
      error = w->last_error;
    }
    if (error.empty() && w->stalled()) {
      error = "blocked for more than " + std::to_string(options_.write_timeout.count()) + " ms";
    }
    if (error.empty()) {
      ++healthy;
    } else {
      reasons += (reasons.empty() ? "" : "; ") + w->id + ": " + error;
    }
  }
  const std::size_t need = options_.require_all ? workers_.size() : 1;
  if (workers_.empty()) return Status(Code::kUnavailable, "no audit sink is configured");
  if (healthy >= need) return Status::Ok();
  return Status(Code::kUnavailable, "audit sinks unavailable: " + reasons);
}

void AuditLog::reopen() {
  for (auto& w : workers_) {
    w->output->reopen();
    std::lock_guard lock(w->mu);
    w->last_error.clear();  // retried by the next write
  }
}

void AuditLog::close() {
  if (closed_.exchange(true)) return;
  for (auto& w : workers_) {
    std::lock_guard lock(w->mu);
    w->stopping = true;
    w->cv.notify_all();
  }
  const auto deadline = Steady::now() + options_.write_timeout;
  for (auto& w : workers_) {
    std::unique_lock lock(w->mu);
    if (!w->done_cv.wait_until(lock, deadline, [&] { return w->done; })) {
      spdlog::error("audit sink {} did not finish its final checkpoint in time", w->id);
    }
  }
}

}  // namespace coffer::audit
