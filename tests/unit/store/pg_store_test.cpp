// What only the PostgreSQL store promises: several stores (replicas) on one
// database see each other's commits at once (generation and reads),
// concurrent read-modify-write transactions and counters across replicas
// lose nothing (each count given once, none skipped),
// a COMMIT whose answer is lost is applied exactly once, concurrent writes
// share commits while a failing callback's writes stay out of its batch, a
// schema newer than the binary is refused, and a read-only store (offline
// commands) neither migrates nor writes. The invalidation protocol
// (pg_coherence.hpp): a replica holding its lease answers from memory until
// another commits; a write waits for a replica that stopped listening until
// its lease ran out, and that replica no longer answers from memory by then;
// replicas whose listeners were cut register again and miss nothing; a
// writer from before the protocol cannot commit.
#include <libpq-fe.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <latch>
#include <stdexcept>
#include <thread>
#include <vector>

#include "store/postgres/pg_schema.hpp"
#include "store/postgres/pg_store.hpp"
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

TEST_F(PgStoreTest, ConcurrentIncrementsAcrossReplicasNumberEveryWriteOnce) {
  auto a = replica(), b = replica();
  ASSERT_TRUE(a && b);
  constexpr int kThreads = 8, kWrites = 25;
  std::vector<std::vector<int64_t>> numbers(kThreads);
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    Store& s = t % 2 ? *a : *b;
    threads.emplace_back([&s, &failures, &mine = numbers[static_cast<std::size_t>(t)], t] {
      for (int i = 0; i < kWrites; ++i) {
        int64_t n = 0;
        Status st = s.write([&](WriteTxn& txn) -> Status {
          COFFER_ASSIGN_OR_RETURN(n, txn.increment("seq"));
          if (i % 5 == 4) return Status(Code::kForbidden, "refused after counting");  // left out of its batch
          return txn.put("entry/" + std::to_string(n), std::to_string(t));
        });
        if (i % 5 == 4 ? st.code() != Code::kForbidden : !st.ok()) ++failures;
        if (st.ok()) mine.push_back(n);
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  std::vector<int64_t> all;
  for (const auto& v : numbers) all.insert(all.end(), v.begin(), v.end());
  std::sort(all.begin(), all.end());
  constexpr int kCommitted = kThreads * kWrites * 4 / 5;
  ASSERT_EQ(all.size(), static_cast<std::size_t>(kCommitted));
  for (int i = 0; i < kCommitted; ++i) EXPECT_EQ(all[static_cast<std::size_t>(i)], i + 1) << "numbered 1..N, no gaps";
  EXPECT_EQ(get(*a, "seq")->value, std::to_string(kCommitted));
  EXPECT_EQ(scan(*b, "entry/", "", 1000).size(), static_cast<std::size_t>(kCommitted));
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

TEST_F(PgStoreTest, FailingCallbacksLeaveNothingWhileBatchmatesCommit) {
  auto opened = postgres::PgStore::open({url_, 4});
  ASSERT_TRUE(opened.ok()) << opened.status().message();
  auto& s = **opened;
  ASSERT_TRUE(put(s, "guarded", "v0").ok());
  const int64_t guarded_revision = get(s, "guarded")->revision;
  const std::string batches_before = sql("SELECT count(*) FROM coffer_commits");
  std::latch running(1), release(1);
  // Hold the writer busy so the next callbacks queue up and share one batch.
  std::thread blocker([&] {
    EXPECT_TRUE(s.write([&](WriteTxn& txn) {
                   running.count_down();
                   release.wait();
                   return txn.put("blocker", "v");
                 }).ok());
  });
  running.wait();
  Status good, refused, bad, threw, conflict, reader;
  std::thread writers[] = {std::thread([&] { good = s.write([](WriteTxn& txn) { return txn.put("good", "v"); }); }),
                           std::thread([&] {  // fails before writing: stays in the batch
                             refused = s.write([](WriteTxn& txn) -> Status {
                               COFFER_ASSIGN_OR_RETURN(auto e, txn.get("absent"));
                               return e ? Status::Ok() : Status(Code::kNotFound, "absent is absent");
                             });
                           }),
                           std::thread([&] {  // fails after writing: left out, then rolled back alone
                             bad = s.write([](WriteTxn& txn) -> Status {
                               COFFER_RETURN_IF_ERROR(txn.put("bad/1", "x"));
                               COFFER_RETURN_IF_ERROR(txn.put("good", "overwritten by bad?"));
                               COFFER_RETURN_IF_ERROR(txn.erase("blocker"));
                               return Status(Code::kForbidden, "no thanks");
                             });
                           }),
                           std::thread([&] {
                             threw = s.write([](WriteTxn& txn) -> Status {
                               (void)txn.put("thrown/1", "x");
                               throw std::runtime_error("boom");
                             });
                           }),
                           std::thread([&] {  // its put_if() finds another revision: its other write goes too
                             conflict = s.write([&](WriteTxn& txn) -> Status {
                               COFFER_RETURN_IF_ERROR(txn.put("conflict/1", "x"));
                               return txn.put_if("guarded", "v1", guarded_revision + 1000);
                             });
                           }),
                           std::thread([&] {
                             reader = s.write([](WriteTxn& txn) -> Status {
                               COFFER_ASSIGN_OR_RETURN(auto e, txn.get("guarded"));
                               return txn.put("copy", e ? e->value : "none");
                             });
                           })};
  for (int i = 0; i < 5000 && s.queued_writes() < std::size(writers); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  EXPECT_EQ(s.queued_writes(), std::size(writers));
  release.count_down();
  blocker.join();
  for (auto& t : writers) t.join();

  ASSERT_TRUE(good.ok()) << good.message();
  ASSERT_TRUE(reader.ok()) << reader.message();
  EXPECT_EQ(refused.code(), Code::kNotFound);
  EXPECT_EQ(bad.code(), Code::kForbidden);
  EXPECT_EQ(bad.message(), "no thanks");
  EXPECT_EQ(threw.code(), Code::kInternal);
  EXPECT_NE(threw.message().find("boom"), std::string::npos);
  EXPECT_EQ(conflict.code(), Code::kConflict);
  EXPECT_EQ(get(s, "good")->value, "v");
  EXPECT_EQ(get(s, "copy")->value, "v0");
  EXPECT_EQ(get(s, "guarded")->value, "v0");
  EXPECT_TRUE(get(s, "blocker").has_value());
  EXPECT_FALSE(get(s, "bad/1").has_value());
  EXPECT_FALSE(get(s, "thrown/1").has_value());
  EXPECT_FALSE(get(s, "conflict/1").has_value());
  // The blocker's batch, then one for the rest; the left-out callbacks each
  // rolled back on their own.
  EXPECT_EQ(std::stoi(sql("SELECT count(*) FROM coffer_commits")) - std::stoi(batches_before), 2);
}

TEST_F(PgStoreTest, ManyWritersShareCommits) {
  constexpr int kThreads = 16;
  constexpr int kWritesPerThread = 25;
  auto s = replica();
  ASSERT_TRUE(s);
  const int batches_before = std::stoi(sql("SELECT count(*) FROM coffer_commits"));
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kWritesPerThread; ++i) {
        const std::string key = "t/" + std::to_string(t) + "/" + std::to_string(i);
        if (!put(*s, key, "v").ok()) ++failures;
        if (!get(*s, key).has_value()) ++failures;  // read-your-write
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(scan(*s, "t/", "", 1000).size(), static_cast<std::size_t>(kThreads * kWritesPerThread));
  const int batches = std::stoi(sql("SELECT count(*) FROM coffer_commits")) - batches_before;
  std::printf("[ pg group commit ] %d writes in %d transactions\n", kThreads * kWritesPerThread, batches);
  EXPECT_LT(batches, kThreads * kWritesPerThread / 2);
}

TEST_F(PgStoreTest, UncachedWritesLeaveTheGenerationWhereItWas) {
  auto opened = postgres::PgStore::open({url_, 4});
  ASSERT_TRUE(opened.ok()) << opened.status().message();
  auto& s = **opened;
  auto other = replica();
  ASSERT_TRUE(other);
  auto anchor = [](Store& store, int i) {
    return store.write_uncached([i](WriteTxn& txn) { return txn.put("anchor", std::to_string(i)); });
  };
  ASSERT_TRUE(put(s, "k", "v").ok());
  // The snapshot is the whole cluster's: other tests' databases may commit meanwhile (a test
  // running alongside can commit for a second or more), so the "unchanged" half is tried again
  // for up to 20 s; the "changed" halves hold every time.
  bool unchanged = false;
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (!unchanged && std::chrono::steady_clock::now() < give_up) {
    const auto g = s.generation();
    for (int i = 0; i < 3; ++i) ASSERT_TRUE(anchor(s, i).ok());
    unchanged = s.generation() == g;
  }
  EXPECT_TRUE(unchanged) << "this store's own uncached commits do not move its generation";
  EXPECT_EQ(get(s, "anchor")->value, "2") << "they are committed all the same";

  const auto before_data = s.generation();
  ASSERT_TRUE(anchor(s, 7).ok());
  ASSERT_TRUE(put(s, "k", "w").ok());
  EXPECT_NE(s.generation(), before_data) << "a data commit moves it, next to an uncached one";
  EXPECT_EQ(get(s, "k")->value, "w");

  const auto before_mix = s.generation();
  ASSERT_TRUE(anchor(s, 9).ok());
  ASSERT_TRUE(put(*other, "k", "x").ok());
  EXPECT_NE(s.generation(), before_mix);
  EXPECT_EQ(get(s, "k")->value, "x");
}

std::unique_ptr<postgres::PgStore> open_replica(const std::string& url, std::chrono::milliseconds lease) {
  PostgresOptions options;
  options.url = url;
  options.pool = 4;
  options.lease = lease;
  auto s = postgres::PgStore::open(options);
  EXPECT_TRUE(s.ok()) << s.status().message();
  return s.ok() ? std::move(s).value() : nullptr;
}

bool eventually(const std::function<bool()>& cond, std::chrono::seconds limit = std::chrono::seconds(20)) {
  const auto give_up = std::chrono::steady_clock::now() + limit;
  while (!cond()) {
    if (std::chrono::steady_clock::now() > give_up) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

TEST_F(PgStoreTest, AReplicaHoldingItsLeaseAnswersFromMemoryUntilAnotherCommits) {
  // Leases far longer than the test: a write returns because the other replica acknowledged it.
  auto a = open_replica(url_, std::chrono::seconds(120)), b = open_replica(url_, std::chrono::seconds(120));
  ASSERT_TRUE(a && b);
  ASSERT_TRUE(eventually([&] { return a->coherence()->registered() && b->coherence()->registered(); }));
  ASSERT_TRUE(put(*a, "k", "1").ok());
  const auto g = b->generation();
  const auto queries = b->snapshot_queries();
  for (int i = 0; i < 100; ++i) ASSERT_EQ(b->generation(), g);
  EXPECT_EQ(b->snapshot_queries(), queries) << "no round trip while nothing changed";

  for (int round = 0; round < 20; ++round) {
    const auto before = b->generation();
    const auto started = std::chrono::steady_clock::now();
    ASSERT_TRUE(put(*a, "k", std::to_string(round)).ok());
    EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(30)) << "acknowledged, not timed out";
    EXPECT_NE(b->generation(), before) << "a's commit moves b's generation before a's write returns";
    EXPECT_EQ(get(*b, "k")->value, std::to_string(round));
    const auto own = a->generation();
    ASSERT_TRUE(put(*a, "own", std::to_string(round)).ok());
    EXPECT_NE(a->generation(), own) << "a store's own commit moves its generation";
  }

  // Concurrent writers share batches; every caller of a batch returns once b acknowledged it.
  const auto started = std::chrono::steady_clock::now();
  std::vector<std::thread> writers;
  for (int t = 0; t < 8; ++t) {
    writers.emplace_back([&a, t] {
      for (int i = 0; i < 20; ++i) EXPECT_TRUE(put(*a, "w" + std::to_string(t), std::to_string(i)).ok());
    });
  }
  for (auto& w : writers) w.join();
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(60)) << "no caller waited for b's lease";
  EXPECT_EQ(get(*b, "w7")->value, "19");
}

TEST_F(PgStoreTest, AWriteWaitsForAReplicaThatStoppedListeningUntilItsLeaseRanOut) {
  constexpr auto kLease = std::chrono::milliseconds(800);
  auto a = open_replica(url_, kLease), b = open_replica(url_, kLease);
  ASSERT_TRUE(a && b);
  ASSERT_TRUE(eventually([&] { return a->coherence()->registered() && b->coherence()->registered(); }));
  ASSERT_TRUE(put(*a, "k", "old").ok());
  const auto g = b->generation();
  b->coherence()->freeze(true);
  ASSERT_TRUE(put(*a, "k", "new").ok());
  EXPECT_FALSE(b->coherence()->registered()) << "by the time the write returns, b no longer answers from memory";
  EXPECT_NE(b->generation(), g);
  EXPECT_EQ(get(*b, "k")->value, "new");
  // Its listener session, idle, is ended by the server (four leases): it holds no notifications back.
  ASSERT_NE(b->coherence()->listener_pid(), 0);
  ASSERT_EQ(sql("SELECT count(*) FROM pg_stat_activity WHERE pid = " + std::to_string(b->coherence()->listener_pid())),
            "1");
  const std::string listener = std::to_string(b->coherence()->listener_pid());
  EXPECT_TRUE(eventually([&] { return sql("SELECT count(*) FROM pg_stat_activity WHERE pid = " + listener) == "0"; }));
  b->coherence()->freeze(false);
  ASSERT_TRUE(eventually([&] { return b->coherence()->registered(); })) << "b registers again";
  ASSERT_TRUE(put(*a, "k", "newer").ok());
  EXPECT_EQ(get(*b, "k")->value, "newer");
}

TEST_F(PgStoreTest, ReplicasWhoseListenersWereCutRegisterAgainAndMissNothing) {
  auto a = open_replica(url_, std::chrono::seconds(2)), b = open_replica(url_, std::chrono::seconds(2));
  ASSERT_TRUE(a && b);
  for (int round = 0; round < 3; ++round) {
    ASSERT_TRUE(eventually([&] { return a->coherence()->registered() && b->coherence()->registered(); }));
    const auto g = b->generation();
    (void)b->generation();
    // Every listener session of this database (their last statement names the table).
    sql("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = current_database() "
        "AND pid <> pg_backend_pid() AND (query LIKE '%coffer_replicas%' OR query LIKE '%pg_notify%')");
    const std::string value = "v" + std::to_string(round);
    ASSERT_TRUE(put(*a, "k", value).ok());
    EXPECT_NE(b->generation(), g);
    EXPECT_EQ(get(*b, "k")->value, value);
  }
  ASSERT_TRUE(eventually([&] { return a->coherence()->registered() && b->coherence()->registered(); }));
  EXPECT_EQ(sql("SELECT count(*) FROM coffer_replicas"), "2") << "one row per store";
  b.reset();
  EXPECT_EQ(sql("SELECT count(*) FROM coffer_replicas"), "1") << "a store that closes leaves";
}

TEST_F(PgStoreTest, AWriterThatWouldNotAnnounceItsCommitCannotCommit) {
  auto s = replica();
  ASSERT_TRUE(s);
  ASSERT_TRUE(put(*s, "k", "v").ok());
  // A binary from before the invalidation protocol marks its writes without a transaction id.
  PGconn* c = PQconnectdb(url_.c_str());
  PGresult* r = PQexec(c, "INSERT INTO coffer_commits (txn) VALUES ('00000000-0000-4000-8000-000000000001')");
  EXPECT_EQ(PQresultStatus(r), PGRES_FATAL_ERROR);
  EXPECT_STREQ(PQresultErrorField(r, PG_DIAG_SQLSTATE), "23502") << "not_null_violation";
  PQclear(r);
  PQfinish(c);
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
