#include "store/postgres/pg_schema.hpp"

#include <array>
#include <string>

#include "store/postgres/pg_errors.hpp"

namespace coffer::store::postgres {
namespace {

// pg_advisory_lock key of migrations ("Coffer" + 1).
constexpr const char* kLockMigrations = "SELECT pg_advisory_lock(4859210017530658817)";
constexpr const char* kUnlockMigrations = "SELECT pg_advisory_unlock(4859210017530658817)";

struct Step {
  int64_t version;
  const char* sql;
};

constexpr std::array<Step, 7> kSteps = {{
    {1, "CREATE TABLE coffer_meta (name text PRIMARY KEY, value text NOT NULL)"},
    {2, "CREATE TABLE coffer_kv (key bytea PRIMARY KEY, value bytea NOT NULL, revision bigint NOT NULL)"},
    {3, "CREATE SEQUENCE coffer_revision"},
    {4, "CREATE TABLE coffer_commits (txn uuid PRIMARY KEY, at timestamptz NOT NULL DEFAULT now())"},
    {5,
     "CREATE TABLE coffer_lease (name text PRIMARY KEY, holder text NOT NULL, epoch bigint NOT NULL, "
     "acquired_at timestamptz NOT NULL)"},
    // Replicas that answer from memory, and the transaction id of each
    // write, for the invalidation protocol (pg_coherence.hpp).
    {6,
     "CREATE TABLE coffer_replicas (id uuid PRIMARY KEY, since pg_snapshot NOT NULL, "
     "lease_until timestamptz NOT NULL)"},
    // Writers name their transaction's id themselves: a binary from before
    // the protocol, which would commit without announcing, cannot commit
    // (rows from before it get 0: seen by every replica).
    {7,
     "ALTER TABLE coffer_commits ADD COLUMN xid xid8 NOT NULL DEFAULT '0'; "
     "ALTER TABLE coffer_commits ALTER COLUMN xid DROP DEFAULT"},
}};

Result<std::string> single_text(PgConnection& conn, const char* sql) {
  auto r = conn.exec(sql);
  if (auto* e = std::get_if<PgError>(&r)) return to_status(*e, sql);
  const auto& res = std::get<PgResult>(r);
  if (res.rows() != 1 || res.is_null(0, 0)) return std::string();
  return std::string(res.bytes(0, 0));
}

Result<int64_t> current_version(PgConnection& conn) {
  COFFER_ASSIGN_OR_RETURN(std::string exists, single_text(conn, "SELECT to_regclass('coffer_meta')::text"));
  if (exists.empty()) return int64_t{0};
  COFFER_ASSIGN_OR_RETURN(std::string v,
                          single_text(conn, "SELECT value FROM coffer_meta WHERE name = 'schema_version'"));
  if (v.empty()) return int64_t{0};
  try {
    return static_cast<int64_t>(std::stoll(v));
  } catch (...) {
    return Status(Code::kInternal, "postgres: coffer_meta holds a malformed schema_version '" + v + "'");
  }
}

Status check_durability(PgConnection& conn) {
  COFFER_ASSIGN_OR_RETURN(std::string fsync, single_text(conn, "SHOW fsync"));
  if (fsync != "on") {
    return Status(Code::kBadParameter,
                  "postgres: the server runs with fsync=" + fsync + "; Coffer acknowledges only durable writes");
  }
  COFFER_ASSIGN_OR_RETURN(std::string sync, single_text(conn, "SHOW synchronous_commit"));
  if (sync == "off" || sync == "local") {
    return Status(Code::kBadParameter, "postgres: synchronous_commit=" + sync +
                                           " for Coffer's sessions; it needs on (or remote_write/remote_apply)");
  }
  return Status::Ok();
}

Status apply(PgConnection& conn) {
  COFFER_ASSIGN_OR_RETURN(int64_t version, current_version(conn));
  if (version > latest_schema_version()) {
    return Status(Code::kBadParameter, "postgres: the database's schema version " + std::to_string(version) +
                                           " is newer than this binary knows (" +
                                           std::to_string(latest_schema_version()) + "); upgrade Coffer");
  }
  for (const Step& step : kSteps) {
    if (step.version <= version) continue;
    const std::string record = "INSERT INTO coffer_meta (name, value) VALUES ('schema_version', '" +
                               std::to_string(step.version) +
                               "') ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value";
    if (auto e = conn.run("BEGIN")) return to_status(*e, "BEGIN");
    if (auto e = conn.run(step.sql)) {
      (void)conn.run("ROLLBACK");
      return to_status(*e, "migration " + std::to_string(step.version));
    }
    if (auto e = conn.run(record.c_str())) {
      (void)conn.run("ROLLBACK");
      return to_status(*e, "recording schema version");
    }
    if (auto e = conn.run("COMMIT")) return to_status(*e, "COMMIT of a migration");
  }
  return Status::Ok();
}

}  // namespace

int64_t latest_schema_version() { return kSteps.back().version; }

Status check_schema_current(PgConnection& conn) {
  COFFER_ASSIGN_OR_RETURN(int64_t version, current_version(conn));
  if (version != latest_schema_version()) {
    return Status(Code::kBadParameter, "postgres: the database has schema version " + std::to_string(version) +
                                           "; this coffer reads version " + std::to_string(latest_schema_version()) +
                                           " (start its server first)");
  }
  return Status::Ok();
}

std::string session_settings(bool read_only) {
  std::string settings =
      "SET synchronous_commit = on; SET statement_timeout = '30s'; SET lock_timeout = '10s'; "
      "SET idle_in_transaction_session_timeout = '60s'";
  if (read_only) settings += "; SET default_transaction_read_only = on";
  return settings;
}

Status migrate(PgConnection& conn) {
  COFFER_ASSIGN_OR_RETURN(std::string recovery, single_text(conn, "SELECT pg_is_in_recovery()::text"));
  if (recovery != "false") {
    return Status(Code::kUnavailable,
                  "postgres: the server is a standby (in recovery); Coffer needs the primary "
                  "(target_session_attrs=read-write)");
  }
  COFFER_RETURN_IF_ERROR(check_durability(conn));
  if (auto e = conn.run(kLockMigrations)) return to_status(*e, "taking the migration lock");
  Status st = apply(conn);
  if (auto e = conn.run(kUnlockMigrations); e && st.ok()) st = to_status(*e, "releasing the migration lock");
  return st;
}

}  // namespace coffer::store::postgres
