#include "audit/audit_log.hpp"

#include <spdlog/spdlog.h>

#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <span>
#include <thread>

namespace coffer::audit {
namespace {

using Steady = std::chrono::steady_clock;

// How long a sink's worker waits before it writes a due checkpoint again after a failed write.
constexpr auto kRetryPause = std::chrono::seconds(1);

int64_t now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

int64_t steady_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(Steady::now().time_since_epoch()).count();
}

}  // namespace

// The outcome of one write() on the sinks that could not take its record
// without blocking; shared with their workers.
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

// One sink: its chain, its inline path and its worker.
//
// The chain (head, since_checkpoint, last_checkpoint) has one owner at a
// time: a caller of offer() holding `mu` while the worker does not own it,
// or the worker while `worker_owns` is set (it sets and clears the flag
// under `mu`, and holds no lock while it writes, so a blocking write never
// blocks a caller for longer than write_timeout).
struct AuditLog::Sink {
  enum class Offer { kAccepted, kFailed, kQueued };
  struct Entry {
    std::vector<std::string> bodies;  // RecordFormatter::body() of each record of one write
    std::shared_ptr<Ticket> ticket;
  };

  Sink(AuditSinkSetup setup, std::shared_ptr<const crypto::Ed25519Key> signer, const AuditLogOptions& log_options)
      : output(std::move(setup.output)),
        formatter(std::move(setup.hmac_key), std::move(signer)),
        options(log_options),
        id(output->id()) {}

  std::unique_ptr<AuditOutput> output;
  RecordFormatter formatter;
  const AuditLogOptions options;
  const std::string id;

  // The chain; see above for who owns it.
  ChainHead head;
  uint64_t since_checkpoint = 0;
  Steady::time_point last_checkpoint = Steady::now();
  Steady::time_point retry_at;  // after a failed write, the worker tries a due checkpoint again no sooner

  std::mutex mu;
  std::condition_variable cv;
  std::condition_variable done_cv;
  bool worker_owns = false;
  std::deque<Entry> queue;  // records waiting for the worker
  std::string carry;        // the unwritten end of a batch written in part without blocking
  std::shared_ptr<Ticket> carry_ticket;
  std::optional<Anchor> carry_anchor;  // a checkpoint in the carry, anchored once it is written
  std::optional<Anchor> anchor_due;    // a checkpoint written inline, to be anchored by the worker
  bool stopping = false;
  bool done = false;
  std::string last_error;              // empty while healthy
  std::atomic<int64_t> busy_since{0};  // steady ms of the worker's write in progress, 0 = idle

  bool stalled() const {
    int64_t since = busy_since.load();
    return since != 0 && steady_ms() - since > options.write_timeout.count();
  }

  // Under mu.
  void set_error_locked(const std::string& e) {
    if (!e.empty() && last_error.empty()) spdlog::error("audit sink {} failed: {}", id, e);
    if (e.empty() && !last_error.empty()) spdlog::info("audit sink {} recovered", id);
    last_error = e;
  }
  void set_error(const std::string& e) {
    std::lock_guard lock(mu);
    set_error_locked(e);
  }

  // The lines for `bodies` after `h` (advanced), with a checkpoint after
  // every checkpoint_records records and, when `final_checkpoint` or the
  // interval is due, one at the end. `anchor` gets the head after the last
  // checkpoint in the batch.
  std::string format_batch(const std::vector<std::string_view>& bodies, ChainHead& h, uint64_t& since,
                           bool final_checkpoint, std::optional<Anchor>& anchor) const {
    std::string batch;
    std::size_t size = 0;
    for (std::string_view body : bodies) size += body.size() + 120;  // + the chain's prefix and a newline
    batch.reserve(size);
    auto add_checkpoint = [&] {
      auto cp = formatter.checkpoint(now_ms(), h);
      if (!cp.ok()) {
        spdlog::error("audit checkpoint for {} failed: {}", id, cp.status().message());
        return;
      }
      batch += *cp;
      batch += '\n';
      since = 0;
      anchor = Anchor(h);
    };
    for (std::string_view body : bodies) {
      RecordFormatter::append_link(batch, body, h);
      batch += '\n';
      if (++since >= options.checkpoint_records) add_checkpoint();
    }
    const bool interval_due = Steady::now() - last_checkpoint >= options.checkpoint_interval;
    if (since > 0 && (final_checkpoint || interval_due)) add_checkpoint();
    return batch;
  }

