#include "store/postgres/pg_txn.hpp"

#include <array>

#include "store/postgres/pg_errors.hpp"

namespace coffer::store::postgres {
namespace {

struct Statement {
  const char* name;
  const char* sql;
};

constexpr Statement kGet{"coffer_get", "SELECT value, revision FROM coffer_kv WHERE key = $1"};
// key > start_after (the empty string when none: keys are never empty).
constexpr Statement kScanBounded{
    "coffer_scan_bounded",
    "SELECT key, value, revision FROM coffer_kv WHERE key >= $1 AND key > $2 AND key < $3 ORDER BY key LIMIT $4"};
constexpr Statement kScanOpen{
    "coffer_scan_open",
    "SELECT key, value, revision FROM coffer_kv WHERE key >= $1 AND key > $2 ORDER BY key LIMIT $3"};
constexpr Statement kInsertNew{
    "coffer_insert_new",
    "INSERT INTO coffer_kv (key, value, revision) VALUES ($1, $2, nextval('coffer_revision')) "
    "ON CONFLICT (key) DO NOTHING"};
constexpr Statement kUpdateIf{
    "coffer_update_if",
    "UPDATE coffer_kv SET value = $2, revision = nextval('coffer_revision') WHERE key = $1 AND revision = $3"};
// Rows in array order, so revisions follow key order within one statement.
constexpr Statement kPutMany{"coffer_put_many",
                             "INSERT INTO coffer_kv (key, value, revision) "
                             "SELECT k, v, nextval('coffer_revision') FROM unnest($1::bytea[], $2::bytea[]) AS t(k, v) "
                             "ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, revision = EXCLUDED.revision"};
constexpr Statement kEraseMany{"coffer_erase_many", "DELETE FROM coffer_kv WHERE key = ANY($1::bytea[])"};

constexpr std::array<Statement, 7> kAll = {kGet, kScanBounded, kScanOpen, kInsertNew, kUpdateIf, kPutMany, kEraseMany};

// More held-back writes than this are written at once (bounds one statement's parameters).
constexpr std::size_t kMaxPending = 1000;

Status conflict_status() { return Status(Code::kConflict, "revision mismatch"); }

}  // namespace

std::optional<std::string> prefix_successor(std::string_view prefix) {
  std::string s(prefix);
  while (!s.empty() && static_cast<unsigned char>(s.back()) == 0xFF) s.pop_back();
  if (s.empty()) return std::nullopt;
  s.back() = static_cast<char>(static_cast<unsigned char>(s.back()) + 1);
  return s;
}

Status PgTxn::prepare_statements(PgConnection& conn) {
  for (const auto& s : kAll) COFFER_RETURN_IF_ERROR(conn.prepare(s.name, s.sql));
  return Status::Ok();
}

Status PgTxn::fail(PgError e, const char* what) {
  Status st = to_status(e, what);
  if (!failure_) failure_ = std::move(e);
  return st;
}

void PgTxn::queue_sql(const char* sql) {
  conn_.queue_sql(sql);
  queued_.push_back({Check::kNone, item_});
}

std::optional<PgResult> PgTxn::flush() {
  auto last = flush_last(1);
  if (!last || last->empty()) return std::nullopt;
  return std::move(last->back());
}

std::optional<std::vector<PgResult>> PgTxn::flush_last(std::size_t n) {
  if (queued_.empty()) return std::nullopt;
  auto results = conn_.sync();
  std::vector<PgResult> last;
  for (std::size_t i = 0; i < results.size(); ++i) {
    if (auto* e = std::get_if<PgError>(&results[i])) {
      if (!failure_ && !PgConnection::aborted(*e)) failure_ = *e;
      if (!failure_ && e->connection_lost) failure_ = *e;
      continue;
    }
    auto& r = std::get<PgResult>(results[i]);
    if (i < queued_.size() && queued_[i].check == Check::kOneRow && r.affected() != 1 && !conflict_item_) {
      conflict_item_ = queued_[i].item;
    }
    if (i + n >= results.size()) last.push_back(std::move(r));
  }
  queued_.clear();
  if (failure_) return std::nullopt;
  return last;
}

std::variant<PgResult, PgError> PgTxn::run(const char* name, const char* sql, const PgParams& params) {
  if (mode_ == Mode::kDirect) return conn_.exec_prepared(name, sql, params);
  conn_.queue_prepared(name, params);
  queued_.push_back({Check::kNone, item_});
  auto r = flush();
  if (r) return std::move(*r);
  if (failure_) return *failure_;
  return PgError{"", "no result", false};
}

Status PgTxn::queue_write(const char* name, const char* sql, const PgParams& params, Check check, const char* what) {
  if (failure_) return to_status(*failure_, what);
  if (mode_ == Mode::kDirect) {
    auto r = conn_.exec_prepared(name, sql, params);
    if (auto* e = std::get_if<PgError>(&r)) return fail(std::move(*e), what);
    if (check == Check::kOneRow && std::get<PgResult>(r).affected() != 1) return conflict_status();
    return Status::Ok();
  }
  conn_.queue_prepared(name, params);
  queued_.push_back({check, item_});
  return Status::Ok();  // checked at the next flush
}

Status PgTxn::write_pending() {
  if (pending_.empty()) return Status::Ok();
  std::vector<std::string_view> put_keys, put_values, erase_keys;
  for (const auto& [key, value] : pending_) {
    if (value) {
      put_keys.push_back(key);
      put_values.push_back(*value);
    } else {
      erase_keys.push_back(key);
    }
  }
  Status st = Status::Ok();
  if (!put_keys.empty()) {
    st = queue_write(kPutMany.name, kPutMany.sql, PgParams().bytea_array(put_keys).bytea_array(put_values),
                     Check::kNone, "put");
  }
  if (st.ok() && !erase_keys.empty()) {
    st = queue_write(kEraseMany.name, kEraseMany.sql, PgParams().bytea_array(erase_keys), Check::kNone, "erase");
  }
  pending_.clear();
  return st;
}

Status PgTxn::write_pending_if_held(std::string_view prefix, bool exact) {
  const auto it = pending_.lower_bound(prefix);
  if (it == pending_.end() || !it->first.starts_with(prefix)) return Status::Ok();
  if (exact && it->first.size() != prefix.size()) return Status::Ok();
  return write_pending();
}

Status PgTxn::hold(std::string_view key, std::optional<std::string_view> value) {
  if (failure_) return to_status(*failure_, value ? "put" : "erase");
  ++writes_;
  forget_prefetched(key);
  auto it = pending_.find(key);
  if (it == pending_.end()) it = pending_.emplace(std::string(key), std::nullopt).first;
  it->second = value ? std::optional<std::string>(std::string(*value)) : std::nullopt;
  if (pending_.size() > kMaxPending) return write_pending();
  return Status::Ok();
}

Result<int64_t> PgTxn::increment(std::string_view key) {
  int64_t n = 0;
  if (auto it = pending_.find(key); it != pending_.end()) {
    if (it->second) {
      COFFER_ASSIGN_OR_RETURN(n, counter_value(key, *it->second));
    }
  } else {
    COFFER_ASSIGN_OR_RETURN(n, read_counter(*this, key));
  }
  COFFER_RETURN_IF_ERROR(hold(key, std::to_string(n + 1)));
  return n + 1;
}

void PgTxn::forget_prefetched(std::string_view key) {
  if (auto it = prefetched_.find(key); it != prefetched_.end()) prefetched_.erase(it);
}

Status PgTxn::prefetch(std::span<const std::string> keys) {
  if (mode_ == Mode::kDirect) return Status::Ok();  // a round trip per key either way
  if (failure_) return to_status(*failure_, "get");
  for (const auto& key : keys) COFFER_RETURN_IF_ERROR(write_pending_if_held(key, true));  // queued before the reads
  std::vector<std::string_view> asked;
  for (const auto& key : keys) {
    if (prefetched_.contains(key) || std::find(asked.begin(), asked.end(), key) != asked.end()) continue;
    conn_.queue_prepared(kGet.name, PgParams().bytes(key));
    queued_.push_back({Check::kNone, item_});
    asked.push_back(key);
  }
  if (asked.empty()) return Status::Ok();
  auto results = flush_last(asked.size());
  if (!results || results->size() != asked.size()) {
    return failure_ ? fail(*failure_, "get") : Status(Code::kInternal, "store: a prefetch lost its answers");
  }
  for (std::size_t i = 0; i < asked.size(); ++i) {
    const PgResult& res = (*results)[i];
    prefetched_[std::string(asked[i])] =
        res.rows() == 0
            ? std::nullopt
            : std::optional<Entry>(Entry{std::string(asked[i]), std::string(res.bytes(0, 0)), res.int8(0, 1)});
  }
  return Status::Ok();
}

Result<std::optional<Entry>> PgTxn::get(std::string_view key) {
  if (failure_) return to_status(*failure_, "get");
  if (auto it = prefetched_.find(key); it != prefetched_.end()) {
    auto node = prefetched_.extract(it);
    return std::move(node.mapped());
  }
  COFFER_RETURN_IF_ERROR(write_pending_if_held(key, true));
  auto r = run(kGet.name, kGet.sql, PgParams().bytes(key));
  if (auto* e = std::get_if<PgError>(&r)) return fail(std::move(*e), "get");
  const auto& res = std::get<PgResult>(r);
  if (res.rows() == 0) return std::optional<Entry>();
  return std::optional<Entry>(Entry{std::string(key), std::string(res.bytes(0, 0)), res.int8(0, 1)});
}

Result<std::vector<Entry>> PgTxn::scan(std::string_view prefix, std::string_view start_after, std::size_t limit) {
  std::vector<Entry> out;
  if (limit == 0) return out;
  if (failure_) return to_status(*failure_, "scan");
  COFFER_RETURN_IF_ERROR(write_pending_if_held(prefix, false));
  const auto upper = prefix_successor(prefix);
  PgParams params;
  params.bytes(prefix).bytes(start_after);
  if (upper) params.bytes(*upper);
  params.int8(static_cast<int64_t>(std::min<std::size_t>(limit, 1u << 30)));
  auto r = upper ? run(kScanBounded.name, kScanBounded.sql, params) : run(kScanOpen.name, kScanOpen.sql, params);
  if (auto* e = std::get_if<PgError>(&r)) return fail(std::move(*e), "scan");
  const auto& res = std::get<PgResult>(r);
  out.reserve(static_cast<std::size_t>(res.rows()));
  for (int i = 0; i < res.rows(); ++i) {
    out.push_back(Entry{std::string(res.bytes(i, 0)), std::string(res.bytes(i, 1)), res.int8(i, 2)});
  }
  return out;
}

Status PgTxn::put(std::string_view key, std::string_view value) { return hold(key, value); }

Status PgTxn::put_if(std::string_view key, std::string_view value, int64_t expected_revision) {
  COFFER_RETURN_IF_ERROR(write_pending_if_held(key, true));
  ++writes_;
  forget_prefetched(key);
  if (expected_revision == 0) {
    return queue_write(kInsertNew.name, kInsertNew.sql, PgParams().bytes(key).bytes(value), Check::kOneRow, "put_if");
  }
  return queue_write(kUpdateIf.name, kUpdateIf.sql, PgParams().bytes(key).bytes(value).int8(expected_revision),
                     Check::kOneRow, "put_if");
}

Status PgTxn::erase(std::string_view key) { return hold(key, std::nullopt); }

}  // namespace coffer::store::postgres
