// PgCoherence: lets a replica answer "has anything changed?" from memory,
// with no round trip, while staying exact across replicas: a write is
// acknowledged only after every other replica that may serve from memory
// has taken note of it (a lease-based invalidation protocol).
//   - Each store registers in coffer_replicas on a listener session of its
//     own: LISTEN first, then its row with the snapshot taken at that
//     moment (`since`) and a lease (`lease_until`, renewed every quarter
//     lease while the lease holds; once the lease has lapsed it registers
//     again, never renews).
//   - Every writing transaction announces its batch id on the channel
//     before COMMIT (NOTIFY is delivered at commit, in commit order). Right
//     after COMMIT, the writer asks which other replicas hold a lease and
//     did not already see its commit in their `since` snapshot
//     (awaited_sql()), and waits until each one acknowledged the batch on
//     the channel, sent a re-registration notice after the writer's own
//     announcement, or its lease ran out (await()).
//   - A replica that receives another's announcement first moves its token,
//     then acknowledges. token() is the token while the lease holds
//     locally: two equal tokens mean that no change committed in between
//     was acknowledged by anyone. The local lease ends at 90 % of the lease
//     counted from when the renewal was sent, before the database's
//     lease_until, which writers go by.
//   - Listener loss, a failed renewal or a lapsed lease: no token until the
//     store registered again (its token never returns to an earlier value).
//     The listener session ends itself after four leases idle
//     (idle_session_timeout), so a frozen process does not keep PostgreSQL's
//     notification queue from being trimmed.
// Thread-safe.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "store/postgres/pg_connection.hpp"

namespace coffer::store::postgres {

// A replica a write waits for, and how long its lease still runs.
struct AwaitedReplica {
  std::string id;
  std::chrono::milliseconds lease_left{0};
};

class PgCoherence {
 public:
  using Clock = std::chrono::steady_clock;

  PgCoherence(std::string url, std::string settings, std::chrono::milliseconds lease);
  // Deregisters (so that no write waits for this store's lease) and stops.
  ~PgCoherence();
  PgCoherence(const PgCoherence&) = delete;
  PgCoherence& operator=(const PgCoherence&) = delete;

  // This store's row in coffer_replicas (a random UUID).
  const std::string& id() const { return id_; }
  // The token while this store holds its lease; nullopt otherwise.
  std::optional<std::uint64_t> token() const;
  // This store committed a change itself: the token moves.
  void note_own_change();

  // SQL for the writing transaction of batch `batch_id` (a UUID): the
  // announcement, queued before COMMIT, and the awaited replicas (id text,
  // lease left in ms as int8), run after it — any time after it, on any
  // connection: it needs the batch's row in coffer_commits.
  std::string announce_sql(const std::string& batch_id) const;
  std::string awaited_sql(const std::string& batch_id) const;
  static std::optional<std::vector<AwaitedReplica>> parse_awaited(const PgResult& result);

  // Blocks until every replica of `awaited` (as received at `received`)
  // acknowledged `batch_id` or its lease ran out.
  void await(const std::string& batch_id, const std::vector<AwaitedReplica>& awaited, Clock::time_point received);

  // Whether the store holds its lease now, so answers from memory (a metric).
  bool registered() const { return token().has_value(); }
  // Tests: the listener session's server process id (0: none); freeze(true)
  // stops the listener from reading (it neither acknowledges nor renews)
  // until freeze(false).
  int listener_pid() const { return listener_pid_.load(); }
  void freeze(bool frozen);

 private:
  struct Batch {
    Clock::time_point seen;
    bool announced = false;      // this store's own announcement came back on the channel
    int waiters = 0;             // callers in await() (one per batch from PgStore; fenced writes have their own)
    std::set<std::string> done;  // replicas that acknowledged it or registered again since
  };

  void run();
  bool register_here();
  // `lease_until` a lease from now, in SQL.
  std::string lease_end_sql() const;
  // The lease holds locally from a registration or renewal sent at `sent`.
  void hold_lease_from(Clock::time_point sent);
  // Renews the lease (and forgets old batches): false when it could not.
  bool renew();
  // Reads what arrived on the channel; false when the session broke.
  bool drain();
  void lose(const char* why);
  void unregister();
  void prune(Clock::time_point now);
  void sleep_interruptibly(std::chrono::milliseconds d);

  const std::string url_;
  const std::string settings_;
  const std::chrono::milliseconds lease_;
  const std::string id_;
  std::unique_ptr<PgConnection> conn_;  // the listener session; the thread's alone
  Clock::time_point renew_at_{};

  std::atomic<std::uint64_t> state_{1};       // moves on every change and (re)registration
  std::atomic<std::int64_t> valid_until_{0};  // Clock ticks; 0: not registered
  std::atomic<int> listener_pid_{0};

  mutable std::mutex mu_;
  std::condition_variable cv_;  // acknowledgments and stop
  std::map<std::string, Batch, std::less<>> batches_;
  bool stopping_ = false;
  bool frozen_ = false;
  int wake_fd_ = -1;  // an eventfd: stop and thaw wake the listener's poll
  std::thread thread_;
};

}  // namespace coffer::store::postgres
