#include "store/sqlite/entry_queries.hpp"

#include <algorithm>
#include <limits>

namespace coffer::store::sqlite {
namespace {

// The next revision of the single global counter (meta row 'revision').
// Rolled back with the savepoint of a failed callback, so committed
// revisions are strictly increasing and never reused.
Result<int64_t> next_revision(Connection& conn) {
  COFFER_ASSIGN_OR_RETURN(Statement stmt,
                          conn.prepare("UPDATE meta SET value = value + 1 WHERE name = 'revision' RETURNING value"));
  COFFER_ASSIGN_OR_RETURN(const bool row, stmt.step());
  if (!row) return Status(Code::kInternal, "store: revision counter missing from meta");
  const int64_t revision = stmt.column_int64(0);
  COFFER_RETURN_IF_ERROR(stmt.run());
  return revision;
}

}  // namespace

std::optional<std::string> prefix_end(std::string_view prefix) {
  std::string end(prefix);
  while (!end.empty() && static_cast<unsigned char>(end.back()) == 0xff) end.pop_back();
  if (end.empty()) return std::nullopt;
  end.back() = static_cast<char>(static_cast<unsigned char>(end.back()) + 1);
  return end;
}

Result<std::optional<Entry>> get_entry(Connection& conn, std::string_view key) {
  COFFER_ASSIGN_OR_RETURN(Statement stmt, conn.prepare("SELECT value, revision FROM entries WHERE key = ?1"));
  COFFER_RETURN_IF_ERROR(stmt.bind_blob(1, key));
  COFFER_ASSIGN_OR_RETURN(const bool row, stmt.step());
  if (!row) return std::optional<Entry>();
  return std::optional<Entry>(Entry{std::string(key), stmt.column_blob(0), stmt.column_int64(1)});
}

Result<std::vector<Entry>> scan_entries(Connection& conn, std::string_view prefix, std::string_view start_after,
                                        std::size_t limit) {
  std::vector<Entry> out;
  if (limit == 0) return out;
  // Inclusive lower bound: the prefix, or just past start_after when that is
  // further on (start_after + "\0" is the next byte string after it).
  std::string lower(prefix);
  if (!start_after.empty() && start_after >= prefix) {
    lower.assign(start_after);
    lower.push_back('\0');
  }
  const std::optional<std::string> upper = prefix_end(prefix);
  if (upper && lower >= *upper) return out;

  const int64_t max_rows =
      static_cast<int64_t>(std::min<std::size_t>(limit, static_cast<std::size_t>(std::numeric_limits<int64_t>::max())));
  COFFER_ASSIGN_OR_RETURN(
      Statement stmt,
      conn.prepare(upper ? "SELECT key, value, revision FROM entries WHERE key >= ?1 AND key < ?2 ORDER BY key LIMIT ?3"
                         : "SELECT key, value, revision FROM entries WHERE key >= ?1 ORDER BY key LIMIT ?3"));
  COFFER_RETURN_IF_ERROR(stmt.bind_blob(1, lower));
  if (upper) COFFER_RETURN_IF_ERROR(stmt.bind_blob(2, *upper));
  COFFER_RETURN_IF_ERROR(stmt.bind_int64(3, max_rows));
  for (;;) {
    COFFER_ASSIGN_OR_RETURN(const bool row, stmt.step());
    if (!row) break;
    out.push_back(Entry{stmt.column_blob(0), stmt.column_blob(1), stmt.column_int64(2)});
  }
  return out;
}

Result<int64_t> entry_revision(Connection& conn, std::string_view key) {
  COFFER_ASSIGN_OR_RETURN(Statement stmt, conn.prepare("SELECT revision FROM entries WHERE key = ?1"));
  COFFER_RETURN_IF_ERROR(stmt.bind_blob(1, key));
  COFFER_ASSIGN_OR_RETURN(const bool row, stmt.step());
  return row ? stmt.column_int64(0) : int64_t{0};
}

Status put_entry(Connection& conn, std::string_view key, std::string_view value) {
  COFFER_ASSIGN_OR_RETURN(const int64_t revision, next_revision(conn));
  COFFER_ASSIGN_OR_RETURN(Statement stmt, conn.prepare("INSERT INTO entries(key, value, revision) VALUES (?1, ?2, ?3) "
                                                       "ON CONFLICT(key) DO UPDATE SET value = excluded.value, "
                                                       "revision = excluded.revision"));
  COFFER_RETURN_IF_ERROR(stmt.bind_blob(1, key));
  COFFER_RETURN_IF_ERROR(stmt.bind_blob(2, value));
  COFFER_RETURN_IF_ERROR(stmt.bind_int64(3, revision));
  return stmt.run();
}

Status erase_entry(Connection& conn, std::string_view key) {
  COFFER_ASSIGN_OR_RETURN(Statement stmt, conn.prepare("DELETE FROM entries WHERE key = ?1"));
  COFFER_RETURN_IF_ERROR(stmt.bind_blob(1, key));
  return stmt.run();
}

}  // namespace coffer::store::sqlite
