#include "store/sqlite/sqlite_store.hpp"

#include <chrono>
#include <exception>
#include <string>

#include "store/callback_scope.hpp"
#include "store/sqlite/migrations.hpp"
#include "store/sqlite/sqlite_txn.hpp"

namespace coffer::store {

Result<std::unique_ptr<Store>> open_sqlite_store(const SqliteOptions& options) {
  auto store = sqlite::SqliteStore::open(options);
  if (!store.ok()) return store.status();
  return std::unique_ptr<Store>(std::move(store).value());
}

}  // namespace coffer::store

namespace coffer::store::sqlite {
namespace {

int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace

Result<std::unique_ptr<SqliteStore>> SqliteStore::open(const SqliteOptions& options, int busy_timeout_ms) {
  if (options.path.empty() || options.path == ":memory:") {
    return Status(Code::kBadParameter, "store: SQLite store needs a database file path");
  }
  try {
    if (options.read_only) {
      COFFER_ASSIGN_OR_RETURN(auto probe, Connection::open(options.path, Connection::Mode::kReadOnly, busy_timeout_ms));
      COFFER_ASSIGN_OR_RETURN(int64_t version, schema_version(*probe));
      if (version != latest_schema_version()) {
        return Status(Code::kBadParameter, "store: " + options.path + " has schema version " + std::to_string(version) +
                                               "; this coffer reads version " +
                                               std::to_string(latest_schema_version()) + " (start its server first)");
      }
      COFFER_ASSIGN_OR_RETURN(auto readers, ReaderPool::open(options.path, options.readers, busy_timeout_ms));
      return std::unique_ptr<SqliteStore>(new SqliteStore(std::move(readers), nullptr, nullptr));
    }
    COFFER_ASSIGN_OR_RETURN(auto conn, Connection::open(options.path, Connection::Mode::kReadWrite, busy_timeout_ms));
    COFFER_RETURN_IF_ERROR(apply_migrations(*conn, unix_now()));
    COFFER_ASSIGN_OR_RETURN(auto readers, ReaderPool::open(options.path, options.readers, busy_timeout_ms));
    auto writer = std::make_unique<GroupCommitWriter>(std::move(conn), options.max_batch, options.metrics);
    return std::unique_ptr<SqliteStore>(new SqliteStore(std::move(readers), std::move(writer), options.metrics));
  } catch (const std::exception& e) {
    return Status(Code::kInternal, std::string("store: cannot open SQLite store: ") + e.what());
  }
}

SqliteStore::~SqliteStore() = default;

Status SqliteStore::read(const std::function<Status(ReadTxn&)>& fn) {
  if (CallbackScope::inside(this) || (writer_ && writer_->on_writer_thread())) return nested_call("read");
  try {
    return read_snapshot(fn);
  } catch (const std::exception& e) {  // allocation or std::mutex failure
    return Status(Code::kInternal, std::string("store: read failed: ") + e.what());
  }
}

Status SqliteStore::read_snapshot(const std::function<Status(ReadTxn&)>& fn) {
  ReaderPool::Lease lease = readers_->acquire();
  Connection& conn = *lease;
  COFFER_RETURN_IF_ERROR(conn.run("BEGIN"));
  SqliteReadTxn txn(conn);
  Status st = run_callback(this, fn, txn);
  Status end = conn.run(st.ok() ? "COMMIT" : "ROLLBACK");
  if (conn.in_transaction()) (void)conn.run("ROLLBACK");
  return st.ok() ? end : st;
}

Status SqliteStore::write(const std::function<Status(WriteTxn&)>& fn) {
  if (!writer_) return Status(Code::kInternal, "store: opened read-only; writes are refused");
  if (CallbackScope::inside(this) || writer_->on_writer_thread()) return nested_call("write");
  try {
    return writer_->submit(fn);
  } catch (const std::exception& e) {  // allocation or std::mutex failure (before queuing)
    return Status(Code::kInternal, std::string("store: write failed: ") + e.what());
  }
}

}  // namespace coffer::store::sqlite
