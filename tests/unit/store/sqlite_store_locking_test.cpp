// Another process holding the write lock: the store waits up to its busy
// timeout, then fails the whole batch with kUnavailable (nothing acknowledged).
#include <chrono>
#include <cstdio>
#include <thread>

#include "store_test_util.hpp"

namespace coffer::store::testing {
namespace {

class LockingTest : public StoreTest {
 protected:
  // A second connection to the file, as another process would have.
  struct Locker {
    explicit Locker(const std::string& path) {
      EXPECT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
      EXPECT_EQ(sqlite3_exec(db, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);
    }
    void release() {
      if (db == nullptr) return;
      EXPECT_EQ(sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr), SQLITE_OK);
      sqlite3_close(db);
      db = nullptr;
    }
    ~Locker() { release(); }
    sqlite3* db = nullptr;
  };
};

TEST_F(LockingTest, BusyBeyondTimeoutIsUnavailable) {
  auto opened = sqlite::SqliteStore::open({db_path(), 2, 16}, /*busy_timeout_ms=*/100);
  ASSERT_TRUE(opened.ok()) << opened.status().message();
  auto& s = **opened;
  ASSERT_TRUE(put(s, "before", "v").ok());
  {
    Locker locker(db_path());
    Status st = put(s, "during", "v");
    EXPECT_EQ(st.code(), Code::kUnavailable);
    EXPECT_NE(st.message().find("locked"), std::string::npos) << st.message();
    std::printf("[ message ] %s\n", st.message().c_str());
    EXPECT_TRUE(get(s, "before").has_value());  // reads still work
  }
  EXPECT_FALSE(get(s, "during").has_value());
  EXPECT_TRUE(put(s, "after", "v").ok());
}

TEST_F(LockingTest, BusyWithinTimeoutWaits) {
  auto s = open();
  ASSERT_TRUE(s);
  Locker locker(db_path());
  std::thread unlock([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(150));
    locker.release();
  });
  Status st = put(*s, "k", "v");
  unlock.join();
  ASSERT_TRUE(st.ok()) << st.message();
  EXPECT_TRUE(get(*s, "k").has_value());
}

}  // namespace
}  // namespace coffer::store::testing
