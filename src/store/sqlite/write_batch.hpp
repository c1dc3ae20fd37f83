// One group commit: runs a batch of write callbacks in a single
// transaction on the write connection and reports each caller's outcome.
//
//   BEGIN IMMEDIATE
//   for each fn: SAVEPOINT item; fn(txn); OK → RELEASE item,
//                non-OK/throw/ignored storage error → ROLLBACK TO item; RELEASE item
//   COMMIT                                  (one fsync for the whole batch)
//
// A callback that failed gets its own Status (nothing it wrote is kept).
// The others get OK only if COMMIT returned SQLITE_OK; if BEGIN or COMMIT
// fails, or SQLite aborts the transaction mid-batch, they get kUnavailable
// with SQLite's message and nothing of the batch is kept. Never throws.
#pragma once

#include <functional>
#include <span>
#include <vector>

#include "store/sqlite/connection.hpp"
#include "store/store.hpp"

namespace coffer::store::sqlite {

struct BatchOutcome {
  std::vector<Status> results;  // one per callback, in order
  bool committed = false;       // a COMMIT succeeded
};

BatchOutcome run_write_batch(Connection& conn, std::span<const WriteFn* const> fns);

}  // namespace coffer::store::sqlite
