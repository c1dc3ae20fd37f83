#include "server/server_config.hpp"

#include <boost/json.hpp>
#include <charconv>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>

namespace coffer::server {
namespace json = boost::json;
namespace {

// One option: its file key, its environment variable and how to set it from text.
struct Option {
  const char* key;
  const char* env;
  std::function<Status(ServerConfig&, const std::string&)> set;
};

Status parse_unsigned(const std::string& key, const std::string& text, uint64_t max, uint64_t& out) {
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  if (ec != std::errc() || ptr != text.data() + text.size() || out > max) {
    return Status(Code::kBadParameter, "Option " + key + " must be an integer up to " + std::to_string(max) + ".");
  }
  return Status::Ok();
}

Status parse_bool(const std::string& key, const std::string& text, bool& out) {
  if (text == "true" || text == "1")
    out = true;
  else if (text == "false" || text == "0")
    out = false;
  else
    return Status(Code::kBadParameter, "Option " + key + " must be true or false.");
  return Status::Ok();
}

template <typename T>
std::function<Status(ServerConfig&, const std::string&)> number(const char* key, T ServerConfig::*field, uint64_t max) {
  return [=](ServerConfig& c, const std::string& v) {
    uint64_t n = 0;
    COFFER_RETURN_IF_ERROR(parse_unsigned(key, v, max, n));
    c.*field = T(n);
    return Status::Ok();
  };
}

std::function<Status(ServerConfig&, const std::string&)> text(std::string ServerConfig::*field) {
  return [=](ServerConfig& c, const std::string& v) {
    c.*field = v;
    return Status::Ok();
  };
}

std::function<Status(ServerConfig&, const std::string&)> flag(const char* key, bool ServerConfig::*field) {
  return [=](ServerConfig& c, const std::string& v) { return parse_bool(key, v, c.*field); };
}

const std::vector<Option>& options() {
  static const std::vector<Option> all = {
      {"dataDir", "COFFER_DATA_DIR", text(&ServerConfig::data_dir)},
      {"storage", "COFFER_STORAGE_URL", text(&ServerConfig::storage)},
      {"replicaId", "COFFER_REPLICA_ID", text(&ServerConfig::replica_id)},
      {"storagePool", "COFFER_STORAGE_POOL", number("storagePool", &ServerConfig::storage_pool, 256)},
      {"storageWriters", "COFFER_STORAGE_WRITERS", number("storageWriters", &ServerConfig::storage_writers, 16)},
      {"storageLeaseMs", "COFFER_STORAGE_LEASE_MS", number("storageLeaseMs", &ServerConfig::storage_lease_ms, 60000)},
      {"listen", "COFFER_LISTEN", text(&ServerConfig::listen)},
      {"tlsCertFile", "COFFER_TLS_CERT_FILE", text(&ServerConfig::tls_cert_file)},
      {"tlsKeyFile", "COFFER_TLS_KEY_FILE", text(&ServerConfig::tls_key_file)},
      {"seal", "COFFER_SEAL", text(&ServerConfig::seal)},
      {"hsmLib", "COFFER_HSM_LIB", text(&ServerConfig::hsm_lib)},
      {"hsmTokenLabel", "COFFER_HSM_TOKEN_LABEL", text(&ServerConfig::hsm_token_label)},
      {"hsmKeyLabel", "COFFER_HSM_KEY_LABEL", text(&ServerConfig::hsm_key_label)},
      {"hsmPinFile", "COFFER_HSM_PIN_FILE", text(&ServerConfig::hsm_pin_file)},
      {"hsmPreviousLib", "COFFER_HSM_PREVIOUS_LIB", text(&ServerConfig::hsm_previous_lib)},
      {"hsmPreviousTokenLabel", "COFFER_HSM_PREVIOUS_TOKEN_LABEL", text(&ServerConfig::hsm_previous_token_label)},
      {"hsmPreviousPinFile", "COFFER_HSM_PREVIOUS_PIN_FILE", text(&ServerConfig::hsm_previous_pin_file)},
      {"eventsCaFile", "COFFER_EVENTS_CA_FILE", text(&ServerConfig::events_ca_file)},
      {"eventsAllowPrivateEndpoints", "COFFER_EVENTS_ALLOW_PRIVATE_ENDPOINTS",
       flag("eventsAllowPrivateEndpoints", &ServerConfig::events_allow_private_endpoints)},
      {"metricsListen", "COFFER_METRICS_LISTEN", text(&ServerConfig::metrics_listen)},
      {"rootKeyFile", "COFFER_ROOT_KEY_FILE", text(&ServerConfig::root_key_file)},
      {"rootKeyEnv", "COFFER_ROOT_KEY_ENV", text(&ServerConfig::root_key_env)},
      {"dnsSuffix", "COFFER_DNS_SUFFIX", text(&ServerConfig::dns_suffix)},
      {"defaultVault", "COFFER_DEFAULT_VAULT", text(&ServerConfig::default_vault)},
      {"authority", "COFFER_AUTHORITY", text(&ServerConfig::authority)},
      {"auditLog", "COFFER_AUDIT_LOG", text(&ServerConfig::audit_log)},
      {"auditSinks", "COFFER_AUDIT_SINKS", text(&ServerConfig::audit_sinks)},
      {"auditRequireAll", "COFFER_AUDIT_REQUIRE_ALL", flag("auditRequireAll", &ServerConfig::audit_require_all)},
      {"auditCheckpointRecords", "COFFER_AUDIT_CHECKPOINT_RECORDS",
       number("auditCheckpointRecords", &ServerConfig::audit_checkpoint_records, 1000000)},
      {"auditCheckpointSeconds", "COFFER_AUDIT_CHECKPOINT_SECONDS",
       number("auditCheckpointSeconds", &ServerConfig::audit_checkpoint_seconds, 86400)},
      {"auditWriteTimeoutMs", "COFFER_AUDIT_WRITE_TIMEOUT_MS",
       number("auditWriteTimeoutMs", &ServerConfig::audit_write_timeout_ms, 600000)},
      {"maxBodyBytes", "COFFER_MAX_BODY_BYTES", number("maxBodyBytes", &ServerConfig::max_body_bytes, 64u << 20)},
      {"maxConnections", "COFFER_MAX_CONNECTIONS", number("maxConnections", &ServerConfig::max_connections, 1000000)},
      {"firstRequestTimeoutSeconds", "COFFER_FIRST_REQUEST_TIMEOUT_SECONDS",
       number("firstRequestTimeoutSeconds", &ServerConfig::first_request_timeout_seconds, 3600)},
      {"ioThreads", "COFFER_IO_THREADS", number("ioThreads", &ServerConfig::io_threads, 256)},
      {"workerThreads", "COFFER_WORKER_THREADS", number("workerThreads", &ServerConfig::worker_threads, 1024)},
      {"maintenanceIntervalSeconds", "COFFER_MAINTENANCE_INTERVAL_SECONDS",
       number("maintenanceIntervalSeconds", &ServerConfig::maintenance_interval_seconds, 86400)},
      {"testClock", "COFFER_TEST_CLOCK", flag("testClock", &ServerConfig::test_clock)},
      {"emulateHsm", "COFFER_EMULATE_HSM", flag("emulateHsm", &ServerConfig::emulate_hsm)},
      {"oidcCaFile", "COFFER_OIDC_CA_FILE", text(&ServerConfig::oidc_ca_file)},
      {"oidcJwksFiles", "COFFER_OIDC_JWKS_FILES", text(&ServerConfig::oidc_jwks_files)},
      {"oidcJwksCacheSeconds", "COFFER_OIDC_JWKS_CACHE_SECONDS",
       number("oidcJwksCacheSeconds", &ServerConfig::oidc_jwks_cache_seconds, 86400)},
  };
  return all;
}

}  // namespace

Status apply_config_file(const std::string& path, ServerConfig& config) {
  if (path.empty()) return Status::Ok();
  std::ifstream in(path);
  if (!in) return Status(Code::kBadParameter, "Cannot read config file " + path + ".");
  std::stringstream ss;
  ss << in.rdbuf();
  boost::system::error_code ec;
  json::value v = json::parse(ss.str(), ec);
  if (ec || !v.is_object()) return Status(Code::kBadParameter, "Config file " + path + " is not a JSON object.");
  for (const auto& kv : v.get_object()) {
    const Option* opt = nullptr;
    for (const auto& o : options()) {
      if (kv.key() == o.key) opt = &o;
    }
    if (!opt) return Status(Code::kBadParameter, "Unknown option '" + std::string(kv.key()) + "' in " + path + ".");
    std::string text;
    if (kv.value().is_string())
      text = std::string(kv.value().get_string());
    else if (kv.value().is_bool())
      text = kv.value().get_bool() ? "true" : "false";
    else if (kv.value().is_int64())
      text = std::to_string(kv.value().get_int64());
    else
      return Status(Code::kBadParameter, "Option '" + std::string(kv.key()) + "' has an unsupported type.");
    COFFER_RETURN_IF_ERROR(opt->set(config, text));
  }
  return Status::Ok();
}

Status apply_environment(ServerConfig& config) {
  for (const auto& o : options()) {
    if (const char* v = std::getenv(o.env)) COFFER_RETURN_IF_ERROR(o.set(config, v));
  }
  return Status::Ok();
}

Status validate(const ServerConfig& c) {
  if (c.test_clock && !c.dev) return Status(Code::kBadParameter, "--test-clock is only allowed with --dev.");
  if (c.max_body_bytes < 1024) return Status(Code::kBadParameter, "maxBodyBytes must be at least 1024.");
  if (c.storage_pool == 0) return Status(Code::kBadParameter, "storagePool must be positive.");
  if (c.storage_writers == 0 || c.storage_writers > c.storage_pool) {
    return Status(Code::kBadParameter, "storageWriters must be between 1 and storagePool.");
  }
  if (c.storage_lease_ms < 100) return Status(Code::kBadParameter, "storageLeaseMs must be between 100 and 60000.");
  if (c.max_connections == 0 || c.first_request_timeout_seconds == 0) {
    return Status(Code::kBadParameter, "maxConnections and firstRequestTimeoutSeconds must be positive.");
  }
  if (c.audit_checkpoint_records == 0 || c.audit_checkpoint_seconds == 0 || c.audit_write_timeout_ms == 0) {
    return Status(Code::kBadParameter,
                  "auditCheckpointRecords, auditCheckpointSeconds and auditWriteTimeoutMs must be positive.");
  }
  if (c.seal != "keyfile" && c.seal != "shamir" && c.seal != "pkcs11") {
    return Status(Code::kBadParameter,
                  "seal must be 'keyfile', 'shamir' or 'pkcs11', not '" + c.seal.substr(0, 40) + "'.");
  }
  if (!c.root_key_file.empty() && !c.root_key_env.empty()) {
    return Status(Code::kBadParameter, "rootKeyFile and rootKeyEnv exclude each other: name one key source.");
  }
  if (c.seal == "pkcs11" && (c.hsm_lib.empty() || c.hsm_token_label.empty() || c.hsm_key_label.empty())) {
    return Status(Code::kBadParameter, "The pkcs11 seal needs hsmLib, hsmTokenLabel and hsmKeyLabel.");
  }
  if (c.hsm_previous_lib.empty() != c.hsm_previous_token_label.empty()) {
    return Status(Code::kBadParameter, "The previous HSM needs both hsmPreviousLib and hsmPreviousTokenLabel.");
  }
  if (c.dev) return Status::Ok();
  if (c.tls_cert_file.empty() || c.tls_key_file.empty()) {
    return Status(Code::kBadParameter,
                  "Refusing to start: TLS material is required outside dev mode (tlsCertFile and tlsKeyFile, or "
                  "COFFER_TLS_CERT_FILE and COFFER_TLS_KEY_FILE).");
  }
  if (c.seal == "keyfile" && c.root_key_file.empty() == c.root_key_env.empty()) {
    return Status(Code::kBadParameter,
                  "Refusing to start: exactly one root key source is required outside dev mode (rootKeyFile or "
                  "rootKeyEnv).");
  }
  return Status::Ok();
}

}  // namespace coffer::server
