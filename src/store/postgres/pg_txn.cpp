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
constexpr Statement kPut{"coffer_put",
                         "INSERT INTO coffer_kv (key, value, revision) VALUES ($1, $2, nextval('coffer_revision')) "
                         "ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, revision = EXCLUDED.revision"};
constexpr Statement kInsertNew{
    "coffer_insert_new",
    "INSERT INTO coffer_kv (key, value, revision) VALUES ($1, $2, nextval('coffer_revision')) "
    "ON CONFLICT (key) DO NOTHING"};
constexpr Statement kUpdateIf{
    "coffer_update_if",
    "UPDATE coffer_kv SET value = $2, revision = nextval('coffer_revision') WHERE key = $1 AND revision = $3"};
constexpr Statement kErase{"coffer_erase", "DELETE FROM coffer_kv WHERE key = $1"};

constexpr std::array<Statement, 7> kAll = {kGet, kScanBounded, kScanOpen, kPut, kInsertNew, kUpdateIf, kErase};

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
  if (queued_.empty()) return std::nullopt;
  auto results = conn_.sync();
  std::optional<PgResult> last;
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
    if (i + 1 == results.size()) last = std::move(r);
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
  ++writes_;
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

Status PgTxn::settle_counters(std::string_view prefix, bool exact) {
  for (auto it = counters_.lower_bound(prefix); it != counters_.end() && it->first.starts_with(prefix);) {
    if (exact && it->first.size() != prefix.size()) break;
    const auto node = counters_.extract(it++);
    COFFER_RETURN_IF_ERROR(put(node.key(), std::to_string(node.mapped())));
  }
  return Status::Ok();
}

Result<int64_t> PgTxn::increment(std::string_view key) {
  auto it = counters_.find(key);
  if (it == counters_.end()) {
    COFFER_ASSIGN_OR_RETURN(const int64_t stored, read_counter(*this, key));
    it = counters_.emplace(std::string(key), stored).first;
  }
  ++writes_;  // a write of the callback's, for the batch's bookkeeping, though the put comes later
  return ++it->second;
}

Status PgTxn::write_counters() { return settle_counters("", false); }

Result<std::optional<Entry>> PgTxn::get(std::string_view key) {
  if (failure_) return to_status(*failure_, "get");
  COFFER_RETURN_IF_ERROR(settle_counters(key, true));
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
  COFFER_RETURN_IF_ERROR(settle_counters(prefix, false));
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

Status PgTxn::put(std::string_view key, std::string_view value) {
  COFFER_RETURN_IF_ERROR(settle_counters(key, true));
  return queue_write(kPut.name, kPut.sql, PgParams().bytes(key).bytes(value), Check::kNone, "put");
}

Status PgTxn::put_if(std::string_view key, std::string_view value, int64_t expected_revision) {
  COFFER_RETURN_IF_ERROR(settle_counters(key, true));
  if (expected_revision == 0) {
    return queue_write(kInsertNew.name, kInsertNew.sql, PgParams().bytes(key).bytes(value), Check::kOneRow, "put_if");
  }
  return queue_write(kUpdateIf.name, kUpdateIf.sql, PgParams().bytes(key).bytes(value).int8(expected_revision),
                     Check::kOneRow, "put_if");
}

Status PgTxn::erase(std::string_view key) {
  COFFER_RETURN_IF_ERROR(settle_counters(key, true));
  return queue_write(kErase.name, kErase.sql, PgParams().bytes(key), Check::kNone, "erase");
}

}  // namespace coffer::store::postgres
