// Connection: one sqlite3 handle with its cache of prepared statements.
// Not thread-safe: used by one thread at a time (the writer thread, or the
// reader that checked it out). Every SQLite failure comes back as a Status
// carrying SQLite's message: kUnavailable for busy/locked/I/O/full/cantopen
// (worth retrying later), kInternal for anything else. Nothing here throws
// except std::bad_alloc.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include <sqlite3.h>

#include "common/status.hpp"

namespace coffer::store::sqlite {

// Maps a SQLite result code to a Status "<what>: <sqlite message>".
Status sqlite_status(int rc, std::string_view what, sqlite3* db);

// A borrowed cached statement. Bindings and state are reset on destruction,
// so the next user starts clean. Blobs are bound and read as bytes.
class Statement {
 public:
  Statement(sqlite3_stmt* stmt, sqlite3* db) : stmt_(stmt), db_(db) {}
  Statement(Statement&& other) noexcept : stmt_(other.stmt_), db_(other.db_) { other.stmt_ = nullptr; }
  Statement& operator=(Statement&&) = delete;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement();

  Status bind_blob(int index, std::string_view bytes);
  Status bind_int64(int index, int64_t value);
  // true: a row is ready to read; false: the statement is done.
  Result<bool> step();
  // Steps to completion, ignoring any rows.
  Status run();
  std::string column_blob(int col) const;
  int64_t column_int64(int col) const;

 private:
  sqlite3_stmt* stmt_;
  sqlite3* db_;
};

class Connection {
 public:
  enum class Mode { kReadWrite, kReadOnly };

  // Opens `path` (created if absent in kReadWrite). kReadWrite sets
  // journal_mode=WAL and synchronous=FULL; both modes set busy_timeout.
  static Result<std::unique_ptr<Connection>> open(const std::string& path, Mode mode, int busy_timeout_ms);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // The cached prepared statement for `sql` (one statement, no trailing text).
  Result<Statement> prepare(const char* sql);
  // Prepares (cached) and runs one statement that returns no rows of interest.
  Status run(const char* sql);
  // Runs SQL once without caching it (for schema changes).
  Status exec_uncached(const char* sql);
  // True while a transaction is open (false after SQLite rolled one back on
  // its own, e.g. on SQLITE_FULL or SQLITE_IOERR).
  bool in_transaction() const;
  Status error(int rc, std::string_view what) const { return sqlite_status(rc, what, db_); }

 private:
  explicit Connection(sqlite3* db) : db_(db) {}

  struct TextHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view text) const { return std::hash<std::string_view>{}(text); }
  };

  sqlite3* db_;
  std::unordered_map<std::string, sqlite3_stmt*, TextHash, std::equal_to<>> cache_;
};

}  // namespace coffer::store::sqlite