  // `mu` is held for a few microseconds (a stat, a hash, a write to the page
  // cache) by request threads: a waiter spins that long before it sleeps,
  // which is cheaper than a futex sleep and wake-up per collision.
  std::unique_lock<std::mutex> lock_briefly_held() {
    std::unique_lock lock(mu, std::defer_lock);
    for (int i = 0; i < 100; ++i) {
      if (lock.try_lock()) return lock;
#if defined(__x86_64__) || defined(__i386__)
      __builtin_ia32_pause();
#elif defined(__aarch64__)
      asm volatile("yield");
#endif
    }
    lock.lock();
    return lock;
  }

  // The caller's path: appends `records` now if the worker has nothing in
  // hand and the output takes the line without blocking; otherwise queues
  // it for the worker (kQueued: the outcome arrives on `ticket`, made here
  // if the caller has none yet). kFailed sets `error`.
  Offer offer(std::span<const AuditRecord* const> records, std::shared_ptr<Ticket>& ticket, std::string& error) {
    // Outside the lock: only the chain link and the write are serial.
    std::vector<std::string> bodies;
    bodies.reserve(records.size());
    for (const AuditRecord* r : records) bodies.push_back(formatter.body(*r));
    const bool in_place = output->still_in_place();
    std::unique_lock lock = lock_briefly_held();
    if (stopping) {
      error = id + ": closed";
      return Offer::kFailed;
    }
    if (worker_owns || !queue.empty() || !carry.empty()) {
      if (stalled()) {
        error = id + ": blocked for more than " + std::to_string(options.write_timeout.count()) + " ms";
        return Offer::kFailed;
      }
      if (queue.size() >= options.max_queue) {
        error = id + ": queue full";
        return Offer::kFailed;
      }
      if (!ticket) ticket = std::make_shared<Ticket>();
      queue.push_back({std::move(bodies), ticket});
      cv.notify_one();
      return Offer::kQueued;
    }
    auto prepared = output->prepare(in_place);
    if (!prepared.ok()) {
      set_error_locked(prepared.status().message());
      error = id + ": " + prepared.status().message();
      return Offer::kFailed;
    }
    if (prepared->has_value()) head = **prepared;
    ChainHead h = head;
    uint64_t since = since_checkpoint;
    std::optional<Anchor> anchor;
    std::string batch = format_batch({bodies.begin(), bodies.end()}, h, since, false, anchor);
    auto written = output->write_some(batch);
    if (!written.ok()) {
      set_error_locked(written.status().message());
      error = id + ": " + written.status().message();
      return Offer::kFailed;
    }
    set_error_locked("");
    if (*written > 0) {  // the lines are (being) committed to the destination
      head = h;
      if (since_checkpoint == 0 && since > 0) cv.notify_one();  // an interval checkpoint is now due in time
      since_checkpoint = since;
      if (anchor) last_checkpoint = Steady::now();
    }
    if (*written == batch.size()) {
      if (anchor) {
        anchor_due = anchor;
        cv.notify_one();
      }
      return Offer::kAccepted;
    }
    if (!ticket) ticket = std::make_shared<Ticket>();
    if (*written > 0) {
      carry = batch.substr(*written);
      carry_ticket = ticket;
      carry_anchor = anchor;
    } else {
      queue.push_back({std::move(bodies), ticket});
    }
    cv.notify_one();
    return Offer::kQueued;
  }

