#include "store/postgres/pg_store.hpp"

#include <algorithm>
#include <atomic>
#include <charconv>
#include <condition_variable>
#include <cstdio>
#include <exception>
#include <mutex>
#include <random>
#include <set>
#include <thread>
#include <vector>

#include "common/freshness.hpp"
#include "store/callback_scope.hpp"
#include "store/postgres/pg_errors.hpp"
#include "store/postgres/pg_schema.hpp"
#include "store/postgres/pg_transaction.hpp"

namespace coffer::store {

Result<std::unique_ptr<Store>> open_postgres_store(const PostgresOptions& options) {
  auto store = postgres::PgStore::open(options);
  if (!store.ok()) return store.status();
  return std::unique_ptr<Store>(std::move(store).value());
}

}  // namespace coffer::store

namespace coffer::store::postgres {
namespace {

using Steady = std::chrono::steady_clock;

// Full jitter: uniform in [0, min(2 s, 50 ms × 2^attempt)].
std::chrono::milliseconds backoff(int attempt) {
  thread_local std::mt19937_64 gen(std::random_device{}());
  const int64_t cap = std::min<int64_t>(2000, int64_t{50} << std::min(attempt, 6));
  return std::chrono::milliseconds(std::uniform_int_distribution<int64_t>(0, cap)(gen));
}

// pg_current_snapshot()'s text, "xmin:xmax:xip,…" (xid8 values).
struct ParsedSnapshot {
  uint64_t xmin = 0, xmax = 0;
  std::vector<uint64_t> in_progress;  // sorted, as PostgreSQL prints them
};

std::optional<ParsedSnapshot> parse_snapshot(std::string_view text) {
  ParsedSnapshot s;
  const auto c1 = text.find(':'), c2 = text.find(':', c1 == std::string_view::npos ? c1 : c1 + 1);
  if (c1 == std::string_view::npos || c2 == std::string_view::npos) return std::nullopt;
  auto number = [](std::string_view t, uint64_t& out) {
    const auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), out);
    return ec == std::errc() && p == t.data() + t.size();
  };
  if (!number(text.substr(0, c1), s.xmin) || !number(text.substr(c1 + 1, c2 - c1 - 1), s.xmax)) return std::nullopt;
  for (std::string_view rest = text.substr(c2 + 1); !rest.empty();) {
    const auto comma = rest.find(',');
    uint64_t x = 0;
    if (!number(rest.substr(0, comma), x)) return std::nullopt;
    s.in_progress.push_back(x);
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
  }
  std::sort(s.in_progress.begin(), s.in_progress.end());
  return s;
}

// True when every transaction that completed between snapshots `a` and `b`
// is in `quiet` (commits of records no cache holds): the data a cache may
// hold is then the same in both.
bool only_quiet_commits_between(const ParsedSnapshot& a, const ParsedSnapshot& b, const std::set<uint64_t>& quiet) {
  constexpr uint64_t kMostToCheck = 4096;
  if (b.xmax < a.xmax || b.xmax - a.xmax > kMostToCheck) return false;
  auto running_in_b = [&](uint64_t x) { return std::binary_search(b.in_progress.begin(), b.in_progress.end(), x); };
  auto completed_loudly = [&](uint64_t x) { return !running_in_b(x) && quiet.count(x) == 0; };
  for (uint64_t x : a.in_progress) {
    if (completed_loudly(x)) return false;
  }
  for (uint64_t x = a.xmax; x < b.xmax; ++x) {
    if (completed_loudly(x)) return false;
  }
  return true;
}

}  // namespace

// A fixed number of connection slots; a slot connects on first use and again
// after its connection broke.
class PgStore::Pool {
 public:
  Pool(std::string url, std::string settings, std::size_t size)
      : url_(std::move(url)), settings_(std::move(settings)), slots_(std::max<std::size_t>(1, size)) {
    for (std::size_t i = 0; i < slots_.size(); ++i) free_.push_back(i);
  }

  class Lease {
   public:
    Lease(Pool* pool, std::size_t slot) : pool_(pool), slot_(slot) {}
    Lease(Lease&& o) noexcept : pool_(std::exchange(o.pool_, nullptr)), slot_(o.slot_) {}
    Lease& operator=(Lease&&) = delete;
    ~Lease() {
      if (pool_) pool_->release(slot_);
    }
    PgConnection& conn() { return *pool_->slots_[slot_]; }

   private:
    Pool* pool_;
    std::size_t slot_;
  };

