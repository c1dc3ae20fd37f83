// PgLeadership: one leader among the Coffer processes sharing a PostgreSQL
// database, for the background jobs (../shared/ha/POSTGRES-HA.md §2.6).
//   - A dedicated session (never pooled) tries pg_try_advisory_lock(<jobs
//     key>) on the primary (a standby would grant it too: refused when
//     pg_is_in_recovery()); on success, in the same session, it bumps
//     coffer_lease('jobs').epoch and keeps the number: the fencing token.
//   - Every job transaction runs on that session, SERIALIZABLE, and first
//     reads the lease row FOR SHARE with that epoch: under a newer leader it
//     finds nothing and commits nothing; and a new leader's epoch bump waits
//     for job transactions in flight. Since COMMIT is only possible on the
//     session that holds the lock, a leader whose session died cannot commit.
//   - A committed job transaction is announced to the other replicas like
//     any write (pg_coherence.hpp) and returns once they heard of it.
//   - A heartbeat thread checks the session every `heartbeat` (SELECT 1);
//     the session runs with idle_session_timeout and
//     idle_in_transaction_session_timeout = 5 heartbeats, so the server
//     itself ends the session of a frozen leader — idle, or paused inside a
//     job transaction, which holds the lease row FOR SHARE and so would
//     hold up the next leader's epoch bump — and its lock passes on. (A job
//     transaction therefore never pauses that long between statements.)
//     Any error on the session: step down at once (close it), try again at
//     the next beat — never assume a new session holds anything.
// Thread-safe.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "store/postgres/pg_connection.hpp"
#include "store/postgres/pg_store.hpp"
#include "store/store.hpp"

namespace coffer::store::postgres {

class PgLeadership final : public Leadership {
 public:
  PgLeadership(std::string url, PgStore& shared, std::string holder,
               std::chrono::milliseconds heartbeat = std::chrono::milliseconds(2000));
  ~PgLeadership() override;

  bool lead() override;
  Store& fenced() override;
  std::uint64_t epoch() const override { return epoch_.load(); }

 private:
  class Fenced;
  // Under mu_: keeps or wins the lock; false when this process does not lead.
  bool lead_locked();
  void step_down_locked(const std::string& why);

  const std::string url_;
  PgStore& shared_;
  const std::string holder_;
  const std::chrono::milliseconds heartbeat_;
  std::unique_ptr<Fenced> fenced_;
  std::mutex mu_;  // guards the session: heartbeats and job transactions take turns
  std::unique_ptr<PgConnection> session_;
  std::atomic<std::uint64_t> epoch_{0};
  bool stopping_ = false;
  std::condition_variable cv_;
  std::thread beat_;
};

}  // namespace coffer::store::postgres
