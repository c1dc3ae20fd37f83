#include "store/postgres/pg_transaction.hpp"

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

namespace {

// The pipelined write: BEGIN, the id, the callback's reads with the writes
// queued before them, then (after checking put_if()s) COMMIT with the writes
// queued since — a write of a few puts after one read costs two round trips.
Attempt pipelined_write(const void* owner, PgConnection& conn, const std::function<Status(WriteTxn&)>& fn,
                        const std::string& txn_id, bool retry) {
  if (Status st = PgTxn::prepare_statements(conn); !st.ok()) return {Status(), PgError{"", st.message(), !conn.ok()}};
  if (!conn.enter_pipeline()) return {Status(), PgError{"", "cannot enter pipeline mode", true}};
  struct Exit {
    PgConnection& conn;
    ~Exit() { conn.exit_pipeline(); }
  } exit{conn};
  PgTxn txn(conn, PgTxn::Mode::kPipelined);
  // The id goes in first: an earlier attempt that committed makes it fail
  // (23505) and nothing after it runs.
  txn.queue_sql("BEGIN ISOLATION LEVEL SERIALIZABLE");
  const std::string mark = "INSERT INTO coffer_commits (txn) VALUES ('" + txn_id + "')";
  txn.queue_sql(mark.c_str());
  // A retry may follow a commit whose answer was lost: learn that before the
  // callback runs again (the first attempt's id cannot exist yet).
  if (retry) (void)txn.flush();
  auto end = [&](const char* how) {
    txn.queue_sql(how);
    (void)txn.flush();
  };
  auto failed = [&]() -> Attempt {
    PgError e = *txn.failure();
    if (e.connection_lost) return {Status(), e};
    end("ROLLBACK");
    if (e.sqlstate == "23505") return {Status::Ok(), std::nullopt};  // committed by an earlier attempt
    return {Status(), e};
  };
  if (txn.failure()) return failed();
  Status st = run_callback(owner, fn, txn);
  if (txn.failure()) return failed();
  if (!st.ok()) {
    end("ROLLBACK");
    return {st, std::nullopt};
  }
  // put_if() answers must be seen before deciding to commit; plain writes go
  // with the COMMIT.
  if (txn.has_unchecked()) {
    (void)txn.flush();
    if (txn.failure()) return failed();
    if (txn.conflict()) {
      end("ROLLBACK");
      return {Status(Code::kConflict, "revision mismatch"), std::nullopt};
    }
  }
  if (failpoint("drop_after_commit_send")) {
    // Tests: the COMMIT reaches the server, its answer never reaches us.
    (void)txn.flush();
    if (txn.failure()) return failed();
    conn.exit_pipeline();
    if (auto e = conn.send_then_drop("COMMIT")) return {Status(), *e};
  }
  end("COMMIT");
  if (txn.failure()) return failed();  // a lost answer: the next attempt finds out through the id
  return {Status::Ok(), std::nullopt};
}

}  // namespace

Attempt write_attempt(const void* owner, PgConnection& conn, const std::function<Status(WriteTxn&)>& fn,
                      const std::string& txn_id, bool retry, const std::string& fence) {
  if (fence.empty()) return pipelined_write(owner, conn, fn, txn_id, retry);
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
  const std::string mark = "INSERT INTO coffer_commits (txn) VALUES ('" + txn_id + "')";
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
  if (auto e = conn.run("COMMIT")) return {Status(), *e};
  return {Status::Ok(), std::nullopt};
}

}  // namespace coffer::store::postgres
