#include "store/sqlite/connection.hpp"

#include <limits>

namespace coffer::store::sqlite {

Status sqlite_status(int rc, std::string_view what, sqlite3* db) {
  std::string message(what);
  message += ": ";
  // sqlite3_errmsg describes the most recent failure on this handle; fall
  // back to the generic text when there is no handle or it has moved on.
  if (db != nullptr && (sqlite3_extended_errcode(db) == rc || sqlite3_errcode(db) == rc)) {
    message += sqlite3_errmsg(db);
  } else {
    message += sqlite3_errstr(rc);
  }
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_IOERR:
    case SQLITE_FULL:
    case SQLITE_CANTOPEN:
    case SQLITE_PROTOCOL:
    case SQLITE_NOMEM:
    case SQLITE_READONLY: return Status(Code::kUnavailable, std::move(message));
    default: return Status(Code::kInternal, std::move(message));
  }
}

Statement::~Statement() {
  if (stmt_ != nullptr) {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
}

Status Statement::bind_blob(int index, std::string_view bytes) {
  if (bytes.size() > static_cast<std::size_t>(std::numeric_limits<int>::max())) {
    return Status(Code::kBadParameter, "store: value too large for SQLite");
  }
  // A null pointer would bind SQL NULL; an empty blob needs a non-null one.
  const char* data = bytes.empty() ? "" : bytes.data();
  const int rc = sqlite3_bind_blob(stmt_, index, data, static_cast<int>(bytes.size()), SQLITE_TRANSIENT);
  return rc == SQLITE_OK ? Status::Ok() : sqlite_status(rc, "store: bind", db_);
}

Status Statement::bind_int64(int index, int64_t value) {
  const int rc = sqlite3_bind_int64(stmt_, index, value);
  return rc == SQLITE_OK ? Status::Ok() : sqlite_status(rc, "store: bind", db_);
}

Result<bool> Statement::step() {
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return sqlite_status(rc, std::string("store: ") + sqlite3_sql(stmt_), db_);
}

Status Statement::run() {
  for (;;) {
    Result<bool> row = step();
    if (!row.ok()) return row.status();
    if (!*row) return Status::Ok();
  }
}

std::string Statement::column_blob(int col) const {
  const void* data = sqlite3_column_blob(stmt_, col);
  const int size = sqlite3_column_bytes(stmt_, col);
  if (data == nullptr || size <= 0) return {};
  return std::string(static_cast<const char*>(data), static_cast<std::size_t>(size));
}

int64_t Statement::column_int64(int col) const { return sqlite3_column_int64(stmt_, col); }

Result<std::unique_ptr<Connection>> Connection::open(const std::string& path, Mode mode, int busy_timeout_ms) {
  const int flags = (mode == Mode::kReadOnly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) |
                    SQLITE_OPEN_NOMUTEX;
  sqlite3* db = nullptr;
  const int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
  if (rc != SQLITE_OK) {
    Status st = sqlite_status(rc, "store: cannot open " + path, db);
    sqlite3_close(db);
    return st;
  }
  std::unique_ptr<Connection> conn(new Connection(db));
  sqlite3_extended_result_codes(db, 1);
  sqlite3_busy_timeout(db, busy_timeout_ms);
  if (mode == Mode::kReadWrite) {
    COFFER_ASSIGN_OR_RETURN(Statement wal, conn->prepare("PRAGMA journal_mode=WAL"));
    COFFER_ASSIGN_OR_RETURN(bool row, wal.step());
    if (!row || wal.column_blob(0) != "wal") {
      return Status(Code::kInternal, "store: " + path + " cannot use WAL journal mode");
    }
    COFFER_RETURN_IF_ERROR(wal.run());
    COFFER_RETURN_IF_ERROR(conn->run("PRAGMA synchronous=FULL"));
  }
  return conn;
}

Connection::~Connection() {
  for (auto& [sql, stmt] : cache_) sqlite3_finalize(stmt);
  sqlite3_close(db_);
}

Result<Statement> Connection::prepare(const char* sql) {
  auto it = cache_.find(std::string_view(sql));
  if (it == cache_.end()) {
    sqlite3_stmt* stmt = nullptr;
    const int rc = sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
    if (rc != SQLITE_OK) return sqlite_status(rc, std::string("store: prepare \"") + sql + "\"", db_);
    if (stmt == nullptr) return Status(Code::kInternal, std::string("store: empty statement \"") + sql + "\"");
    it = cache_.emplace(sql, stmt).first;
  }
  return Statement(it->second, db_);
}

Status Connection::run(const char* sql) {
  COFFER_ASSIGN_OR_RETURN(Statement stmt, prepare(sql));
  return stmt.run();
}

Status Connection::exec_uncached(const char* sql) {
  const int rc = sqlite3_exec(db_, sql, nullptr, nullptr, nullptr);
  return rc == SQLITE_OK ? Status::Ok() : sqlite_status(rc, std::string("store: ") + sql, db_);
}

bool Connection::in_transaction() const { return sqlite3_get_autocommit(db_) == 0; }

}  // namespace coffer::store::sqlite
