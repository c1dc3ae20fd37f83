#include "store/postgres/pg_connection.hpp"

#include <sys/socket.h>

#include <algorithm>
#include <cstring>

namespace coffer::store::postgres {
namespace {

PgError error_of(PGconn* conn, const PGresult* r) {
  PgError e;
  if (r) {
    if (const char* state = PQresultErrorField(r, PG_DIAG_SQLSTATE)) e.sqlstate = state;
    if (const char* msg = PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY)) e.message = msg;
  }
  if (e.message.empty() && conn) e.message = PQerrorMessage(conn);
  while (!e.message.empty() && (e.message.back() == '\n' || e.message.back() == ' ')) e.message.pop_back();
  e.connection_lost = !conn || PQstatus(conn) != CONNECTION_OK;
  return e;
}

}  // namespace

int64_t PgResult::int8(int row, int col) const {
  const auto* p = reinterpret_cast<const unsigned char*>(PQgetvalue(r_.get(), row, col));
  if (PQgetlength(r_.get(), row, col) != 8) return 0;
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | p[i];
  return static_cast<int64_t>(v);
}

int64_t PgResult::affected() const {
  if (!r_) return 0;
  const char* n = PQcmdTuples(r_.get());
  return n && *n ? std::strtoll(n, nullptr, 10) : 0;
}

PgParams& PgParams::bytes(std::string_view v) {
  storage_.emplace_back(v);
  values_.push_back(nullptr);
  lengths_.push_back(static_cast<int>(v.size()));
  formats_.push_back(1);
  return *this;
}

PgParams& PgParams::text(std::string_view v) {
  storage_.emplace_back(v);
  values_.push_back(nullptr);
  lengths_.push_back(0);
  formats_.push_back(0);
  return *this;
}

PgParams& PgParams::int8(int64_t v) {
  std::string be(8, '\0');
  auto u = static_cast<uint64_t>(v);
  for (int i = 7; i >= 0; --i, u >>= 8) be[static_cast<std::size_t>(i)] = static_cast<char>(u & 0xff);
  storage_.push_back(std::move(be));
  values_.push_back(nullptr);
  lengths_.push_back(8);
  formats_.push_back(1);
  return *this;
}

PgParams& PgParams::bytea_array(const std::vector<std::string_view>& items) {
  constexpr uint32_t kByteaOid = 17;
  std::string out;
  std::size_t size = 20;
  for (auto item : items) size += 4 + item.size();
  out.reserve(size);
  auto put32 = [&out](uint32_t v) {
    for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>((v >> shift) & 0xff));
  };
  put32(1);  // dimensions
  put32(0);  // no nulls
  put32(kByteaOid);
  put32(static_cast<uint32_t>(items.size()));
  put32(1);  // lower bound
  for (auto item : items) {
    put32(static_cast<uint32_t>(item.size()));
    out.append(item);
  }
  lengths_.push_back(static_cast<int>(out.size()));
  storage_.push_back(std::move(out));
  values_.push_back(nullptr);
  formats_.push_back(1);
  return *this;
}

PgConnection::~PgConnection() { PQfinish(conn_); }

std::variant<std::unique_ptr<PgConnection>, PgError> PgConnection::connect(const std::string& conninfo,
                                                                           const std::string& session_sql) {
  // Defaults first: whatever the URI or conninfo says overrides them.
  const char* keywords[] = {"connect_timeout",     "keepalives",       "keepalives_idle",
                            "keepalives_interval", "keepalives_count", "tcp_user_timeout",
                            "application_name",    "dbname",           nullptr};
  const char* values[] = {"5", "1", "10", "5", "3", "15000", "coffer", conninfo.c_str(), nullptr};
  PGconn* raw = PQconnectdbParams(keywords, values, 1);
  if (!raw || PQstatus(raw) != CONNECTION_OK) {
    PgError e = error_of(raw, nullptr);
    e.connection_lost = true;
    PQfinish(raw);
    return e;
  }
  std::unique_ptr<PgConnection> conn(new PgConnection(raw));
  if (!session_sql.empty()) {
    if (auto e = conn->run(session_sql.c_str())) return *e;
  }
  return conn;
}

std::variant<PgResult, PgError> PgConnection::result_of(PGresult* r) {
  const ExecStatusType st = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
  if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) return PgResult(r);
  PgError e = error_of(conn_, r);
  PQclear(r);
  return e;
}

std::variant<PgResult, PgError> PgConnection::exec(const char* sql, const PgParams& params) {
  std::vector<const char*> values(params.values_.size());
  for (std::size_t i = 0; i < values.size(); ++i) values[i] = params.storage_[i].data();
  return result_of(PQexecParams(conn_, sql, static_cast<int>(values.size()), nullptr, values.data(),
                                params.lengths_.data(), params.formats_.data(), 1));
}

