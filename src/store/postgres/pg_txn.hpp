// The Store's transactions over one PostgreSQL connection inside an open
// transaction (pg_transaction.cpp begins and ends it): one class serves
// read() (handed out as a ReadTxn) and write().
//
// put() and erase() are held back in the transaction (the last one per key
// wins) and written together, one multi-row INSERT and one DELETE, by
// write_pending() before COMMIT — or earlier, when a get(), scan() or
// put_if() touches a key held back, so every statement sees the
// transaction's own writes (and a get() a stored revision). increment()
// counts on the held-back value, so the writers of one counter in a batch
// read it once and write it once. prefetch() (pipelined mode) reads several
// keys in one round trip; a get() of one of them is answered from that,
// once, unless the transaction wrote the key since.
//
// Direct mode: every statement is one round trip. Pipelined mode (writes):
// statements are queued without waiting; a get() or scan() sends what is
// queued with it in one round trip; put_if() is queued too and its "one
// row changed" is checked at the next flush — a conflict found then names
// the callback that queued it (conflict_item(); callbacks of a batch are
// numbered by begin_item()), and that callback's writes must not commit.
// Statements are prepared once per connection (prepare_statements()). The
// first database error is remembered (failure()) — in a pipeline the
// statements after it are not run — so the store can tell a database
// failure from a callback's own refusal, even when a callback ignored it.
#pragma once

#include <algorithm>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "store/postgres/pg_connection.hpp"
#include "store/store.hpp"

namespace coffer::store::postgres {

class PgTxn final : public WriteTxn {
 public:
  enum class Mode { kDirect, kPipelined };
  PgTxn(PgConnection& conn, Mode mode = Mode::kDirect) : conn_(conn), mode_(mode) {}
  Result<std::optional<Entry>> get(std::string_view key) override;
  Result<std::vector<Entry>> scan(std::string_view prefix, std::string_view start_after, std::size_t limit) override;
  Status put(std::string_view key, std::string_view value) override;
  Status put_if(std::string_view key, std::string_view value, int64_t expected_revision) override;
  Status erase(std::string_view key) override;
  Result<int64_t> increment(std::string_view key) override;
  Status prefetch(std::span<const std::string> keys) override;
  // Writes what is held back (queued in pipelined mode); call it before
  // COMMIT.
  Status write_pending();

  // Pipelined mode: queue a parameterless statement (BEGIN, COMMIT …) /
  // send everything queued and process the answers. flush() returns the
  // last queued statement's result when it succeeded.
  void queue_sql(const char* sql);
  std::optional<PgResult> flush();
  // flush(), answering the results of the last `n` statements (nullopt
  // after a failure).
  std::optional<std::vector<PgResult>> flush_last(std::size_t n);
  // A queued put_if() whose answer is not checked yet.
  bool has_unchecked() const {
    return std::any_of(queued_.begin(), queued_.end(), [](const Queued& q) { return q.check == Check::kOneRow; });
  }
  // Statements queued from now on belong to callback `item` of a batch.
  void begin_item(std::size_t item) { item_ = item; }
  // Calls of put, put_if, erase and increment so far, in all items.
  std::size_t writes() const { return writes_; }
  // The first callback whose put_if() found another revision.
  std::optional<std::size_t> conflict_item() const { return conflict_item_; }
  const std::optional<PgError>& failure() const { return failure_; }

  static Status prepare_statements(PgConnection& conn);

 private:
  enum class Check { kNone, kOneRow };
  struct Queued {
    Check check;
    std::size_t item;
  };
  Status fail(PgError e, const char* what);
  // Runs a prepared statement: directly, or queued and flushed with the rest.
  std::variant<PgResult, PgError> run(const char* name, const char* sql, const PgParams& params);
  Status queue_write(const char* name, const char* sql, const PgParams& params, Check check, const char* what);
  // A write of `key`: what prefetch() fetched of it is stale.
  void forget_prefetched(std::string_view key);
  // Holds back a put (`value`) or an erase (nullopt) of `key`.
  Status hold(std::string_view key, std::optional<std::string_view> value);
  // Writes what is held back when a key under `prefix` (a whole key:
  // `exact`) is among it.
  Status write_pending_if_held(std::string_view prefix, bool exact);

  PgConnection& conn_;
  const Mode mode_;
  std::vector<Queued> queued_;  // statements sent since the last flush, in order
  std::size_t item_ = 0;
  std::size_t writes_ = 0;
  std::optional<std::size_t> conflict_item_;
  std::optional<PgError> failure_;
  // Held back: key → value to put, or nullopt to erase.
  std::map<std::string, std::optional<std::string>, std::less<>> pending_;
  // Fetched by prefetch() and not asked for yet: key → entry, or nullopt when absent.
  std::map<std::string, std::optional<Entry>, std::less<>> prefetched_;
};

// The smallest byte string greater than every string starting with
// `prefix`, or nullopt when there is none (empty, or all 0xFF).
std::optional<std::string> prefix_successor(std::string_view prefix);

}  // namespace coffer::store::postgres
