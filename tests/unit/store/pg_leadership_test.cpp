// Job leadership on PostgreSQL: one leader at a time among the processes
// sharing a database, an epoch that grows with each win, and a fenced store
// through which a server that lost the lead cannot commit.
#include <libpq-fe.h>

#include <chrono>
#include <thread>

#include "store/postgres/pg_leadership.hpp"
#include "store_test_util.hpp"

namespace coffer::store::testing {
namespace {

using namespace std::chrono_literals;

class PgLeadershipTest : public StoreTest {
 protected:
  void SetUp() override {
    url_ = fresh_postgres_database();
    auto s = open_postgres_store({url_, 2});
    ASSERT_TRUE(s.ok()) << s.status().message();
    shared_ = std::move(s).value();
  }
  std::string sql(const std::string& statement) {
    PGconn* c = PQconnectdb(url_.c_str());
    PGresult* r = PQexec(c, statement.c_str());
    std::string out = PQntuples(r) > 0 ? PQgetvalue(r, 0, 0) : "";
    PQclear(r);
    PQfinish(c);
    return out;
  }
  static bool eventually(const std::function<bool()>& f, std::chrono::milliseconds within = 15s) {
    const auto end = std::chrono::steady_clock::now() + within;
    while (std::chrono::steady_clock::now() < end) {
      if (f()) return true;
      std::this_thread::sleep_for(50ms);
    }
    return f();
  }
  std::string url_;
  std::unique_ptr<Store> shared_;
};

TEST_F(PgLeadershipTest, OneLeaderFencedByEpoch) {
  auto a = postgres_leadership({url_}, *shared_, "replica-a");
  ASSERT_TRUE(eventually([&] { return a->lead(); }));
  auto b = postgres_leadership({url_}, *shared_, "replica-b");
  EXPECT_FALSE(b->lead()) << "the lock is held";
  const auto first = a->epoch();
  EXPECT_GT(first, 0u);
  EXPECT_EQ(b->epoch(), 0u);

  // The leader's writes go through; the follower's fenced store refuses.
  ASSERT_TRUE(a->fenced().write([](WriteTxn& txn) { return txn.put("job/a", "1"); }).ok());
  Status refused = b->fenced().write([](WriteTxn& txn) { return txn.put("job/b", "1"); });
  EXPECT_EQ(refused.code(), Code::kUnavailable);
  EXPECT_FALSE(get(*shared_, "job/b").has_value());

  // The leader's session dies (as when its machine does): the other takes over with a newer epoch.
  sql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'coffer-jobs/replica-a'");
  ASSERT_TRUE(eventually([&] { return b->lead(); }));
  EXPECT_GT(b->epoch(), first);
  EXPECT_EQ(sql("SELECT holder FROM coffer_lease WHERE name = 'jobs'"), "replica-b");
  // The old leader finds out at its next job write at the latest; nothing of it commits.
  Status stale = a->fenced().write([](WriteTxn& txn) { return txn.put("job/stale", "1"); });
  EXPECT_FALSE(stale.ok());
  EXPECT_FALSE(get(*shared_, "job/stale").has_value());
  EXPECT_FALSE(a->lead()) << "b holds the lock now";
  ASSERT_TRUE(b->fenced().write([](WriteTxn& txn) { return txn.put("job/b", "2"); }).ok());

  // Closing the leader releases the lock at once.
  b.reset();
  EXPECT_TRUE(eventually([&] { return a->lead(); }));
}

// An epoch bumped behind a leader's back (a newer leader won meanwhile,
// e.g. after an asynchronous failover) fences the old one inside its
// transaction even though its session still lives.
TEST_F(PgLeadershipTest, ANewerEpochFencesTheOldLeaderInsideItsTransaction) {
  auto a = postgres_leadership({url_}, *shared_, "replica-a");
  ASSERT_TRUE(eventually([&] { return a->lead(); }));
  sql("UPDATE coffer_lease SET epoch = epoch + 1, holder = 'someone-else' WHERE name = 'jobs'");
  Status fenced = a->fenced().write([](WriteTxn& txn) { return txn.put("job/x", "1"); });
  EXPECT_EQ(fenced.code(), Code::kUnavailable);
  EXPECT_NE(fenced.message().find("fenced"), std::string::npos) << fenced.message();
  EXPECT_FALSE(get(*shared_, "job/x").has_value());
  EXPECT_EQ(a->epoch(), 0u) << "it stepped down";
}

// A leader frozen inside a job transaction (its session idle in a transaction
// that holds the lease row FOR SHARE, the heartbeat thread stuck behind it)
// loses its session after 5 heartbeats, as an idle one does: the next leader
// takes over then, not after the pool's 60 s idle-in-transaction limit, and
// nothing of the frozen transaction commits.
TEST_F(PgLeadershipTest, ALeaderFrozenInsideAJobTransactionLosesItsSession) {
  auto& pg = dynamic_cast<postgres::PgStore&>(*shared_);
  postgres::PgLeadership a(url_, pg, "replica-a", 200ms);  // the server ends its session after 1 s
  ASSERT_TRUE(eventually([&] { return a.lead(); }));
  Status frozen;
  std::thread job([&] {
    frozen = a.fenced().write([](WriteTxn& txn) {
      COFFER_RETURN_IF_ERROR(txn.put("job/frozen", "1"));
      std::this_thread::sleep_for(6s);  // frozen between statements
      return Status::Ok();
    });
  });
  postgres::PgLeadership b(url_, pg, "replica-b", 200ms);
  const bool took_over = eventually([&] { return b.lead(); }, 5s);
  job.join();
  EXPECT_TRUE(took_over) << "the frozen leader's session kept the lock";
  EXPECT_FALSE(frozen.ok());
  EXPECT_FALSE(get(*shared_, "job/frozen").has_value());
  EXPECT_EQ(sql("SELECT holder FROM coffer_lease WHERE name = 'jobs'"), "replica-b");
}

TEST(SoleLeadership, AlwaysLeadsOnItsOwnStore) {
  TempDir dir;
  auto s = open_sqlite_store({dir.file("db")});
  ASSERT_TRUE(s.ok());
  auto l = sole_leadership(**s);
  EXPECT_TRUE(l->lead());
  EXPECT_EQ(&l->fenced(), s->get());
}

}  // namespace
}  // namespace coffer::store::testing
