#include "store/sqlite/write_batch.hpp"

#include <exception>
#include <string>

#include "store/sqlite/sqlite_txn.hpp"

namespace coffer::store::sqlite {
namespace {

Status invoke(const WriteFn& fn, SqliteWriteTxn& txn) {
  try {
    Status st = fn(txn);
    if (st.ok()) st = txn.storage_failure();
    return st;
  } catch (const std::exception& e) {
    return Status(Code::kInternal, std::string("store: write callback threw: ") + e.what());
  } catch (...) {
    return Status(Code::kInternal, "store: write callback threw");
  }
}

// Runs one callback inside its own savepoint. Returns the callback's
// outcome; sets `lost` when the enclosing transaction can no longer commit.
Status run_item(Connection& conn, const WriteFn& fn, Status& lost) {
  if (Status st = conn.run("SAVEPOINT item"); !st.ok()) {
    lost = st;
    return st;
  }
  SqliteWriteTxn txn(conn);
  Status st = invoke(fn, txn);
  if (!conn.in_transaction()) {  // SQLite rolled back everything (I/O error, disk full, ...)
    lost = st.ok() ? Status(Code::kUnavailable, "store: transaction rolled back by SQLite") : st;
    return st;
  }
  if (!st.ok()) {
    Status undo = conn.run("ROLLBACK TO item");
    if (undo.ok()) undo = conn.run("RELEASE item");
    if (!undo.ok()) lost = undo;
    return st;
  }
  if (Status release = conn.run("RELEASE item"); !release.ok()) {
    lost = release;
    return release;
  }
  return st;
}

}  // namespace

BatchOutcome run_write_batch(Connection& conn, std::span<const WriteFn* const> fns) {
  BatchOutcome out;
  out.results.resize(fns.size());
  std::vector<bool> pending(fns.size(), true);  // not yet failed on its own
  Status lost = conn.run("BEGIN IMMEDIATE");
  for (std::size_t i = 0; i < fns.size() && lost.ok(); ++i) {
    out.results[i] = run_item(conn, *fns[i], lost);
    pending[i] = out.results[i].ok();
  }
  if (lost.ok()) {
    lost = conn.run("COMMIT");
    if (lost.ok()) {
      out.committed = true;
      return out;
    }
  }
  if (conn.in_transaction()) (void)conn.run("ROLLBACK");
  const Status unavailable(Code::kUnavailable, "store: write batch not committed: " + lost.message());
  for (std::size_t i = 0; i < fns.size(); ++i) {
    if (pending[i]) out.results[i] = unavailable;
  }
  return out;
}

}  // namespace coffer::store::sqlite