  std::variant<Lease, PgError> acquire() {
    std::size_t slot;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return !free_.empty(); });
      slot = free_.back();
      free_.pop_back();
    }
    Lease lease(this, slot);
    auto& conn = slots_[slot];
    if (!conn || !conn->ok() || conn->in_transaction()) {
      conn.reset();
      auto made = PgConnection::connect(url_, settings_);
      if (auto* e = std::get_if<PgError>(&made)) return *e;
      conn = std::move(std::get<std::unique_ptr<PgConnection>>(made));
    }
    return lease;
  }

 private:
  void release(std::size_t slot) {
    {
      std::lock_guard lock(mu_);
      free_.push_back(slot);
    }
    cv_.notify_one();
  }

  const std::string url_;
  const std::string settings_;
  std::vector<std::unique_ptr<PgConnection>> slots_;  // a slot is touched only by its lease holder
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::size_t> free_;
};

// generation(): the snapshot token, fetched on a connection of its own by
// one caller at a time for everyone waiting. A caller is served by the
// newest fetch that started at or after its freshness floor (the start of
// its request: common/freshness.hpp), so one request's reads share one fetch
// — or by the newest fetch at all while the coherence token it started
// with still holds (no change acknowledged since: pg_coherence.hpp).
class PgStore::Snapshots {
 public:
  Snapshots(std::string url, std::string settings, const PgCoherence* coherence)
      : url_(std::move(url)), settings_(std::move(settings)), coherence_(coherence) {}
  ~Snapshots() {
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
    }
    cv_.notify_all();
    if (observer_.joinable()) observer_.join();
  }

  void when_observed(Steady::time_point floor, std::function<void(bool)> done) {
    std::unique_lock lock(mu_);
    if (covers(floor)) {
      const bool ok = last_ok_;
      lock.unlock();
      done(ok);
      return;
    }
    waiting_.push_back({floor, std::move(done)});
    if (!observer_.joinable()) observer_ = std::thread([this] { observe_for_waiters(); });
    cv_.notify_all();
  }

  // `xid` commits only records no cache holds (write_uncached()); called
  // before its COMMIT is sent, so every observation that sees it committed
  // knows it.
  void note_quiet(uint64_t xid) {
    std::lock_guard lock(mu_);
    quiet_.insert(xid);
  }

  void watch(std::string key) {
    std::lock_guard lock(mu_);
    if (std::find(watched_.begin(), watched_.end(), key) == watched_.end()) watched_.push_back(std::move(key));
  }

  uint64_t current() {
    std::unique_lock lock(mu_);
    if (waiting_forbidden() && !covers(freshness_floor())) {
      note_refused_wait();
      return ++generation_;  // a number no cache holds: nothing is served from memory
    }
    observe(lock);
    return generation_;
  }

  std::optional<int64_t> revision(std::string_view key) {
    std::unique_lock lock(mu_);
    const auto it = std::find(watched_.begin(), watched_.end(), key);
    if (it == watched_.end()) return std::nullopt;
    observe(lock);
    const auto i = static_cast<std::size_t>(it - watched_.begin());
    if (i >= revisions_.size()) return std::nullopt;  // the last fetch failed: read it instead
    return revisions_[i];
  }

  std::uint64_t queries() {
    std::lock_guard lock(mu_);
    return queries_;
  }

 private:
  struct Waiter {
    Steady::time_point floor;
    std::function<void(bool)> done;
  };

  // The observer thread: makes an observation whenever callers wait for one,
  // then tells those it covers.
  void observe_for_waiters() {
    std::unique_lock lock(mu_);
    while (true) {
      cv_.wait(lock, [this] { return stopping_ || !waiting_.empty(); });
      if (stopping_) break;
      observe(lock);  // this thread's floor is now: after every waiter's
      std::vector<Waiter> covered;
      for (auto it = waiting_.begin(); it != waiting_.end();) {
        if (covers(it->floor)) {
          covered.push_back(std::move(*it));
          it = waiting_.erase(it);
        } else {
          ++it;
        }
      }
      const bool ok = last_ok_;
      lock.unlock();
      for (auto& w : covered) w.done(ok);
      lock.lock();
    }
    for (auto& w : waiting_) w.done(false);
    waiting_.clear();
  }

  // Under mu_: the newest observation holds for a caller whose request
  // began at `floor`.
  bool covers(Steady::time_point floor) const {
    if (!served_) return false;
    if (started_ >= floor) return true;
    return last_ok_ && started_token_ && coherence_ && coherence_->token() == started_token_;
  }

  // Makes sure the newest observation holds for the caller's floor.
  void observe(std::unique_lock<std::mutex>& lock) {
    const auto floor = freshness_floor();
    while (!covers(floor)) {
      if (fetching_) {
        cv_.wait(lock);
        continue;
      }
      fetching_ = true;
      // Taken before the query is sent: a change acknowledged after this
      // moves the token.
      const std::optional<uint64_t> token = coherence_ ? coherence_->token() : std::nullopt;
      const auto start = Steady::now();
      const std::vector<std::string> keys = watched_;
      lock.unlock();
      std::vector<int64_t> revisions;
      std::optional<std::string> snapshot = fetch(keys, revisions);
      lock.lock();
      fetching_ = false;
      std::optional<ParsedSnapshot> parsed;
      if (snapshot) parsed = parse_snapshot(*snapshot);
      const bool same_data =
          parsed && last_ && (*snapshot == last_text_ || only_quiet_commits_between(*last_, *parsed, quiet_));
      if (!same_data) ++generation_;
      last_text_ = snapshot.value_or("");
      last_ = std::move(parsed);
      if (last_) quiet_.erase(quiet_.begin(), quiet_.lower_bound(last_->xmin));  // all finished: never asked again
      last_ok_ = snapshot.has_value();
      revisions_ = std::move(revisions);
      started_ = start;
      started_token_ = token;
      served_ = true;
      ++queries_;
      cv_.notify_all();
    }
  }

  // The snapshot and, in the same query, the revisions of `keys` (0 = absent).
  std::optional<std::string> fetch(const std::vector<std::string>& keys, std::vector<int64_t>& revisions) {
    if (!conn_ || !conn_->ok()) {
      conn_.reset();
      auto made = PgConnection::connect(url_, settings_);
      if (std::holds_alternative<PgError>(made)) return std::nullopt;
      conn_ = std::move(std::get<std::unique_ptr<PgConnection>>(made));
    }
    std::string sql = "SELECT pg_current_snapshot()::text";
    PgParams params;
    for (std::size_t i = 0; i < keys.size(); ++i) {
      sql += ", coalesce((SELECT revision FROM coffer_kv WHERE key = $" + std::to_string(i + 1) + "), 0)";
      params.bytes(keys[i]);
    }
    const std::string name = "coffer_snapshot_" + std::to_string(keys.size());
    auto r = conn_->exec_prepared(name.c_str(), sql.c_str(), params);
    if (std::holds_alternative<PgError>(r)) {
      conn_.reset();
      return std::nullopt;
    }
    const auto& res = std::get<PgResult>(r);
    if (res.rows() != 1) return std::nullopt;
    for (std::size_t i = 0; i < keys.size(); ++i) revisions.push_back(res.int8(0, static_cast<int>(i + 1)));
    return std::string(res.bytes(0, 0));
  }

  const std::string url_;
  const std::string settings_;
  const PgCoherence* coherence_;        // null: every observation is a query
  std::unique_ptr<PgConnection> conn_;  // used by the fetching caller only
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::string> watched_;
  bool fetching_ = false;
  bool served_ = false;
  Steady::time_point started_{};           // when the newest completed fetch began
  std::optional<uint64_t> started_token_;  // the coherence token then
  uint64_t queries_ = 0;
  uint64_t generation_ = 1;
  std::string last_text_;
  std::optional<ParsedSnapshot> last_;  // of the newest fetch; nullopt when it failed
  std::set<uint64_t> quiet_;            // ids of write_uncached() transactions not yet below every snapshot's xmin
  std::vector<int64_t> revisions_;      // of watched_, at the newest fetch (empty when it failed)
  bool last_ok_ = false;
  bool stopping_ = false;
  std::vector<Waiter> waiting_;  // when_observed() callers not covered yet
  std::thread observer_;
};

