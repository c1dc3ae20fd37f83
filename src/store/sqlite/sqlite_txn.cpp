#include "store/sqlite/sqlite_txn.hpp"

#include "store/sqlite/entry_queries.hpp"

namespace coffer::store::sqlite {

Result<std::optional<Entry>> SqliteReadTxn::get(std::string_view key) { return get_entry(conn_, key); }

Result<std::vector<Entry>> SqliteReadTxn::scan(std::string_view prefix, std::string_view start_after,
                                               std::size_t limit) {
  return scan_entries(conn_, prefix, start_after, limit);
}

Status SqliteWriteTxn::track(Status st) {
  if (!st.ok() && failure_.ok()) failure_ = st;
  return st;
}

Result<std::optional<Entry>> SqliteWriteTxn::get(std::string_view key) { return track(get_entry(conn_, key)); }

Result<std::vector<Entry>> SqliteWriteTxn::scan(std::string_view prefix, std::string_view start_after,
                                                std::size_t limit) {
  return track(scan_entries(conn_, prefix, start_after, limit));
}

Status SqliteWriteTxn::put(std::string_view key, std::string_view value) { return track(put_entry(conn_, key, value)); }

Status SqliteWriteTxn::put_if(std::string_view key, std::string_view value, int64_t expected_revision) {
  Result<int64_t> current = track(entry_revision(conn_, key));
  if (!current.ok()) return current.status();
  if (*current != expected_revision) return Status(Code::kConflict, "revision mismatch");
  return put(key, value);
}

Status SqliteWriteTxn::erase(std::string_view key) { return track(erase_entry(conn_, key)); }

}  // namespace coffer::store::sqlite
