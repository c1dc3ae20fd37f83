// The PostgreSQL store's schema, forward-only. migrate() runs at start on a
// connection to the primary (refused on a server in recovery: no DDL on a
// standby), under a session advisory lock so concurrently starting replicas
// migrate once; each step runs in its own transaction with the version it
// reaches. A database whose version is newer than this binary knows is
// refused untouched. It also refuses a server that would acknowledge writes
// it may lose: fsync off, or synchronous_commit not on for our sessions.
//
// Tables: coffer_kv (key bytea PRIMARY KEY — bytewise order, as the Store
// interface promises —, value bytea, revision bigint from coffer_revision),
// coffer_meta (name → value: schema_version), coffer_commits (the id of each
// committed write transaction, for resolving a COMMIT whose answer was lost),
// coffer_lease (the job leader: holder and fencing epoch, pg_leadership.hpp).
#pragma once

#include <cstdint>
#include <string>

#include "common/status.hpp"
#include "store/postgres/pg_connection.hpp"

namespace coffer::store::postgres {

int64_t latest_schema_version();
Status migrate(PgConnection& conn);
// For a read-only store: the database's schema is exactly this build's.
Status check_schema_current(PgConnection& conn);
// The session settings every connection runs first (read_only: every
// transaction of the session is read-only, enforced by the database).
std::string session_settings(bool read_only = false);

}  // namespace coffer::store::postgres
