#include "server/storage.hpp"

#include <boost/json.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

namespace coffer::server {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;

constexpr const char* kStorageFile = "storage.json";

Status record_storage(const std::string& data_dir, const std::string& url) {
  const fs::path path = fs::path(data_dir) / kStorageFile;
  const fs::path tmp = fs::path(data_dir) / "storage.json.tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << json::serialize(json::object{{"storage", without_password(url)}}) << "\n";
    if (!out) return Status(Code::kUnavailable, "cannot write " + tmp.string());
  }
  std::error_code ec;
  fs::rename(tmp, path, ec);
  if (ec) return Status(Code::kUnavailable, "cannot write " + path.string() + ": " + ec.message());
  return Status::Ok();
}

}  // namespace

Result<std::string> resolve_replica_id(const std::string& data_dir, const std::string& configured) {
  auto valid = [](const std::string& id) {
    return !id.empty() && id.size() <= 63 &&
           id.find_first_not_of(
               "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
               "0123456789._-") == std::string::npos;
  };
  const fs::path path = fs::path(data_dir) / "replica-id";
  std::string id = configured.empty() ? recorded_replica_id(data_dir) : configured;
  if (id.empty()) {
    std::random_device rd;
    char hex[13];
    std::snprintf(hex, sizeof hex, "%06x%06x", rd() & 0xffffff, rd() & 0xffffff);
    id = std::string("r-") + hex;
  }
  if (!valid(id)) return Status(Code::kBadParameter, "replicaId must be 1-63 of A-Z a-z 0-9 . _ -");
  if (recorded_replica_id(data_dir) != id) {
    std::ofstream out(path, std::ios::trunc);
    out << id << "\n";
    if (!out) return Status(Code::kUnavailable, "cannot write " + path.string());
  }
  return id;
}

std::string recorded_replica_id(const std::string& data_dir) {
  std::ifstream in(fs::path(data_dir) / "replica-id");
  std::string id;
  std::getline(in, id);
  return id;
}

bool is_postgres_url(const std::string& s) {
  return s.rfind("postgresql://", 0) == 0 || s.rfind("postgres://", 0) == 0 || s.find('=') != std::string::npos;
}

std::string without_password(const std::string& url) {
  std::string out = url;
  if (const auto scheme = out.find("://"); scheme != std::string::npos) {
    const auto at = out.find('@', scheme + 3);
    const auto slash = out.find('/', scheme + 3);
    if (at != std::string::npos && (slash == std::string::npos || at < slash)) {
      const auto colon = out.find(':', scheme + 3);
      if (colon != std::string::npos && colon < at) out.erase(colon, at - colon);
    }
    // A password among the query parameters.
    for (auto p = out.find("password="); p != std::string::npos; p = out.find("password=")) {
      auto end = out.find('&', p);
      out.erase(p, end == std::string::npos ? std::string::npos : end + 1 - p);
    }
    while (!out.empty() && (out.back() == '&' || out.back() == '?')) out.pop_back();
    return out;
  }
  // key=value conninfo: drop password=… (quoted or not).
  std::string kept;
  std::istringstream words(out);
  for (std::string word; words >> word;) {
    if (word.rfind("password=", 0) == 0) continue;
    kept += (kept.empty() ? "" : " ") + word;
  }
  return kept;
}

Result<std::unique_ptr<store::Store>> open_server_store(const std::string& data_dir, const std::string& storage,
                                                        std::size_t pool, std::size_t writers,
                                                        std::chrono::milliseconds lease,
                                                        prometheus::Registry* metrics) {
  if (storage.empty() || storage == "sqlite") {
    std::error_code ec;
    fs::remove(fs::path(data_dir) / kStorageFile, ec);  // this directory's records are local again
    store::SqliteOptions options;
    options.path = (fs::path(data_dir) / "coffer.db").string();
    options.metrics = metrics;
    return store::open_sqlite_store(options);
  }
  if (!is_postgres_url(storage)) {
    return Status(Code::kBadParameter,
                  "storage must be empty (SQLite in the data directory) or a PostgreSQL URL "
                  "(postgresql://user@host:port/db?…); got '" +
                      without_password(storage) + "'");
  }
  store::PostgresOptions options;
  options.url = storage;
  options.pool = pool;
  options.writers = writers;
  options.lease = lease;
  options.metrics = metrics;
  COFFER_ASSIGN_OR_RETURN(auto store, store::open_postgres_store(options));
  COFFER_RETURN_IF_ERROR(record_storage(data_dir, storage));
  return store;
}

namespace {

Result<std::unique_ptr<store::Store>> open_postgres_read_only(std::string url) {
  store::PostgresOptions options;
  options.url = std::move(url);
  options.pool = 1;
  options.read_only = true;
  return store::open_postgres_store(options);
}

}  // namespace

Result<std::unique_ptr<store::Store>> open_offline_store(const std::string& data_dir, const std::string& storage) {
  if (!storage.empty() && storage != "sqlite") {
    if (!is_postgres_url(storage)) return Status(Code::kBadParameter, "storage must be a PostgreSQL URL");
    return open_postgres_read_only(storage);
  }
  const fs::path recorded = fs::path(data_dir) / kStorageFile;
  if (storage.empty() && fs::exists(recorded)) {
    std::ifstream in(recorded);
    std::stringstream ss;
    ss << in.rdbuf();
    boost::system::error_code ec;
    auto doc = json::parse(ss.str(), ec);
    const auto* url = !ec && doc.is_object() ? doc.as_object().if_contains("storage") : nullptr;
    if (!url || !url->is_string()) return Status(Code::kBadParameter, recorded.string() + " is malformed");
    return open_postgres_read_only(std::string(url->as_string()));
  }
  const fs::path db = fs::path(data_dir) / "coffer.db";
  if (!fs::exists(db)) return Status(Code::kNotFound, "No database at " + db.string() + ".");
  store::SqliteOptions options;
  options.path = db.string();
  options.readers = 1;
  options.read_only = true;
  return store::open_sqlite_store(options);
}

}  // namespace coffer::server