PgStore::PgStore(const PostgresOptions& options)
    : options_(options),
      pool_(std::make_unique<Pool>(options.url, session_settings(options.read_only), options.pool)),
      coherence_(options.read_only
                     ? nullptr
                     : std::make_unique<PgCoherence>(options.url, session_settings(false), options.lease)),
      snapshots_(std::make_unique<Snapshots>(options.url, session_settings(options.read_only), coherence_.get())),
      writers_(options.read_only
                   ? nullptr
                   : std::make_unique<BatchWriter>(
                         kMaxBatch, [this](std::span<const WriteFn* const> fns) { return commit_batch(fns); },
                         std::max<std::size_t>(options.writers, 1) - 1, options.metrics, "postgresql")) {
  if (options.metrics) {
    acknowledgment_seconds_ = &options_.metrics->histogram(
        "coffer_store_acknowledgment_wait_duration_seconds",
        "Committed writes' wait until every other replica answering from memory heard of them.",
        prometheus::latency_buckets());
    snapshot_queries_seen_ =
        options_.metrics->observed_counter("coffer_store_snapshot_queries_total",
                                           "Snapshot queries made because this replica could not answer from memory.",
                                           "", [this] { return static_cast<double>(snapshot_queries()); });
    if (coherence_) {
      answering_from_memory_seen_ = options_.metrics->observed_gauge(
          "coffer_store_answering_from_memory",
          "1 while this replica holds its lease and answers whether anything changed from memory; 0 otherwise.", "",
          [this] { return coherence_->registered() ? 1.0 : 0.0; });
    }
  }
}

