// ReadTxn and WriteTxn over a Connection that is already inside a
// transaction (the caller begins and ends it). A write transaction also
// remembers the first SQLite failure it saw, so the writer can refuse to
// keep the work of a callback that ignored an error and returned OK.
#pragma once

#include "store/sqlite/connection.hpp"
#include "store/store.hpp"

namespace coffer::store::sqlite {

class SqliteReadTxn final : public ReadTxn {
 public:
  explicit SqliteReadTxn(Connection& conn) : conn_(conn) {}
  Result<std::optional<Entry>> get(std::string_view key) override;
  Result<std::vector<Entry>> scan(std::string_view prefix, std::string_view start_after, std::size_t limit) override;

 private:
  Connection& conn_;
};

class SqliteWriteTxn final : public WriteTxn {
 public:
  explicit SqliteWriteTxn(Connection& conn) : conn_(conn) {}
  Result<std::optional<Entry>> get(std::string_view key) override;
  Result<std::vector<Entry>> scan(std::string_view prefix, std::string_view start_after, std::size_t limit) override;
  Status put(std::string_view key, std::string_view value) override;
  Status put_if(std::string_view key, std::string_view value, int64_t expected_revision) override;
  Status erase(std::string_view key) override;

  // OK, or the first storage failure of any call above (not kConflict).
  const Status& storage_failure() const { return failure_; }

 private:
  Status track(Status st);
  template <typename T>
  Result<T> track(Result<T> r) {
    if (!r.ok()) (void)track(r.status());
    return r;
  }

  Connection& conn_;
  Status failure_;
};

}  // namespace coffer::store::sqlite
