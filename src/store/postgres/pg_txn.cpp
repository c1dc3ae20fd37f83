#include "store/postgres/pg_txn.hpp"

#include "store/postgres/pg_errors.hpp"

namespace coffer::store::postgres {
namespace {

constexpr const char* kGet = "SELECT value, revision FROM coffer_kv WHERE key = $1";
// key > start_after (the empty string when none: keys are never empty).
constexpr const char* kScanBounded =
    "SELECT key, value, revision FROM coffer_kv WHERE key >= $1 AND key > $2 AND key < $3 ORDER BY key LIMIT $4";
constexpr const char* kScanOpen =
    "SELECT key, value, revision FROM coffer_kv WHERE key >= $1 AND key > $2 ORDER BY key LIMIT $3";
constexpr const char* kPut =
    "INSERT INTO coffer_kv (key, value, revision) VALUES ($1, $2, nextval('coffer_revision')) "
    "ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, revision = EXCLUDED.revision";
constexpr const char* kInsertNew =
    "INSERT INTO coffer_kv (key, value, revision) VALUES ($1, $2, nextval('coffer_revision')) "
    "ON CONFLICT (key) DO NOTHING";
constexpr const char* kUpdateIf =
    "UPDATE coffer_kv SET value = $2, revision = nextval('coffer_revision') WHERE key = $1 AND revision = $3";
constexpr const char* kErase = "DELETE FROM coffer_kv WHERE key = $1";

Status conflict() { return Status(Code::kConflict, "revision mismatch"); }

}  // namespace

std::optional<std::string> prefix_successor(std::string_view prefix) {
  std::string s(prefix);
  while (!s.empty() && static_cast<unsigned char>(s.back()) == 0xFF) s.pop_back();
  if (s.empty()) return std::nullopt;
  s.back() = static_cast<char>(static_cast<unsigned char>(s.back()) + 1);
  return s;
}

Status PgTxn::fail(PgError e, const char* what) {
  Status st = to_status(e, what);
  if (!failure_) failure_ = std::move(e);
  return st;
}

Result<std::optional<Entry>> PgTxn::get(std::string_view key) {
  auto r = conn_.exec_prepared("coffer_get", kGet, PgParams().bytes(key));
  if (auto* e = std::get_if<PgError>(&r)) return fail(std::move(*e), "get");
  const auto& res = std::get<PgResult>(r);
  if (res.rows() == 0) return std::optional<Entry>();
  return std::optional<Entry>(Entry{std::string(key), std::string(res.bytes(0, 0)), res.int8(0, 1)});
}

Result<std::vector<Entry>> PgTxn::scan(std::string_view prefix, std::string_view start_after, std::size_t limit) {
  std::vector<Entry> out;
  if (limit == 0) return out;
  const auto upper = prefix_successor(prefix);
  PgParams params;
  params.bytes(prefix).bytes(start_after);
  if (upper) params.bytes(*upper);
  params.int8(static_cast<int64_t>(std::min<std::size_t>(limit, 1u << 30)));
  auto r = upper ? conn_.exec_prepared("coffer_scan_bounded", kScanBounded, params)
                 : conn_.exec_prepared("coffer_scan_open", kScanOpen, params);
  if (auto* e = std::get_if<PgError>(&r)) return fail(std::move(*e), "scan");
  const auto& res = std::get<PgResult>(r);
  out.reserve(static_cast<std::size_t>(res.rows()));
  for (int i = 0; i < res.rows(); ++i) {
    out.push_back(Entry{std::string(res.bytes(i, 0)), std::string(res.bytes(i, 1)), res.int8(i, 2)});
  }
  return out;
}

Status PgTxn::put(std::string_view key, std::string_view value) {
  auto r = conn_.exec_prepared("coffer_put", kPut, PgParams().bytes(key).bytes(value));
  if (auto* e = std::get_if<PgError>(&r)) return fail(std::move(*e), "put");
  return Status::Ok();
}

Status PgTxn::put_if(std::string_view key, std::string_view value, int64_t expected_revision) {
  auto r = expected_revision == 0
               ? conn_.exec_prepared("coffer_insert_new", kInsertNew, PgParams().bytes(key).bytes(value))
               : conn_.exec_prepared("coffer_update_if", kUpdateIf,
                                     PgParams().bytes(key).bytes(value).int8(expected_revision));
  if (auto* e = std::get_if<PgError>(&r)) return fail(std::move(*e), "put_if");
  return std::get<PgResult>(r).affected() == 1 ? Status::Ok() : conflict();
}

Status PgTxn::erase(std::string_view key) {
  auto r = conn_.exec_prepared("coffer_erase", kErase, PgParams().bytes(key));
  if (auto* e = std::get_if<PgError>(&r)) return fail(std::move(*e), "erase");
  return Status::Ok();
}

}  // namespace coffer::store::postgres
