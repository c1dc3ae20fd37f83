#include "store/postgres/pg_transaction.hpp"

#include <algorithm>
#include <cstdio>
#include <random>

#include "common/failpoint.hpp"
#include "store/callback_scope.hpp"
#include "store/postgres/pg_txn.hpp"

namespace coffer::store::postgres {

std::string new_write_id() {
  thread_local std::mt19937_64 gen(std::random_device{}());
  const uint64_t a = gen(), b = gen();
  char out[37];
  std::snprintf(out, sizeof out, "%08x-%04x-4%03x-%04x-%012llx", static_cast<unsigned>(a >> 32),
                static_cast<unsigned>((a >> 16) & 0xffff), static_cast<unsigned>(a & 0x0fff),
                static_cast<unsigned>(((b >> 48) & 0x3fff) | 0x8000),
                static_cast<unsigned long long>(b & 0xffffffffffffULL));
  return out;
}

Attempt read_attempt(const void* owner, PgConnection& conn, const std::function<Status(ReadTxn&)>& fn) {
  if (auto e = conn.run("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")) return {Status(), *e};
  PgTxn txn(conn);
  Status st = run_callback(owner, fn, txn);
  if (txn.failure()) {
    (void)conn.run("ROLLBACK");
    return {Status(), *txn.failure()};
  }
  if (auto e = conn.run(st.ok() ? "COMMIT" : "ROLLBACK")) return {Status(), *e};
  return {st, std::nullopt};
}

WriteBatch::WriteBatch(std::span<const WriteFn* const> callbacks)
    : fns(callbacks), id(new_write_id()), results(callbacks.size()), left_out(callbacks.size(), false) {}

namespace {

// The write's row in coffer_commits, with its transaction id (for the
// replicas' `since` snapshots, pg_coherence.hpp). The id is a UUID: safe
// inline.
std::string commit_mark(const std::string& id) {
  return "INSERT INTO coffer_commits (txn, xid) VALUES ('" + id + "', pg_current_xact_id())";
}

// Ends the transaction: `how` is queued after whatever is still queued.
void end(PgTxn& txn, const char* how) {
  txn.queue_sql(how);
  (void)txn.flush();
}

// The attempt met a database error: roll back (unless the connection is
// gone); 23505 on the batch's id means an earlier attempt committed it.
Attempt failed(PgTxn& txn) {
  PgError e = *txn.failure();
  if (e.connection_lost) return {Status(), e};
  end(txn, "ROLLBACK");
  if (e.sqlstate == "23505") return {Status::Ok(), std::nullopt};
  return {Status(), e};
}

// One transaction over the callbacks not left out. Sets `leave_out` when
// one of them must not share the transaction (the caller rolls back and
// runs the batch again without it); otherwise the transaction is ready for
// COMMIT (or has nothing worth committing: `any_ok` false).
std::optional<Attempt> run_callbacks(const void* owner, PgTxn& txn, WriteBatch& batch,
                                     std::optional<std::size_t>& leave_out, bool& any_ok) {
  for (std::size_t i = 0; i < batch.fns.size() && !leave_out; ++i) {
    if (batch.left_out[i]) continue;
    txn.begin_item(i);
    const std::size_t writes_before = txn.writes();
    Status st = run_callback(owner, *batch.fns[i], txn);
    if (txn.failure()) return failed(txn);
    if (auto k = txn.conflict_item()) {  // an earlier callback's put_if(), seen at this one's read
      leave_out = *k;
      break;
    }
    if (!st.ok() && txn.writes() != writes_before) leave_out = i;
    any_ok = any_ok || st.ok();
    batch.results[i] = std::move(st);
  }
  // What the callbacks held back is written once for the whole batch.
  if (!leave_out) (void)txn.write_pending();
  if (txn.failure()) return failed(txn);
  // put_if() answers must be seen before deciding to commit; plain writes
  // go with the COMMIT.
  if (!leave_out && txn.has_unchecked()) {
    (void)txn.flush();
    if (txn.failure()) return failed(txn);
    if (auto k = txn.conflict_item()) leave_out = *k;
  }
  return std::nullopt;
}

}  // namespace

Attempt batch_write_attempt(const void* owner, PgConnection& conn, WriteBatch& batch) {
  if (Status st = PgTxn::prepare_statements(conn); !st.ok()) return {Status(), PgError{"", st.message(), !conn.ok()}};
  if (!conn.enter_pipeline()) return {Status(), PgError{"", "cannot enter pipeline mode", true}};
  struct Exit {
    PgConnection& conn;
    ~Exit() { conn.exit_pipeline(); }
  } exit{conn};
  const std::string mark = commit_mark(batch.id);
  for (;;) {
    PgTxn txn(conn, PgTxn::Mode::kPipelined);
    // The id goes in first: an earlier attempt that committed makes it fail
    // (23505) and nothing after it runs.
    txn.queue_sql("BEGIN ISOLATION LEVEL SERIALIZABLE");
    txn.queue_sql(mark.c_str());
    // A retry may follow a commit whose answer was lost: learn that before
    // any callback runs again (the first attempt's id cannot exist yet).
    if (batch.retry) (void)txn.flush();
    if (txn.failure()) return failed(txn);
    std::optional<std::size_t> leave_out;
    bool any_ok = false;
    if (auto a = run_callbacks(owner, txn, batch, leave_out, any_ok)) return std::move(*a);
    if (leave_out) {
      const std::size_t k = *leave_out;
      if (txn.conflict_item() == k) batch.results[k] = Status(Code::kConflict, "revision mismatch");
      end(txn, "ROLLBACK");
      if (txn.failure()) return {Status(), *txn.failure()};
      // Alone, its failure is simply its answer: the rollback undid its writes.
      if (std::count(batch.left_out.begin(), batch.left_out.end(), false) == 1) return {Status::Ok(), std::nullopt};
      batch.left_out[k] = true;
      continue;
    }
    if (!any_ok) {  // every callback refused: nothing to commit
      end(txn, "ROLLBACK");
      return {Status::Ok(), std::nullopt};
    }
    if (batch.on_xid) {
      txn.queue_sql("SELECT pg_current_xact_id()::text");
      auto xid = txn.flush();
      if (txn.failure()) return failed(txn);
      if (!xid || xid->rows() != 1) return {Status(), PgError{"", "no transaction id", false}};
      batch.on_xid(std::stoull(std::string(xid->bytes(0, 0))));
    }
    if (failpoint("drop_after_commit_send")) {
      // Tests: the COMMIT reaches the server, its answer never reaches us.
      (void)txn.flush();
      if (txn.failure()) return failed(txn);
      conn.exit_pipeline();
      if (auto e = conn.send_then_drop("COMMIT")) return {Status(), *e};
    }
    auto& around = batch.around_commit;
    if (!around.before.empty()) txn.queue_sql(around.before.c_str());
    txn.queue_sql("COMMIT");
    if (!around.after.empty()) txn.queue_sql(around.after.c_str());
    auto last = txn.flush();
    if (txn.failure()) return failed(txn);  // a lost answer: the next attempt finds out through the id
    if (!around.after.empty()) around.after_result = std::move(last);
    return {Status::Ok(), std::nullopt};
  }
}

Attempt fenced_write_attempt(const void* owner, PgConnection& conn, const WriteFn& fn, const std::string& txn_id,
                             const std::string& fence, CommitStatements& around_commit) {
  if (auto e = conn.run("BEGIN ISOLATION LEVEL SERIALIZABLE")) return {Status(), *e};
  auto r = conn.exec(fence.c_str());
  if (auto* e = std::get_if<PgError>(&r)) {
    (void)conn.run("ROLLBACK");
    return {Status(), *e};
  }
  if (std::get<PgResult>(r).rows() == 0) {
    (void)conn.run("ROLLBACK");
    return {Status(Code::kUnavailable, "store: this server no longer leads the background jobs (fenced)"),
            std::nullopt};
  }
  // The id goes in first: an earlier attempt that committed makes this
  // insert fail, before the callback runs again. (The id is a UUID: hex and
  // dashes only, safe to inline.)
  const std::string mark = commit_mark(txn_id);
  if (auto e = conn.run(mark.c_str())) {
    (void)conn.run("ROLLBACK");
    if (e->sqlstate == "23505") return {Status::Ok(), std::nullopt};  // committed by an earlier attempt
    return {Status(), *e};
  }
  PgTxn txn(conn);
  Status st = run_callback(owner, fn, txn);
  if (txn.failure()) {
    (void)conn.run("ROLLBACK");
    return {Status(), *txn.failure()};
  }
  if (!st.ok()) {
    if (auto e = conn.run("ROLLBACK")) return {Status(), *e};
    return {st, std::nullopt};
  }
  (void)txn.write_pending();
  if (txn.failure()) {
    (void)conn.run("ROLLBACK");
    return {Status(), *txn.failure()};
  }
  if (!around_commit.before.empty()) {
    if (auto e = conn.run(around_commit.before.c_str())) {
      (void)conn.run("ROLLBACK");
      return {Status(), *e};
    }
  }
  if (auto e = conn.run("COMMIT")) return {Status(), *e};
  if (!around_commit.after.empty()) {
    // Committed already: a failure here only leaves the answer missing.
    auto after = conn.exec(around_commit.after.c_str());
    if (auto* answer = std::get_if<PgResult>(&after)) around_commit.after_result = std::move(*answer);
  }
  return {Status::Ok(), std::nullopt};
}

}  // namespace coffer::store::postgres