  // The worker's path: appends (blocking) the end of a partly written batch,
  // then `entries` with the checkpoints due, as one batch.
  void append(std::string rest, const std::shared_ptr<Ticket>& rest_ticket, const std::optional<Anchor>& rest_anchor,
              std::vector<Entry> entries, bool final_checkpoint) {
    busy_since.store(steady_ms());
    if (!rest.empty()) {
      Status st = output->append(rest);
      set_error(st.ok() ? "" : st.message());
      rest_ticket->finish(st.ok(), id + ": " + st.message());
      if (st.ok() && rest_anchor) record_anchor(*rest_anchor);
    }
    auto prepared = output->prepare();
    if (!prepared.ok()) {
      busy_since.store(0);
      retry_at = Steady::now() + kRetryPause;
      set_error(prepared.status().message());
      for (auto& e : entries) e.ticket->finish(false, id + ": " + prepared.status().message());
      return;
    }
    if (prepared->has_value()) head = **prepared;
    std::vector<std::string_view> bodies;
    std::vector<std::shared_ptr<Ticket>> tickets;
    for (auto& e : entries) {
      if (e.ticket->is_abandoned()) continue;  // its request was already answered 503
      bodies.insert(bodies.end(), e.bodies.begin(), e.bodies.end());
      tickets.push_back(e.ticket);
    }
    ChainHead h = head;
    uint64_t since = since_checkpoint;
    std::optional<Anchor> anchor;
    std::string batch = format_batch(bodies, h, since, final_checkpoint, anchor);
    if (batch.empty()) {
      busy_since.store(0);
      return;
    }
    Status st = output->append(batch);
    busy_since.store(0);
    if (st.ok()) {
      head = h;
      if (anchor) last_checkpoint = Steady::now();
      since_checkpoint = since;
    } else {
      retry_at = Steady::now() + kRetryPause;
    }
    set_error(st.ok() ? "" : st.message());
    for (auto& t : tickets) t->finish(st.ok(), id + ": " + st.message());
    if (st.ok() && anchor) record_anchor(*anchor);
  }

  // After the requests were answered: a slow or failing store never fails them.
  void record_anchor(const Anchor& anchor) {
    if (!options.anchor) return;
    Status st = options.anchor(id, anchor);
    if (!st.ok()) {
      spdlog::error("audit sink {}: cannot record the anchor of checkpoint {} (retried at the next checkpoint): {}", id,
                    anchor.sequence, st.message());
    }
  }

  void run() {
    std::unique_lock lock(mu);
    while (true) {
      const auto next_checkpoint = std::max(last_checkpoint + options.checkpoint_interval, retry_at);
      auto work = [&] { return stopping || !queue.empty() || !carry.empty() || anchor_due.has_value(); };
      // With no record since the last checkpoint, no checkpoint is due: sleep until there is work.
      if (since_checkpoint > 0) {
        cv.wait_until(lock, next_checkpoint, work);
      } else {
        cv.wait(lock, [&] { return work() || since_checkpoint > 0; });
      }
      std::optional<Anchor> anchor = std::exchange(anchor_due, std::nullopt);
      if (anchor) {
        lock.unlock();
        record_anchor(*anchor);
        lock.lock();
      }
      const bool stop = stopping;
      const bool due = since_checkpoint > 0 && Steady::now() >= next_checkpoint;
      if (!queue.empty() || !carry.empty() || due || (stop && since_checkpoint > 0)) {
        std::vector<Entry> batch(std::make_move_iterator(queue.begin()), std::make_move_iterator(queue.end()));
        queue.clear();
        std::string rest = std::exchange(carry, {});
        std::shared_ptr<Ticket> rest_ticket = std::exchange(carry_ticket, nullptr);
        std::optional<Anchor> rest_anchor = std::exchange(carry_anchor, std::nullopt);
        worker_owns = true;
        lock.unlock();
        append(std::move(rest), rest_ticket, rest_anchor, std::move(batch), stop);
        lock.lock();
        worker_owns = false;
      }
      if (stop && queue.empty() && carry.empty()) break;
    }
    done = true;
    done_cv.notify_all();
  }
};

AuditLog::AuditLog(AuditLogOptions options, std::vector<AuditSinkSetup> sinks,
                   std::shared_ptr<const crypto::Ed25519Key> signer)
    : options_(options) {
  for (auto& s : sinks) {
    auto sink = std::make_shared<Sink>(std::move(s), signer, options_);
    sinks_.push_back(sink);
    workers_.emplace_back([sink] { sink->run(); });  // close() joins it (bounded)
  }
}

