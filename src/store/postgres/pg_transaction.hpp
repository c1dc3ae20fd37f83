// One attempt at a Store transaction on one PostgreSQL connection, shared by
// PgStore (pooled connections) and the leader's fenced store (its own
// session). An attempt either ends (`status` is what write()/read() return)
// or meets a database error to recover from (`error`, see pg_errors.hpp).
//   batch_write_attempt: the group commit of PgStore's write() calls, in
//   libpq pipeline mode: BEGIN SERIALIZABLE; INSERT the batch's id into
//   coffer_commits — a unique violation means an earlier attempt of this
//   batch committed: the results of that attempt stand, no callback runs
//   again —; the callbacks one after another (each one's reads carry the
//   writes queued before them: about one round trip per callback); what
//   the callbacks' puts and erases held back, in one INSERT and one DELETE;
//   COMMIT.
//   A callback that fails before writing keeps its failure and the others
//   commit; one that fails after writing (or whose put_if() conflicts) is
//   left out — the transaction rolls back and the batch runs again without
//   it — and runs later in a batch of its own, where a failure just rolls
//   back. `retry` says an earlier attempt of the batch may have committed,
//   so the id is checked before any callback runs.
//   fenced_write_attempt: one write, statement by statement: BEGIN
//   SERIALIZABLE; `fence` (a statement that must return a row); the write's
//   id as above; the callback; its held-back writes; COMMIT.
//   Both run the statements of CommitStatements (the invalidation protocol,
//   pg_coherence.hpp) just before COMMIT and right after it (pipelined with
//   the COMMIT in a batch). A failure of the one after COMMIT leaves its
//   answer missing: the batch's next attempt finds itself committed, a
//   fenced write is done.
//   read_attempt: BEGIN REPEATABLE READ READ ONLY; the callback; COMMIT.
// `owner` identifies the store for the nested-call guard (callback_scope.hpp).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "store/postgres/pg_connection.hpp"
#include "store/store.hpp"

namespace coffer::store::postgres {

struct Attempt {
  Status status;
  std::optional<PgError> error;
};

// Parameterless statements around a write's COMMIT (empty: none), and the
// answer of the one after it when it ran.
struct CommitStatements {
  std::string before;
  std::string after;
  std::optional<PgResult> after_result;
};

// The state of one batch across its attempts.
struct WriteBatch {
  explicit WriteBatch(std::span<const WriteFn* const> callbacks);
  std::span<const WriteFn* const> fns;
  std::string id;               // its row in coffer_commits
  std::vector<Status> results;  // per callback, from the newest attempt that ran it
  std::vector<bool> left_out;   // to run in a batch of its own (never in this one's transaction)
  bool retry = false;           // an earlier attempt may have committed
  // Told the transaction's id (pg_current_xact_id()) before COMMIT is sent;
  // null: not asked (one more round trip when set).
  std::function<void(std::uint64_t)> on_xid;
  CommitStatements around_commit;
};

Attempt batch_write_attempt(const void* owner, PgConnection& conn, WriteBatch& batch);
Attempt fenced_write_attempt(const void* owner, PgConnection& conn, const WriteFn& fn, const std::string& txn_id,
                             const std::string& fence, CommitStatements& around_commit);
Attempt read_attempt(const void* owner, PgConnection& conn, const std::function<Status(ReadTxn&)>& fn);
// A random UUID (text): the id of one write().
std::string new_write_id();

}  // namespace coffer::store::postgres
