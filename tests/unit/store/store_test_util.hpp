// Helpers for the store tests: a temp directory per test, short wrappers
// around write()/read(), and raw SQLite access to inspect the file.
#pragma once

#include <sqlite3.h>
#include <stdlib.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "store/sqlite/sqlite_store.hpp"
#include "store/store.hpp"

namespace coffer::store::testing {

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "coffer-store-XXXXXX").string();
    if (mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::string file(std::string_view name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

enum class Backend { kSqlite, kPostgres };

inline std::string backend_name(const ::testing::TestParamInfo<Backend>& info) {
  return info.param == Backend::kSqlite ? "Sqlite" : "Postgres";
}

// A fresh database in the PostgreSQL test cluster named by $COFFER_TEST_PG
// (tests/support/pg_cluster.py; ctest starts one for the store tests), as a
// libpq URL. Fails the test when there is none.
std::string fresh_postgres_database();

class StoreTest : public ::testing::Test {
 protected:
  std::string db_path() const { return dir_.file("coffer.db"); }

  // A store of either backend, empty.
  std::unique_ptr<Store> open_backend(Backend backend) {
    if (backend == Backend::kSqlite) return open();
    const std::string url = fresh_postgres_database();
    if (url.empty()) return nullptr;
    auto store = open_postgres_store({url});
    EXPECT_TRUE(store.ok()) << store.status().message();
    return store.ok() ? std::move(store).value() : nullptr;
  }

  std::unique_ptr<sqlite::SqliteStore> open(std::size_t readers = 4, std::size_t max_batch = 256) {
    auto store = sqlite::SqliteStore::open({db_path(), readers, max_batch});
    EXPECT_TRUE(store.ok()) << store.status().message();
    return store.ok() ? std::move(store).value() : nullptr;
  }

  static Status put(Store& s, std::string_view key, std::string_view value) {
    return s.write([&](WriteTxn& txn) { return txn.put(key, value); });
  }

  static std::optional<Entry> get(Store& s, std::string_view key) {
    std::optional<Entry> out;
    Status st = s.read([&](ReadTxn& txn) -> Status {
      auto r = txn.get(key);
      if (!r.ok()) return r.status();
      out = *r;
      return Status::Ok();
    });
    EXPECT_TRUE(st.ok()) << st.message();
    return out;
  }

  static std::vector<Entry> scan(Store& s, std::string_view prefix, std::string_view after = {},
                                 std::size_t limit = 1000) {
    std::vector<Entry> out;
    Status st = s.read([&](ReadTxn& txn) -> Status {
      auto r = txn.scan(prefix, after, limit);
      if (!r.ok()) return r.status();
      out = std::move(*r);
      return Status::Ok();
    });
    EXPECT_TRUE(st.ok()) << st.message();
    return out;
  }

  static std::vector<std::string> keys(const std::vector<Entry>& entries) {
    std::vector<std::string> out;
    for (const auto& e : entries) out.push_back(e.key);
    return out;
  }

  // Runs `sql` directly on the database file (store must be closed or idle).
  void raw_exec(const std::string& sql) {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(db_path().c_str(), &db), SQLITE_OK);
    char* err = nullptr;
    const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err);
    EXPECT_EQ(rc, SQLITE_OK) << (err ? err : "");
    sqlite3_free(err);
    sqlite3_close(db);
  }

  // First column of every row of `sql`, as integers.
  std::vector<int64_t> raw_ints(const std::string& sql) {
    std::vector<int64_t> out;
    sqlite3* db = nullptr;
    EXPECT_EQ(sqlite3_open(db_path().c_str(), &db), SQLITE_OK);
    sqlite3_stmt* stmt = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
    while (stmt != nullptr && sqlite3_step(stmt) == SQLITE_ROW) out.push_back(sqlite3_column_int64(stmt, 0));
    sqlite3_finalize(stmt);
    sqlite3_close(db);
    return out;
  }

  TempDir dir_;
};

}  // namespace coffer::store::testing
