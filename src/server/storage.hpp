// Where a server's records live: the `storage` setting. Empty (the default)
// is the embedded SQLite database DIR/coffer.db; a libpq URI
// ("postgresql://…", "postgres://…") or key=value conninfo ("host=… dbname=…")
// is PostgreSQL, shared by any number of replicas (store/store.hpp).
// A server on PostgreSQL records that URL, without its password, as
// DIR/storage.json, so offline commands given only --data-dir (`coffer audit
// verify`, `coffer audit hash`) open the same records.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "common/prometheus.hpp"
#include "common/status.hpp"
#include "store/store.hpp"

namespace coffer::server {

bool is_postgres_url(const std::string& storage);
// The URL with any password removed (user:pass@ → user@, password=… dropped).
std::string without_password(const std::string& url);

// The name this replica's audit anchors go under (audit::anchor_key): the
// configured replicaId (1-63 of [A-Za-z0-9._-]), else the one kept in
// DIR/replica-id, made once (r-<12 hex>). Offline commands read it back
// with recorded_replica_id(), "" when the directory has none.
Result<std::string> resolve_replica_id(const std::string& data_dir, const std::string& configured);
std::string recorded_replica_id(const std::string& data_dir);

// Opens the store of a server with data directory `data_dir` and setting
// `storage`, and (PostgreSQL) records it in DIR/storage.json.
// `pool`, `writers` and `lease`: PostgreSQL's connections, group-commit
// threads and answer-from-memory lease (store::PostgresOptions); `metrics`:
// where commit latency and batch sizes go (null = nowhere).
Result<std::unique_ptr<store::Store>> open_server_store(
    const std::string& data_dir, const std::string& storage, std::size_t pool = store::PostgresOptions{}.pool,
    std::size_t writers = store::PostgresOptions{}.writers,
    std::chrono::milliseconds lease = store::PostgresOptions{}.lease, prometheus::Registry* metrics = nullptr);
// Opens the records of the server whose data directory is `data_dir`, for
// offline commands: `storage` when given, else what DIR/storage.json names,
// else DIR/coffer.db, read-only: no migration, no writer (PostgreSQL:
// read-only sessions, a standby will do), so the records a server owns are
// never touched. kNotFound when there is no database there.
Result<std::unique_ptr<store::Store>> open_offline_store(const std::string& data_dir, const std::string& storage = {});

}  // namespace coffer::server
