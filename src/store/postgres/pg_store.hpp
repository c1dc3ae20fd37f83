// PgStore: the Store on PostgreSQL, shared by any number of Coffer processes.
//
// - read(): a REPEATABLE READ READ ONLY transaction on a pooled connection
//   (one snapshot for the whole callback). write(): group commit — the
//   calls queued meanwhile run together in one SERIALIZABLE transaction
//   (at most kMaxBatch calls; `writers` threads, the second and later ones
//   join under a backlog: batch_writer.hpp; pg_transaction.hpp for how one
//   caller's failure stays its own); it
//   commits only what a serial order of all writers would give, so replicas
//   need no lock of their own.
// - Retries: a transaction that fails with a retryable SQLSTATE (pg_errors.hpp)
//   runs again — write callbacks are side-effect free by the Store contract —
//   after a jittered exponential backoff (50 ms → 2 s), reconnecting when the
//   connection broke, for at most `retry_budget`; then kUnavailable (503).
// - Exactly once: a batch has one random id, and every attempt first
//   inserts it into coffer_commits (primary key). If an earlier attempt did
//   commit although its COMMIT's answer was lost, the insert fails with a
//   unique violation (or waits until that attempt ends, then fails) and the
//   callers get that attempt's results without any callback running again;
//   otherwise the attempt proceeds. Nothing is acknowledged before COMMIT
//   returned.
// - Under a NoWaitScope (an I/O thread, common/freshness.hpp) nothing waits:
//   read(), write() and an observation that does not hold for the caller's
//   floor are refused (kUnavailable, reason "WouldWait", noted for the scope), and
//   when_observed() gets observations made on the store's own thread.
// - Invalidation (pg_coherence.hpp): every write() announces its batch and
//   returns only when every other replica holding a lease acknowledged it
//   (or the lease ran out) — write_uncached() neither, it writes nothing a
//   cache holds; a replica that heard of no change since its
//   newest snapshot query, and holds its lease, answers generation() from
//   memory, with no round trip.
// - generation(): one snapshot token for the whole cluster. A call is
//   answered from memory as above, else by a `SELECT pg_current_snapshot()` that started after the
//   caller's freshness floor — the start of its request (common/freshness.hpp),
//   else the call itself — so one query serves every request that began
//   before it, and all the reads of one request share one; the number
//   changes whenever the snapshot did — unless every transaction that
//   completed in between was this store's own write_uncached() (an audit
//   anchor), whose ids it noted before committing them. Equal snapshots mean no
//   transaction of any replica committed in between, so ReadCache entries
//   stay exact across replicas: a value written on one replica is read back
//   on another at once. On a database error the number changes (no caching).
// Thread-safe.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "store/batch_writer.hpp"
#include "store/postgres/pg_coherence.hpp"
#include "store/postgres/pg_connection.hpp"
#include "store/postgres/pg_transaction.hpp"
#include "store/store.hpp"

namespace coffer::store::postgres {

class PgStore final : public Store {
 public:
  static Result<std::unique_ptr<PgStore>> open(const PostgresOptions& options);
  ~PgStore() override;

  Status read(const std::function<Status(ReadTxn&)>& fn) override;
  Status write(const std::function<Status(WriteTxn&)>& fn) override;
  // Alone (not group-committed), with its transaction id noted so that
  // generation() does not move for it.
  Status write_uncached(const std::function<Status(WriteTxn&)>& fn) override;
  std::uint64_t generation() const override;
  // SELECT 1 on a pooled connection, no retries.
  Status health() override;
  // Watched revisions come with the snapshot query (same round trip).
  void watch(std::string key) override;
  std::optional<int64_t> watched_revision(std::string_view key) const override;
  // The snapshot query for event-loop callers runs on a thread of its own.
  void when_observed(std::chrono::steady_clock::time_point floor, std::function<void(bool)> done) override;
  bool waits() const override { return true; }
  prometheus::Registry* metrics() const override { return options_.metrics; }
  // write() calls waiting for a writer thread (for tests and metrics).
  std::size_t queued_writes() const { return writers_ ? writers_->queued() : 0; }
  // Snapshot queries made so far (for tests and benchmarks).
  std::uint64_t snapshot_queries() const;
  // The invalidation protocol's statements around the COMMIT of write
  // `txn_id`, and what a committed write then waits for: every other replica
  // that must hear of it (pg_coherence.hpp). For the leader's fenced writes.
  CommitStatements around_commit(const std::string& txn_id) const;
  // Right after that COMMIT, before anyone hears of it: this store's own
  // token moves; the replicas to wait for, when the answer after COMMIT came.
  std::optional<std::vector<AwaitedReplica>> after_commit(const CommitStatements& around);
  // `awaited`: parsed from CommitStatements::after_result; nullopt: asked here.
  Status settle(const std::string& txn_id, std::optional<std::vector<AwaitedReplica>> awaited);
  // The invalidation protocol's state (tests); null for a read-only store.
  PgCoherence* coherence() { return coherence_.get(); }

 private:
  class Pool;
  class Snapshots;
  explicit PgStore(const PostgresOptions& options);
  // Runs `once` on pooled connections until it is done or the budget is spent.
  Status with_retries(const char* what, const std::function<Attempt(PgConnection&)>& once);
  // Why a write() may not start here (read-only, nested, on an event loop); nullopt: it may.
  std::optional<Status> refuse_write() const;
  // All attempts at one batch (pg_transaction.hpp) on pooled connections.
  Status run_batch(WriteBatch& batch);
  // The writer threads' work: one Status per callback.
  std::vector<Status> commit_batch(std::span<const WriteFn* const> fns);
  void prune_commit_ids();
  // What the callers of one committed batch wait for (see settle()): the
  // first of them settles the batch, the others wait for that.
  struct Committed {
    std::string txn_id;
    std::optional<std::vector<AwaitedReplica>> awaited;
    std::once_flag once;
    Status settled;
  };
  std::shared_ptr<Committed> take_committed(const WriteFn* fn);

  static constexpr std::size_t kMaxBatch = 64;

  const PostgresOptions options_;
  std::atomic<uint64_t> commits_{0};  // batches committed so far; every 1000th prunes coffer_commits
  std::unique_ptr<Pool> pool_;
  std::unique_ptr<PgCoherence> coherence_;  // before the users of its token
  std::unique_ptr<Snapshots> snapshots_;
  prometheus::Histograms* acknowledgment_seconds_ = nullptr;  // null without metrics
  prometheus::Observed snapshot_queries_seen_;                // after snapshots_: unlisted before it goes
  prometheus::Observed answering_from_memory_seen_;           // after coherence_, likewise
  std::mutex committed_mu_;
  std::map<const WriteFn*, std::shared_ptr<Committed>> committed_;  // batches committed, their callers not yet settled
  std::unique_ptr<BatchWriter> writers_;                            // last: its threads stop before the pool goes
};

}  // namespace coffer::store::postgres