AuditLog::~AuditLog() { close(); }

Status AuditLog::write(const AuditRecord& record) {
  const AuditRecord* one[] = {&record};
  return write_batch(one);
}

Status AuditLog::write_batch(std::span<const AuditRecord* const> records) {
  if (records.empty()) return Status::Ok();
  if (closed_.load()) return Status(Code::kUnavailable, "the audit log is closed");
  if (sinks_.empty()) return Status(Code::kUnavailable, "no audit sink is configured");
  const std::size_t n = sinks_.size();
  const std::size_t need = options_.require_all ? n : 1;
  std::size_t accepted = 0, failed = 0;
  std::string errors;
  std::shared_ptr<Ticket> ticket;  // made by the first sink that queues the record
  for (auto& sink : sinks_) {
    std::string error;
    switch (sink->offer(records, ticket, error)) {
      case Sink::Offer::kAccepted: ++accepted; break;
      case Sink::Offer::kFailed:
        ++failed;
        errors += (errors.empty() ? "" : "; ") + error;
        break;
      case Sink::Offer::kQueued: break;
    }
  }
  bool decided = accepted >= need || failed > n - need;
  if (!decided) {
    std::unique_lock lock(ticket->mu);
    decided = ticket->cv.wait_for(lock, options_.write_timeout, [&] {
      return accepted + ticket->accepted >= need || failed + ticket->failed > n - need;
    });
    accepted += ticket->accepted;
    if (!ticket->errors.empty()) errors += (errors.empty() ? "" : "; ") + ticket->errors;
  }
  if (decided && accepted >= need) return Status::Ok();
  if (ticket) {
    std::lock_guard lock(ticket->mu);
    ticket->abandoned = true;
  }
  if (!decided)
    errors += (errors.empty() ? "" : "; ") + std::string("timed out after ") +
              std::to_string(options_.write_timeout.count()) + " ms";
  return Status(Code::kUnavailable, "audit record not accepted by " +
                                        std::string(options_.require_all ? "every sink" : "any sink") + ": " + errors);
}

Status AuditLog::health() const {
  if (closed_.load()) return Status(Code::kUnavailable, "the audit log is closed");
  if (sinks_.empty()) return Status(Code::kUnavailable, "no audit sink is configured");
  std::size_t healthy = 0;
  std::string reasons;
  for (const auto& sink : sinks_) {
    std::string error;
    {
      std::lock_guard lock(sink->mu);
      error = sink->last_error;
    }
    if (error.empty() && sink->stalled()) {
      error = "blocked for more than " + std::to_string(options_.write_timeout.count()) + " ms";
    }
    if (error.empty()) {
      ++healthy;
    } else {
      reasons += (reasons.empty() ? "" : "; ") + sink->id + ": " + error;
    }
  }
  const std::size_t need = options_.require_all ? sinks_.size() : 1;
  if (healthy >= need) return Status::Ok();
  return Status(Code::kUnavailable, "audit sinks unavailable: " + reasons);
}

void AuditLog::reopen() {
  for (auto& sink : sinks_) {
    sink->output->reopen();
    std::lock_guard lock(sink->mu);
    sink->last_error.clear();  // retried by the next write
  }
}

void AuditLog::close() {
  if (closed_.exchange(true)) return;
  for (auto& sink : sinks_) {
    std::lock_guard lock(sink->mu);
    sink->stopping = true;
    sink->cv.notify_all();
  }
  const auto deadline = Steady::now() + options_.write_timeout;
  for (std::size_t i = 0; i < sinks_.size(); ++i) {
    Sink& sink = *sinks_[i];
    bool finished;
    {
      std::unique_lock lock(sink.mu);
      finished = sink.done_cv.wait_until(lock, deadline, [&] { return sink.done; });
    }
    if (finished) {
      workers_[i].join();  // returns at once: run() is past its last step
    } else {
      spdlog::error("audit sink {} did not finish its final checkpoint in time", sink.id);
      workers_[i].detach();  // a hung destination must not hang shutdown; it owns its Sink
    }
  }
}

}  // namespace coffer::audit
