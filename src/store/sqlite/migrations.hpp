// The versioned schema of the SQLite store. Migrations are an ordered list
// of steps, each one SQL statement with a version; apply_migrations() runs
// the steps newer than the database's recorded version inside one IMMEDIATE
// transaction (so concurrent openers serialize) and records each in
// schema_migrations. Applying twice is a no-op. A database whose version is
// newer than latest_schema_version() is refused, untouched.
#pragma once

#include <cstdint>
#include <span>

#include "common/status.hpp"
#include "store/sqlite/connection.hpp"

namespace coffer::store::sqlite {

struct Migration {
  int64_t version;  // strictly increasing along the list
  const char* sql;  // exactly one statement
};

std::span<const Migration> migrations();
int64_t latest_schema_version();

// Brings the database on `conn` (read-write, outside any transaction) to
// latest_schema_version(). `now_unix` is recorded as applied_at.
Status apply_migrations(Connection& conn, int64_t now_unix);

// The highest applied version (0 for an empty database).
Result<int64_t> schema_version(Connection& conn);

}  // namespace coffer::store::sqlite
