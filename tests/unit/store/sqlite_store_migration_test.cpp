// Persistence across reopen and the versioned schema.
#include <filesystem>
#include <string>

#include "store/sqlite/migrations.hpp"
#include "store_test_util.hpp"

namespace coffer::store::testing {
namespace {

class MigrationTest : public StoreTest {};

TEST_F(MigrationTest, ReopenKeepsDataAndDoesNotReapplyMigrations) {
  int64_t rev = 0;
  {
    auto s = open();
    ASSERT_TRUE(s);
    ASSERT_TRUE(put(*s, "k", "v").ok());
    rev = get(*s, "k")->revision;
  }
  const int64_t latest = sqlite::latest_schema_version();
  EXPECT_EQ(raw_ints("SELECT version FROM schema_migrations ORDER BY version").size(), sqlite::migrations().size());
  EXPECT_EQ(raw_ints("SELECT MAX(version) FROM schema_migrations"), std::vector<int64_t>{latest});
  raw_exec("UPDATE schema_migrations SET applied_at = 42");

  auto s = open();
  ASSERT_TRUE(s);
  auto e = get(*s, "k");
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->value, "v");
  EXPECT_EQ(e->revision, rev);
  ASSERT_TRUE(put(*s, "k2", "v").ok());
  EXPECT_GT(get(*s, "k2")->revision, rev);  // the revision counter persisted too
  s.reset();

  for (int64_t applied_at : raw_ints("SELECT applied_at FROM schema_migrations")) EXPECT_EQ(applied_at, 42);
  EXPECT_EQ(raw_ints("SELECT COUNT(*) FROM schema_migrations"),
            std::vector<int64_t>{static_cast<int64_t>(sqlite::migrations().size())});
  EXPECT_EQ(raw_ints("PRAGMA journal_mode").size(), 1u);
}

TEST_F(MigrationTest, UsesWal) {
  { ASSERT_TRUE(open()); }
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(db_path().c_str(), &db), SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &stmt, nullptr), SQLITE_OK);
  ASSERT_EQ(sqlite3_step(stmt), SQLITE_ROW);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0))), "wal");
  sqlite3_finalize(stmt);
  sqlite3_close(db);
}

TEST_F(MigrationTest, TooNewSchemaIsRefused) {
  {
    auto s = open();
    ASSERT_TRUE(s);
    ASSERT_TRUE(put(*s, "k", "v").ok());
  }
  const int64_t future = sqlite::latest_schema_version() + 1;
  raw_exec("INSERT INTO schema_migrations(version, applied_at) VALUES (" + std::to_string(future) + ", 0)");
  auto s = sqlite::SqliteStore::open({db_path(), 2, 16});
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), Code::kInternal);
  EXPECT_NE(s.status().message().find("newer"), std::string::npos) << s.status().message();
  EXPECT_NE(s.status().message().find(std::to_string(future)), std::string::npos) << s.status().message();
  // Untouched: still the future version and the data.
  EXPECT_EQ(raw_ints("SELECT MAX(version) FROM schema_migrations"), std::vector<int64_t>{future});
  EXPECT_EQ(raw_ints("SELECT COUNT(*) FROM entries"), std::vector<int64_t>{1});
}

TEST_F(MigrationTest, MigrationListIsOrdered) {
  int64_t prev = 0;
  for (const auto& m : sqlite::migrations()) {
    EXPECT_GT(m.version, prev);
    prev = m.version;
  }
}

}  // namespace
}  // namespace coffer::store::testing

namespace coffer::store::testing {
namespace {

TEST(SqliteStoreOpen, BadPathFailsCleanly) {
  TempDir dir;
  auto missing_dir = sqlite::SqliteStore::open({dir.file("no/such/dir/db"), 2, 16});
  ASSERT_FALSE(missing_dir.ok());
  EXPECT_EQ(missing_dir.status().code(), Code::kUnavailable);
  EXPECT_NE(missing_dir.status().message().find("cannot open"), std::string::npos);
  EXPECT_EQ(open_sqlite_store({""}).status().code(), Code::kBadParameter);
  EXPECT_EQ(open_sqlite_store({":memory:"}).status().code(), Code::kBadParameter);
  auto through_factory = open_sqlite_store({dir.file("factory.db")});
  EXPECT_TRUE(through_factory.ok()) << through_factory.status().message();
}

}  // namespace
}  // namespace coffer::store::testing
