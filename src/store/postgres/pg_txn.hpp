// The Store's transactions over one PostgreSQL connection inside an open
// transaction (pg_store.cpp begins and ends it): one class serves read()
// (handed out as a ReadTxn) and write(). Statements are prepared once per
// connection. The first database error a statement meets is remembered
// (failure()), so the store can tell a database failure it should retry or
// report from a callback's own refusal, even when a callback ignored it.
#pragma once

#include <optional>

#include "store/postgres/pg_connection.hpp"
#include "store/store.hpp"

namespace coffer::store::postgres {

class PgTxn final : public WriteTxn {
 public:
  explicit PgTxn(PgConnection& conn) : conn_(conn) {}
  Result<std::optional<Entry>> get(std::string_view key) override;
  Result<std::vector<Entry>> scan(std::string_view prefix, std::string_view start_after, std::size_t limit) override;
  Status put(std::string_view key, std::string_view value) override;
  Status put_if(std::string_view key, std::string_view value, int64_t expected_revision) override;
  Status erase(std::string_view key) override;

  const std::optional<PgError>& failure() const { return failure_; }

 private:
  Status fail(PgError e, const char* what);

  PgConnection& conn_;
  std::optional<PgError> failure_;
};

// The smallest byte string greater than every string starting with
// `prefix`, or nullopt when there is none (empty, or all 0xFF).
std::optional<std::string> prefix_successor(std::string_view prefix);

}  // namespace coffer::store::postgres
