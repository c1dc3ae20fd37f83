// Store: a transactional, ordered key → bytes map, the only persistence
// Coffer has. It is below the encryption barrier: every value that holds a
// secret or key material is already ciphertext when it gets here, so a
// backend may be untrusted storage.
//
// Keys are byte strings compared bytewise; callers build them from
// prefixes ("secrets/<vault>/…"). Each entry has a revision, a positive
// number that changes on every put, for compare-and-set.
//
// Thread-safety: a Store is safe for concurrent use by any number of
// threads. Transactions are not: a ReadTxn/WriteTxn is used only inside the
// callback it was given to, on that thread. A callback must not call read()
// or write() on the same Store (it could deadlock; backends may refuse such
// nested calls with kInternal).
//
// Durability: write() returns OK only after the transaction is durable
// (for SQLite: committed with synchronous=FULL). Backends may batch many
// concurrent write() calls into one commit (group commit); each caller
// still sees only its own transaction's outcome. A write callback may be
// run more than once (retries after a serialization conflict), so it must
// have no side effects outside the transaction.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/prometheus.hpp"
#include "common/status.hpp"

namespace coffer::store {

struct Entry {
  std::string key;
  std::string value;
  int64_t revision = 0;
};

class ReadTxn {
 public:
  virtual ~ReadTxn() = default;
  // nullopt when the key is absent.
  virtual Result<std::optional<Entry>> get(std::string_view key) = 0;
  // Entries whose key starts with `prefix` and sorts strictly after
  // `start_after` (empty = from the beginning), in key order, at most `limit`.
  virtual Result<std::vector<Entry>> scan(std::string_view prefix, std::string_view start_after, std::size_t limit) = 0;
  // A hint: the caller will get() these keys next. A backend may fetch them
  // together (PostgreSQL: one round trip) and answer those get()s from what
  // it fetched; nothing any read returns changes.
  virtual Status prefetch(std::span<const std::string> keys) {
    (void)keys;
    return Status::Ok();
  }
};

class WriteTxn : public ReadTxn {
 public:
  // Inserts or replaces.
  virtual Status put(std::string_view key, std::string_view value) = 0;
  // Compare-and-set: writes only if the entry's current revision equals
  // `expected_revision` (0 = the key must be absent); otherwise kConflict.
  virtual Status put_if(std::string_view key, std::string_view value, int64_t expected_revision) = 0;
  // Removes the key; OK if it was absent.
  virtual Status erase(std::string_view key) = 0;
  // Adds one to the counter under `key` (a decimal number, absent = 0) and
  // returns the new value. A backend may keep the count in the transaction
  // and write it once before the commit, so the writers of one counter that
  // share a transaction (a batch) read and write it once; any other use of
  // the key in the transaction sees the count. kInternal when the stored
  // value is not a counter.
  virtual Result<int64_t> increment(std::string_view key);
};

// A write() callback.
using WriteFn = std::function<Status(WriteTxn&)>;

class Store {
 public:
  virtual ~Store() = default;
  // Runs `fn` against a consistent snapshot.
  virtual Status read(const std::function<Status(ReadTxn&)>& fn) = 0;
  // Runs `fn` in a transaction. If fn returns non-OK, nothing it wrote is
  // kept and that Status is returned. OK means committed and durable.
  virtual Status write(const std::function<Status(WriteTxn&)>& fn) = 0;
  // write() of records that no cache keyed by generation() holds (audit
  // anchors): a backend may leave generation() where it was for this
  // commit, so it does not empty every read cache. The caller promises it;
  // the commit is as durable as write()'s.
  virtual Status write_uncached(const std::function<Status(WriteTxn&)>& fn) { return write(fn); }
  // A number for caches of what reads saw. Promise: every commit that
  // completed before the caller's freshness floor (common/freshness.hpp: the
  // start of its request, else the call) is reflected in the number returned
  // — a commit after the moment the number stands for gives a different
  // number to every later caller — and a read() begun after generation()
  // returned sees at least the state the number stands for. So an entry
  // cached under a number is never older than it, and a caller whose floor
  // follows a commit never gets an entry from before it. A backend that
  // several processes share must cover their commits too (PostgreSQL: the
  // cluster's snapshot; SQLite, one process: a commit counter).
  virtual std::uint64_t generation() const = 0;
  // OK when the store answers now (for /healthz); kUnavailable with the
  // reason otherwise. Cheap: a backend that cannot fail says OK.
  virtual Status health() { return Status::Ok(); }

  // Calls done(ok) once generation() can answer a caller whose freshness
  // floor is `floor` without waiting (ok = false: the store could not make
  // that observation; the work should go where waiting is fine). From any
  // thread; `done` runs on a thread of the store's and must not block. A
  // backend whose generation() never waits calls it at once.
  virtual void when_observed(std::chrono::steady_clock::time_point floor, std::function<void(bool ok)> done) {
    (void)floor;
    done(true);
  }
  // True when generation() and every read may wait on the network (so the
  // server keeps such work off its event loops, common/freshness.hpp).
  virtual bool waits() const { return false; }
  // The registry the store was opened with (its options' metrics), for the
  // caches built on it; null = none.
  virtual prometheus::Registry* metrics() const { return nullptr; }