PgStore::~PgStore() = default;

Result<std::unique_ptr<PgStore>> PgStore::open(const PostgresOptions& options) {
  if (options.url.empty()) return Status(Code::kBadParameter, "postgres: no storage URL");
  auto made = PgConnection::connect(options.url, session_settings(options.read_only));
  if (auto* e = std::get_if<PgError>(&made)) return to_status(*e, "connecting");
  auto& conn = *std::get<std::unique_ptr<PgConnection>>(made);
  COFFER_RETURN_IF_ERROR(options.read_only ? check_schema_current(conn) : migrate(conn));
  return std::unique_ptr<PgStore>(new PgStore(options));
}

Status PgStore::with_retries(const char* what, const std::function<Attempt(PgConnection&)>& once) {
  const auto deadline = Steady::now() + options_.retry_budget;
  Status last(Code::kUnavailable, std::string("postgres: ") + what + ": no attempt made");
  for (int attempt = 0;; ++attempt) {
    if (attempt > 0) {
      const auto pause = backoff(attempt);
      if (Steady::now() + pause >= deadline) return last;
      std::this_thread::sleep_for(pause);
    }
    auto lease = pool_->acquire();
    if (auto* e = std::get_if<PgError>(&lease)) {
      last = to_status(*e, "connecting");
      if (classify(*e) == Recovery::kFatal) return last;
      continue;
    }
    Attempt a = once(std::get<Pool::Lease>(lease).conn());
    if (!a.error) return a.status;
    last = to_status(*a.error, what);
    const Recovery r = classify(*a.error);
    if (r == Recovery::kBackOff || r == Recovery::kFatal) return last;
  }
}

namespace {

Status refused_wait() {
  note_refused_wait();
  return Status(Code::kUnavailable, "store: this thread must not wait on the database", "WouldWait");
}

}  // namespace

Status PgStore::read(const std::function<Status(ReadTxn&)>& fn) {
  if (CallbackScope::inside(this)) return nested_call("read");
  if (waiting_forbidden()) return refused_wait();
  return with_retries("read", [&](PgConnection& conn) { return read_attempt(this, conn, fn); });
}

std::optional<Status> PgStore::refuse_write() const {
  if (!writers_) return Status(Code::kInternal, "store: opened read-only; writes are refused");
  if (CallbackScope::inside(this) || writers_->on_writer_thread()) return nested_call("write");
  if (waiting_forbidden()) return refused_wait();
  return std::nullopt;
}

Status PgStore::run_batch(WriteBatch& batch) {
  return with_retries("write", [&](PgConnection& conn) {
    Attempt a = batch_write_attempt(this, conn, batch);
    batch.retry = true;
    return a;
  });
}

Status PgStore::write(const std::function<Status(WriteTxn&)>& fn) {
  if (auto refused = refuse_write()) return *refused;
  try {
    const Status st = writers_->submit(fn);
    auto committed = take_committed(&fn);
    if (st.ok() && committed) {
      std::call_once(committed->once,
                     [&] { committed->settled = settle(committed->txn_id, std::move(committed->awaited)); });
      if (!committed->settled.ok()) return committed->settled;
    }
    return st;
  } catch (const std::exception& e) {  // allocation or std::mutex failure
    return Status(Code::kInternal, std::string("store: write failed: ") + e.what());
  }
}

CommitStatements PgStore::around_commit(const std::string& txn_id) const {
  CommitStatements around;
  around.before = coherence_->announce_sql(txn_id);
  around.after = coherence_->awaited_sql(txn_id);
  return around;
}

