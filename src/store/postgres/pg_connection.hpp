// PgConnection: one libpq connection, blocking, used by one thread at a time.
// exec() runs a statement with binary parameters and binary results (bytea
// and int8 travel as raw bytes, no escaping); failures come back as a
// PgError carrying the SQLSTATE, which pg_errors.hpp classifies. Nothing
// here logs parameters (they hold sealed records and request ids).
#pragma once

#include <libpq-fe.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common/status.hpp"

namespace coffer::store::postgres {

// A statement's failure: the SQLSTATE ("" when the connection itself broke
// before the server said anything) and the server's or libpq's message.
struct PgError {
  std::string sqlstate;
  std::string message;
  bool connection_lost = false;  // the connection is unusable afterwards
};

class PgResult {
 public:
  PgResult() = default;
  explicit PgResult(PGresult* r) : r_(r) {}
  int rows() const { return r_ ? PQntuples(r_.get()) : 0; }
  bool is_null(int row, int col) const { return PQgetisnull(r_.get(), row, col) != 0; }
  // Binary results: the raw bytes of a bytea or text column.
  std::string_view bytes(int row, int col) const {
    return {PQgetvalue(r_.get(), row, col), static_cast<std::size_t>(PQgetlength(r_.get(), row, col))};
  }
  int64_t int8(int row, int col) const;  // a binary int8 column
  // Rows a command touched (INSERT/UPDATE/DELETE).
  int64_t affected() const;

 private:
  struct Free {
    void operator()(PGresult* r) const { PQclear(r); }
  };
  std::unique_ptr<PGresult, Free> r_;
};

// Parameters of one statement: each is bytes (binary), or null.
class PgParams {
 public:
  PgParams& bytes(std::string_view v);
  PgParams& text(std::string_view v);  // sent as text (for text/uuid columns)
  PgParams& int8(int64_t v);
  // A bytea[] in binary form (the statement casts it: $n::bytea[]); not empty.
  PgParams& bytea_array(const std::vector<std::string_view>& items);
  std::size_t size() const { return values_.size(); }

 private:
  friend class PgConnection;
  std::vector<std::string> storage_;
  std::vector<const char*> values_;
  std::vector<int> lengths_;
  std::vector<int> formats_;
};

class PgConnection {
 public:
  ~PgConnection();
  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;

  // Connects with libpq's URI or key=value conninfo (multi-host and
  // target_session_attrs included), over defaults the conninfo may override:
  // connect_timeout 5 s, TCP keepalives (10 s idle, 5 s interval, 3 probes),
  // tcp_user_timeout 15 s, application_name "coffer". The session gets
  // `session_sql` run once (SET statements).
  static std::variant<std::unique_ptr<PgConnection>, PgError> connect(const std::string& conninfo,
                                                                      const std::string& session_sql);

  // A statement with binary parameters; results in binary. A command
  // without rows gives an empty PgResult (check affected()).
  std::variant<PgResult, PgError> exec(const char* sql, const PgParams& params = {});
  // Several statements as text, no parameters, no results (BEGIN, COMMIT,
  // DDL).
  std::optional<PgError> run(const char* sql);
  // A named prepared statement, prepared on first use on this connection.
  std::variant<PgResult, PgError> exec_prepared(const char* name, const char* sql, const PgParams& params);

  // Pipeline mode (libpq 14+): statements are queued without waiting and
  // answered together at sync(), in order: each its result, the first
  // failure as it is, and the ones after a failure as "aborted" errors
  // (aborted() true). Prepared statements must be prepared before
  // enter_pipeline() (prepare()); parameterless SQL goes by queue_sql().
  Status prepare(const char* name, const char* sql);
  bool enter_pipeline();
  void queue_sql(const char* sql);
  void queue_prepared(const char* name, const PgParams& params);
  std::vector<std::variant<PgResult, PgError>> sync();
  void exit_pipeline();
  static bool aborted(const PgError& e) { return e.sqlstate == kAbortedState; }
  static constexpr const char* kAbortedState = "(aborted)";

  // Fault injection: sends `sql` and closes the socket before any answer
  // arrives; always returns the resulting connection error.
  std::optional<PgError> send_then_drop(const char* sql);

  bool ok() const { return PQstatus(conn_) == CONNECTION_OK; }
  bool in_transaction() const;
  int socket() const { return PQsocket(conn_); }
  PGconn* raw() { return conn_; }

 private:
  explicit PgConnection(PGconn* conn) : conn_(conn) {}
  std::variant<PgResult, PgError> result_of(PGresult* r);

  PGconn* conn_;
  std::vector<std::string> prepared_;
  std::size_t queued_ = 0;     // statements sent in pipeline mode since the last sync()
  bool queue_failed_ = false;  // a send failed: sync() reports the connection error
};

}  // namespace coffer::store::postgres