  // Marker keys: entries whose revision tells a cache of a whole area
  // (roles, vaults) whether anything in it changed. watch() registers one
  // (before serving); watched_revision() gives its revision (0 = absent) as
  // of the observation behind the caller's generation(), when the backend
  // fetches it along with that observation (PostgreSQL: in the same query,
  // no extra round trip) — nullopt when it does not (then read it:
  // current_revision() does either).
  virtual void watch(std::string key) { (void)key; }
  virtual std::optional<int64_t> watched_revision(std::string_view key) const {
    (void)key;
    return std::nullopt;
  }
};

// The revision of `key` (0 when absent): watched_revision() when the backend
// has it, else a read.
Result<int64_t> current_revision(Store& store, std::string_view key);
// The value under `key` (nullopt when absent), in a read of its own.
Result<std::optional<std::string>> read_value(Store& store, std::string_view key);
// The count a counter's stored text holds (WriteTxn::increment); kInternal
// naming `key` when the text is not a count.
Result<int64_t> counter_value(std::string_view key, std::string_view text);
// The counter under `key` (0 when absent).
Result<int64_t> read_counter(ReadTxn& txn, std::string_view key);
// Calls fn for every entry under `prefix`, in key order, scanning in chunks;
// stops at the first error fn returns.
Status for_each_entry(ReadTxn& txn, std::string_view prefix, const std::function<Status(const Entry&)>& fn);
// Stores `value` under `key` unless a value is there already (another
// writer got there first); returns whichever value is stored afterwards.
Result<std::string> put_once(Store& store, std::string_view key, const std::string& value);

// Leadership: which one of the servers sharing a store runs the background
// jobs (purges, rotations, renewals). lead() tries to become, or confirms
// being, the leader; fenced() is a view of the store whose write() commits
// only while this process still leads with the epoch it won — the check runs
// inside each transaction, so a leader that lost its place (frozen, cut off,
// replaced) can no longer commit anything; reads go to the shared store.
// Jobs run only when lead() is true and write only through fenced().
// Thread-safe.
class Leadership {
 public:
  virtual ~Leadership() = default;
  virtual bool lead() = 0;
  virtual Store& fenced() = 0;
  // The epoch this process won (0 while it does not lead).
  virtual std::uint64_t epoch() const = 0;
};

// A server alone on its store (SQLite): always the leader; fenced() is the store.
std::unique_ptr<Leadership> sole_leadership(Store& store);

struct SqliteOptions {
  std::string path;                         // database file; created if absent
  std::size_t readers = 8;                  // pooled read connections
  std::size_t max_batch = 256;              // most write() calls folded into one commit
  prometheus::Registry* metrics = nullptr;  // commit latency and batch sizes (batch_writer.hpp); null = none
  // For offline readers of a server's file (`coffer audit`): no creation, no
  // migration (a schema other than this build's is refused), no writer;
  // write() is refused with kInternal.
  bool read_only = false;
};

struct PostgresOptions {
  std::string url;                                // libpq URI or conninfo (multi-host, target_session_attrs=read-write)
  std::size_t pool = 8;                           // connections for transactions
  std::size_t writers = 1;                        // group-commit threads (each leases a pooled connection)
  std::chrono::milliseconds retry_budget{15000};  // how long a transaction is retried before kUnavailable
  // How long a replica may answer from memory without renewing its lease
  // (store/postgres/pg_coherence.hpp): also the longest a write waits for
  // a replica that stopped answering.
  std::chrono::milliseconds lease{2000};
  prometheus::Registry* metrics = nullptr;  // commit latency and batch sizes (batch_writer.hpp); null = none
  // For offline readers (`coffer audit`): no migration (a schema other than
  // this build's is refused), a standby is accepted, every session is
  // read-only and write() is refused with kInternal.
  bool read_only = false;
};

// Connects to PostgreSQL (the primary; a standby is refused), migrates the
// schema under a lock, refuses a server that could lose acknowledged writes,
// and returns a store several Coffer processes may share
// (store/postgres/pg_store.hpp). kUnavailable when the database cannot be
// reached, kBadParameter for a refused server or schema.
Result<std::unique_ptr<Store>> open_postgres_store(const PostgresOptions& options);
// Leadership among the servers sharing the PostgreSQL database of `options`
// (store/postgres/pg_leadership.hpp): a session advisory lock on a dedicated
// connection, an epoch bumped in coffer_lease on each win and checked inside
// every job transaction. `shared` serves reads; `holder` names this process.
std::unique_ptr<Leadership> postgres_leadership(const PostgresOptions& options, Store& shared, std::string holder);

// Opens (creating and migrating as needed) a SQLite store in WAL mode with
// synchronous=FULL. Its generation() counts this process's commits only:
// one server process owns the database (the server locks its data
// directory); other processes may only read it.
Result<std::unique_ptr<Store>> open_sqlite_store(const SqliteOptions& options);

}  // namespace coffer::store
