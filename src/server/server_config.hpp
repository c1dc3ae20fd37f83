// ServerConfig: every setting of `coffer server`, from (lowest to highest
// precedence) defaults, a JSON config file (--config), COFFER_* environment
// variables and command-line flags. Each option's file key and variable are
// listed in README.md; load_config() reports unknown file keys and bad
// values as kBadParameter instead of ignoring them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "common/status.hpp"

namespace coffer::server {

struct ServerConfig {
  bool dev = false;
  std::string data_dir = "./coffer-data";  // dataDir / COFFER_DATA_DIR
  std::string storage;                     // storage / COFFER_STORAGE_URL: empty = DIR/coffer.db, or a PostgreSQL URL
  std::string replica_id;  // replicaId / COFFER_REPLICA_ID: this replica's name (PostgreSQL; default: DIR/replica-id)
  unsigned storage_pool = 8;         // storagePool / COFFER_STORAGE_POOL: PostgreSQL connections for transactions
  unsigned storage_writers = 1;      // storageWriters / COFFER_STORAGE_WRITERS: PostgreSQL group-commit threads
  unsigned storage_lease_ms = 2000;  // storageLeaseMs / COFFER_STORAGE_LEASE_MS: PostgreSQL answer-from-memory lease
  std::string listen = "localhost:8443";  // listen / COFFER_LISTEN
  std::string tls_cert_file;              // tlsCertFile / COFFER_TLS_CERT_FILE (chain, leaf first)
  std::string tls_key_file;               // tlsKeyFile / COFFER_TLS_KEY_FILE
  std::string seal = "keyfile";           // seal / COFFER_SEAL: keyfile | shamir | pkcs11 (README "Seal")
  // The pkcs11 seal (README "Seal"); the PIN comes from COFFER_HSM_PIN, else hsmPinFile.
  std::string hsm_lib;          // hsmLib / COFFER_HSM_LIB: the PKCS#11 module
  std::string hsm_token_label;  // hsmTokenLabel / COFFER_HSM_TOKEN_LABEL
  std::string hsm_key_label;    // hsmKeyLabel / COFFER_HSM_KEY_LABEL: the seal key (AES-256)
  std::string hsm_pin_file;     // hsmPinFile / COFFER_HSM_PIN_FILE
  // The HSM a pkcs11 seal moves from (README "Seal"); the key is the one the
  // seal records; the PIN comes from COFFER_HSM_PREVIOUS_PIN, else hsmPreviousPinFile.
  std::string hsm_previous_lib;          // hsmPreviousLib / COFFER_HSM_PREVIOUS_LIB
  std::string hsm_previous_token_label;  // hsmPreviousTokenLabel / COFFER_HSM_PREVIOUS_TOKEN_LABEL
  std::string hsm_previous_pin_file;     // hsmPreviousPinFile / COFFER_HSM_PREVIOUS_PIN_FILE
  std::string events_ca_file;  // eventsCaFile / COFFER_EVENTS_CA_FILE: trust for webhook receivers (else the system's)
  bool events_allow_private_endpoints = false;  // eventsAllowPrivateEndpoints: webhooks on loopback/private addresses
  // metricsListen / COFFER_METRICS_LISTEN: "host:port" of the plain-HTTP /metrics listener; empty = off.
  std::string metrics_listen;
  std::string root_key_file;                   // rootKeyFile / COFFER_ROOT_KEY_FILE
  std::string root_key_env;                    // rootKeyEnv / COFFER_ROOT_KEY_ENV: name of a variable holding base64
  std::string dns_suffix = "vault.localhost";  // dnsSuffix / COFFER_DNS_SUFFIX
  std::string default_vault;                   // defaultVault / COFFER_DEFAULT_VAULT ("dev" in dev mode)
  std::string authority;                       // authority / COFFER_AUTHORITY (default https://localhost:<port>)
  std::string audit_log;                       // auditLog / COFFER_AUDIT_LOG (default <dataDir>/audit.log)
  // Audit (README "Audit"):
  std::string audit_sinks = "file";          // auditSinks / COFFER_AUDIT_SINKS: file|file:PATH|stdout|unix:PATH[,…]
  bool audit_require_all = false;            // auditRequireAll / COFFER_AUDIT_REQUIRE_ALL
  unsigned audit_checkpoint_records = 1000;  // auditCheckpointRecords / COFFER_AUDIT_CHECKPOINT_RECORDS
  unsigned audit_checkpoint_seconds = 60;    // auditCheckpointSeconds / COFFER_AUDIT_CHECKPOINT_SECONDS
  unsigned audit_write_timeout_ms = 2000;    // auditWriteTimeoutMs / COFFER_AUDIT_WRITE_TIMEOUT_MS
  std::size_t max_body_bytes = 1024 * 1024;  // maxBodyBytes / COFFER_MAX_BODY_BYTES
  std::size_t max_connections = 10000;       // maxConnections / COFFER_MAX_CONNECTIONS
  unsigned first_request_timeout_seconds = 10;  // firstRequestTimeoutSeconds / COFFER_FIRST_REQUEST_TIMEOUT_SECONDS
  unsigned io_threads = 0;                      // ioThreads / COFFER_IO_THREADS (0 = one per core)
  unsigned worker_threads = 32;                 // workerThreads / COFFER_WORKER_THREADS
  unsigned maintenance_interval_seconds = 60;   // maintenanceIntervalSeconds / COFFER_MAINTENANCE_INTERVAL_SECONDS
  bool test_clock = false;                      // testClock / COFFER_TEST_CLOCK (dev mode only)
  bool emulate_hsm = false;  // emulateHsm / COFFER_EMULATE_HSM: accept -HSM key types with software keys
  // Workload identity (README "Workload identity"):
  std::string oidc_ca_file;                 // oidcCaFile / COFFER_OIDC_CA_FILE (default: system store)
  std::string oidc_jwks_files;              // oidcJwksFiles / COFFER_OIDC_JWKS_FILES: ISSUER=PATH[,…]
  unsigned oidc_jwks_cache_seconds = 3600;  // oidcJwksCacheSeconds / COFFER_OIDC_JWKS_CACHE_SECONDS
};

// Applies the JSON file at `path` (no-op when empty) onto `config`.
Status apply_config_file(const std::string& path, ServerConfig& config);
// Applies the COFFER_* environment variables onto `config`.
Status apply_environment(ServerConfig& config);
// Checks the combination: production mode needs TLS material, and a root key
// source exactly when the seal is the key file; the test clock is refused
// outside dev mode.
Status validate(const ServerConfig& config);

}  // namespace coffer::server
