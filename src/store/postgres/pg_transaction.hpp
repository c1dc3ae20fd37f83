// One attempt at a Store transaction on one PostgreSQL connection, shared by
// PgStore (pooled connections) and the leader's fenced store (its own
// session). An attempt either ends (`status` is what write()/read() return)
// or meets a database error to recover from (`error`, see pg_errors.hpp).
//   write_attempt: BEGIN SERIALIZABLE; `fence` (a statement that must return
//   a row, or empty); INSERT the write's id into coffer_commits — a unique
//   violation means an earlier attempt of this write committed: OK without
//   running the callback again —; the callback; COMMIT. Without a fence the
//   statements go in libpq pipeline mode (fewer round trips); `retry` says an
//   earlier attempt of the same write may have committed, so the id is
//   checked before the callback runs.
//   read_attempt: BEGIN REPEATABLE READ READ ONLY; the callback; COMMIT.
// `owner` identifies the store for the nested-call guard (callback_scope.hpp).
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "store/postgres/pg_connection.hpp"
#include "store/store.hpp"

namespace coffer::store::postgres {

struct Attempt {
  Status status;
  std::optional<PgError> error;
};

Attempt write_attempt(const void* owner, PgConnection& conn, const std::function<Status(WriteTxn&)>& fn,
                      const std::string& txn_id, bool retry, const std::string& fence = {});
Attempt read_attempt(const void* owner, PgConnection& conn, const std::function<Status(ReadTxn&)>& fn);
// A random UUID (text): the id of one write().
std::string new_write_id();

}  // namespace coffer::store::postgres