std::optional<PgError> PgConnection::run(const char* sql) {
  PGresult* r = PQexec(conn_, sql);
  auto out = result_of(r);
  if (auto* e = std::get_if<PgError>(&out)) return *e;
  return std::nullopt;
}

std::variant<PgResult, PgError> PgConnection::exec_prepared(const char* name, const char* sql, const PgParams& params) {
  if (std::find(prepared_.begin(), prepared_.end(), name) == prepared_.end()) {
    PGresult* r = PQprepare(conn_, name, sql, 0, nullptr);
    auto prepared = result_of(r);
    if (auto* e = std::get_if<PgError>(&prepared)) return *e;
    prepared_.emplace_back(name);
  }
  std::vector<const char*> values(params.values_.size());
  for (std::size_t i = 0; i < values.size(); ++i) values[i] = params.storage_[i].data();
  return result_of(PQexecPrepared(conn_, name, static_cast<int>(values.size()), values.data(), params.lengths_.data(),
                                  params.formats_.data(), 1));
}

Status PgConnection::prepare(const char* name, const char* sql) {
  if (std::find(prepared_.begin(), prepared_.end(), name) != prepared_.end()) return Status::Ok();
  auto prepared = result_of(PQprepare(conn_, name, sql, 0, nullptr));
  if (auto* e = std::get_if<PgError>(&prepared)) {
    return Status(Code::kUnavailable, "postgres: preparing " + std::string(name) + ": " + e->message);
  }
  prepared_.emplace_back(name);
  return Status::Ok();
}

bool PgConnection::enter_pipeline() {
  queued_ = 0;
  queue_failed_ = false;
  return conn_ && PQenterPipelineMode(conn_) == 1;
}

void PgConnection::queue_sql(const char* sql) {
  if (PQsendQueryParams(conn_, sql, 0, nullptr, nullptr, nullptr, nullptr, 1) != 1) queue_failed_ = true;
  ++queued_;
}

void PgConnection::queue_prepared(const char* name, const PgParams& params) {
  std::vector<const char*> values(params.values_.size());
  for (std::size_t i = 0; i < values.size(); ++i) values[i] = params.storage_[i].data();
  if (PQsendQueryPrepared(conn_, name, static_cast<int>(values.size()), values.data(), params.lengths_.data(),
                          params.formats_.data(), 1) != 1) {
    queue_failed_ = true;
  }
  ++queued_;
}

std::vector<std::variant<PgResult, PgError>> PgConnection::sync() {
  std::vector<std::variant<PgResult, PgError>> out;
  out.reserve(queued_);
  const std::size_t expected = std::exchange(queued_, 0);
  auto lost = [&] {
    PgError e = error_of(conn_, nullptr);
    e.connection_lost = true;
    while (out.size() < expected) out.emplace_back(e);
  };
  if (queue_failed_ || PQpipelineSync(conn_) != 1) {
    lost();
    return out;
  }
  while (out.size() < expected) {
    PGresult* r = PQgetResult(conn_);
    if (!r) {
      if (PQstatus(conn_) != CONNECTION_OK) {
        lost();
        return out;
      }
      continue;  // the end of one statement's results
    }
    const ExecStatusType st = PQresultStatus(r);
    if (st == PGRES_PIPELINE_ABORTED) {
      PQclear(r);
      out.emplace_back(PgError{kAbortedState, "not run: an earlier statement of the pipeline failed", false});
      continue;
    }
    if (st == PGRES_PIPELINE_SYNC) {  // fewer results than statements: cannot happen; keep order honest
      PQclear(r);
      lost();
      return out;
    }
    out.push_back(result_of(r));
  }
  // The last statement's end (NULL), then the sync point's own result.
  while (true) {
    PGresult* r = PQgetResult(conn_);
    if (!r) {
      if (PQstatus(conn_) != CONNECTION_OK) break;
      continue;
    }
    const bool sync_point = PQresultStatus(r) == PGRES_PIPELINE_SYNC;
    PQclear(r);
    if (sync_point) break;
  }
  return out;
}

void PgConnection::exit_pipeline() {
  if (conn_ && PQpipelineStatus(conn_) != PQ_PIPELINE_OFF) (void)PQexitPipelineMode(conn_);
}

std::optional<PgError> PgConnection::send_then_drop(const char* sql) {
  if (PQsendQuery(conn_, sql) == 1) {
    while (PQflush(conn_) == 1) {
    }
  }
  ::shutdown(PQsocket(conn_), SHUT_RDWR);
  PgError e;
  e.message = "connection dropped after sending " + std::string(sql) + " (failpoint)";
  e.connection_lost = true;
  PQfinish(conn_);
  conn_ = nullptr;  // ok() is false from now on: the pool reconnects
  return e;
}

bool PgConnection::in_transaction() const {
  const PGTransactionStatusType t = PQtransactionStatus(conn_);
  return t == PQTRANS_INTRANS || t == PQTRANS_INERROR || t == PQTRANS_ACTIVE;
}

}  // namespace coffer::store::postgres
