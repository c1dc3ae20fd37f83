#include "store/sqlite/migrations.hpp"

#include <array>
#include <string>

namespace coffer::store::sqlite {
namespace {

// Append only: never edit or reorder a released step.
constexpr std::array kMigrations{
    Migration{1,
              "CREATE TABLE entries(key BLOB PRIMARY KEY, value BLOB NOT NULL, revision INTEGER NOT NULL) "
              "WITHOUT ROWID"},
    // meta: named integers; 'revision' is the last revision handed out.
    Migration{2, "CREATE TABLE meta(name TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID"},
    Migration{3, "INSERT INTO meta(name, value) SELECT 'revision', COALESCE(MAX(revision), 0) FROM entries"},
};

Status migrate_in_txn(Connection& conn, int64_t now_unix) {
  COFFER_RETURN_IF_ERROR(conn.run(
      "CREATE TABLE IF NOT EXISTS schema_migrations(version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)"));
  COFFER_ASSIGN_OR_RETURN(const int64_t current, schema_version(conn));
  if (current > latest_schema_version()) {
    return Status(Code::kInternal, "store: database schema version " + std::to_string(current) +
                                       " is newer than this build of Coffer supports (" +
                                       std::to_string(latest_schema_version()) + "); run a newer coffer");
  }
  for (const Migration& m : kMigrations) {
    if (m.version <= current) continue;
    COFFER_RETURN_IF_ERROR(conn.exec_uncached(m.sql));
    COFFER_ASSIGN_OR_RETURN(Statement record,
                            conn.prepare("INSERT INTO schema_migrations(version, applied_at) VALUES (?1, ?2)"));
    COFFER_RETURN_IF_ERROR(record.bind_int64(1, m.version));
    COFFER_RETURN_IF_ERROR(record.bind_int64(2, now_unix));
    COFFER_RETURN_IF_ERROR(record.run());
  }
  return Status::Ok();
}

}  // namespace

std::span<const Migration> migrations() { return kMigrations; }

int64_t latest_schema_version() { return kMigrations.back().version; }

Result<int64_t> schema_version(Connection& conn) {
  COFFER_ASSIGN_OR_RETURN(Statement stmt, conn.prepare("SELECT COALESCE(MAX(version), 0) FROM schema_migrations"));
  COFFER_ASSIGN_OR_RETURN(const bool row, stmt.step());
  if (!row) return Status(Code::kInternal, "store: cannot read schema version");
  return stmt.column_int64(0);
}

Status apply_migrations(Connection& conn, int64_t now_unix) {
  COFFER_RETURN_IF_ERROR(conn.run("BEGIN IMMEDIATE"));
  Status st = migrate_in_txn(conn, now_unix);
  if (st.ok()) st = conn.run("COMMIT");
  if (!st.ok() && conn.in_transaction()) (void)conn.run("ROLLBACK");
  return st;
}

}  // namespace coffer::store::sqlite