std::optional<std::vector<AwaitedReplica>> PgStore::after_commit(const CommitStatements& around) {
  coherence_->note_own_change();
  if (!around.after_result) return std::nullopt;
  return PgCoherence::parse_awaited(*around.after_result);
}

Status PgStore::settle(const std::string& txn_id, std::optional<std::vector<AwaitedReplica>> replicas) {
  const auto started = Steady::now();
  if (!replicas) {  // the answer after COMMIT went missing: asked again (any time after COMMIT will do)
    const std::string sql = coherence_->awaited_sql(txn_id);
    Status st = with_retries("asking which replicas must hear of a write", [&](PgConnection& conn) -> Attempt {
      auto r = conn.exec(sql.c_str());
      if (auto* e = std::get_if<PgError>(&r)) return {Status(), *e};
      replicas = PgCoherence::parse_awaited(std::get<PgResult>(r));
      return {Status::Ok(), std::nullopt};
    });
    if (!st.ok()) return st;
    if (!replicas) return Status(Code::kUnavailable, "postgres: the replicas' leases could not be read");
  }
  coherence_->await(txn_id, *replicas, Steady::now());
  if (acknowledgment_seconds_) {
    acknowledgment_seconds_->observe({}, std::chrono::duration<double>(Steady::now() - started).count());
  }
  return Status::Ok();
}

std::shared_ptr<PgStore::Committed> PgStore::take_committed(const WriteFn* fn) {
  std::lock_guard lock(committed_mu_);
  auto node = committed_.extract(fn);
  return node.empty() ? nullptr : std::move(node.mapped());
}

Status PgStore::write_uncached(const std::function<Status(WriteTxn&)>& fn) {
  if (auto refused = refuse_write()) return *refused;
  const WriteFn* one[] = {&fn};
  WriteBatch batch(one);
  batch.on_xid = [this](uint64_t xid) { snapshots_->note_quiet(xid); };
  const Status st = run_batch(batch);
  return st.ok() ? batch.results[0] : st;
}

std::vector<Status> PgStore::commit_batch(std::span<const WriteFn* const> fns) {
  try {
    WriteBatch batch(fns);
    batch.around_commit = around_commit(batch.id);
    const Status st = run_batch(batch);
    if (!st.ok()) return std::vector<Status>(fns.size(), st);
    auto committed = std::make_shared<Committed>();
    committed->txn_id = batch.id;
    committed->awaited = after_commit(batch.around_commit);
    {
      std::lock_guard lock(committed_mu_);
      for (std::size_t i = 0; i < fns.size(); ++i) {
        if (!batch.left_out[i] && batch.results[i].ok()) committed_[fns[i]] = committed;
      }
    }
    if (++commits_ % 1000 == 0) prune_commit_ids();
    for (std::size_t i = 0; i < fns.size(); ++i) {
      if (batch.left_out[i]) batch.results[i] = std::move(commit_batch(fns.subspan(i, 1)).front());
    }
    return std::move(batch.results);
  } catch (...) {  // allocation failure
    return {};     // the batch writer answers every callback kInternal
  }
}

void PgStore::prune_commit_ids() {
  // Ids are looked up only while their write() retries (seconds); an hour is plenty.
  auto lease = pool_->acquire();
  if (auto* held = std::get_if<Pool::Lease>(&lease)) {
    (void)held->conn().run("DELETE FROM coffer_commits WHERE at < now() - interval '1 hour'");
  }
}

std::uint64_t PgStore::generation() const { return snapshots_->current(); }

std::uint64_t PgStore::snapshot_queries() const { return snapshots_->queries(); }

void PgStore::watch(std::string key) { snapshots_->watch(std::move(key)); }

void PgStore::when_observed(std::chrono::steady_clock::time_point floor, std::function<void(bool)> done) {
  snapshots_->when_observed(floor, std::move(done));
}

std::optional<int64_t> PgStore::watched_revision(std::string_view key) const { return snapshots_->revision(key); }

Status PgStore::health() {
  if (waiting_forbidden()) return refused_wait();
  auto lease = pool_->acquire();
  if (auto* e = std::get_if<PgError>(&lease)) return to_status(*e, "connecting");
  if (auto e = std::get<Pool::Lease>(lease).conn().run("SELECT 1")) return to_status(*e, "health check");
  return Status::Ok();
}

}  // namespace coffer::store::postgres
