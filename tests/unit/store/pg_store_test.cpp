// What only the PostgreSQL store promises: several stores (replicas) on one
// database see each other's commits at once (generation and reads),
// concurrent read-modify-write transactions across replicas lose nothing,
// a COMMIT whose answer is lost is applied exactly once, a schema newer
// than the binary is refused, and a read-only store (offline commands)
// neither migrates nor writes.
#include <libpq-fe.h>

#include <atomic>
#include <cstdlib>
#include <thread>
#include <vector>

#include "store/postgres/pg_schema.hpp"
#include "store_test_util.hpp"

namespace coffer::store::testing {
namespace {

class PgStoreTest : public StoreTest {
 protected:
  void SetUp() override { url_ = fresh_postgres_database(); }
  std::unique_ptr<Store> replica() {
    auto s = open_postgres_store({url_, 4});
    EXPECT_TRUE(s.ok()) << s.status().message();
    return s.ok() ? std::move(s).value() : nullptr;
  }
  std::string sql(const std::string& statement) {
    PGconn* c = PQconnectdb(url_.c_str());
    PGresult* r = PQexec(c, statement.c_str());
    std::string out = PQntuples(r) > 0 ? PQgetvalue(r, 0, 0) : "";
    EXPECT_TRUE(PQresultStatus(r) == PGRES_TUPLES_OK || PQresultStatus(r) == PGRES_COMMAND_OK) << PQerrorMessage(c);
    PQclear(r);
    PQfinish(c);
    return out;
  }
  std::string url_;
};

TEST_F(PgStoreTest, ReplicasSeeEachOthersCommitsAtOnce) {
  auto a = replica(), b = replica();
  ASSERT_TRUE(a && b);
  for (int i = 0; i < 20; ++i) {
    ASSERT_TRUE(put(*a, "k", "from-a-" + std::to_string(i)).ok());
    const auto g = b->generation();
    EXPECT_EQ(get(*b, "k")->value, "from-a-" + std::to_string(i)) << "read-your-writes across replicas";
    ASSERT_TRUE(put(*a, "k", "again").ok());
    EXPECT_NE(b->generation(), g) << "another replica's commit moves this replica's generation";
    EXPECT_EQ(get(*b, "k")->value, "again");
  }
}

TEST_F(PgStoreTest, ReadModifyWriteAcrossReplicasLosesNothing) {
  auto a = replica(), b = replica();
  ASSERT_TRUE(a && b);
  ASSERT_TRUE(put(*a, "counter", "0").ok());
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 8; ++t) {
    Store& s = t % 2 ? *a : *b;
    threads.emplace_back([&s, &failures] {
      for (int i = 0; i < 25; ++i) {
        Status st = s.write([](WriteTxn& txn) -> Status {
          COFFER_ASSIGN_OR_RETURN(auto e, txn.get("counter"));
          if (!e) return Status(Code::kNotFound, "counter missing");
          const int n = std::stoi(e->value);
          return txn.put("counter", std::to_string(n + 1));  // plain put: SERIALIZABLE must catch the race
        });
        if (!st.ok()) ++failures;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(get(*a, "counter")->value, "200");
}

TEST_F(PgStoreTest, LostCommitAnswerIsAppliedExactlyOnce) {
  auto s = replica();
  ASSERT_TRUE(s);
  ASSERT_TRUE(put(*s, "n", "0").ok());
  setenv("COFFER_FAILPOINT", "drop_after_commit_send:1", 1);
  int runs = 0;
  Status st = s->write([&](WriteTxn& txn) -> Status {
    ++runs;
    COFFER_ASSIGN_OR_RETURN(auto e, txn.get("n"));
    if (!e) return Status(Code::kNotFound, "n missing");
    COFFER_RETURN_IF_ERROR(txn.put("n", std::to_string(std::stoi(e->value) + 1)));
    return txn.put("log/" + std::to_string(runs), "x");
  });
  unsetenv("COFFER_FAILPOINT");
  ASSERT_TRUE(st.ok()) << st.message();
  EXPECT_EQ(runs, 1) << "the committed attempt was recognised; the callback did not run again";
  EXPECT_EQ(get(*s, "n")->value, "1");
  EXPECT_EQ(scan(*s, "log/").size(), 1u);
  ASSERT_TRUE(put(*s, "after", "v").ok()) << "the store reconnected";
}

TEST_F(PgStoreTest, ASchemaNewerThanTheBinaryIsRefused) {
  ASSERT_TRUE(replica());  // creates the schema
  sql("UPDATE coffer_meta SET value = '999' WHERE name = 'schema_version'");
  auto refused = open_postgres_store({url_});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), Code::kBadParameter);
  EXPECT_NE(refused.status().message().find("newer than this binary"), std::string::npos);
}

TEST_F(PgStoreTest, ReadOnlyStoreNeitherMigratesNorWrites) {
  PostgresOptions options{url_};
  options.read_only = true;
  auto before_server = open_postgres_store(options);
  ASSERT_FALSE(before_server.ok());
  EXPECT_EQ(before_server.status().code(), Code::kBadParameter);
  EXPECT_NE(before_server.status().message().find("start its server first"), std::string::npos)
      << before_server.status().message();
  EXPECT_EQ(sql("SELECT coalesce(to_regclass('coffer_meta')::text, '')"), "") << "nothing was created";

  auto server = replica();
  ASSERT_TRUE(server);
  ASSERT_TRUE(put(*server, "k", "v").ok());
  auto reader = open_postgres_store(options);
  ASSERT_TRUE(reader.ok()) << reader.status().message();
  auto got = get(**reader, "k");
  ASSERT_TRUE(got);
  EXPECT_EQ(got->value, "v");
  Status refused = put(**reader, "k", "w");
  EXPECT_EQ(refused.code(), Code::kInternal);
  EXPECT_NE(refused.message().find("read-only"), std::string::npos) << refused.message();
  EXPECT_EQ(get(*server, "k")->value, "v");

  sql("UPDATE coffer_meta SET value = '4' WHERE name = 'schema_version'");
  auto older = open_postgres_store(options);
  ASSERT_FALSE(older.ok());
  EXPECT_EQ(older.status().code(), Code::kBadParameter);
  EXPECT_EQ(sql("SELECT value FROM coffer_meta WHERE name = 'schema_version'"), "4") << "not migrated";
}

TEST_F(PgStoreTest, UnreachableDatabaseIsUnavailable) {
  auto s = open_postgres_store({"postgresql://coffer@127.0.0.1:1/none?connect_timeout=2"});
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), Code::kUnavailable);
  EXPECT_EQ(open_postgres_store({""}).status().code(), Code::kBadParameter);
}

TEST_F(PgStoreTest, ConcurrentStartsMigrateOnce) {
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&] {
      if (open_postgres_store({url_}).ok()) ++ok;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 4);
  EXPECT_EQ(sql("SELECT value FROM coffer_meta WHERE name = 'schema_version'"),
            std::to_string(postgres::latest_schema_version()));
}

}  // namespace
}  // namespace coffer::store::testing
