// Shared helpers for the audit unit tests: sample records, temp dirs, keys.
#pragma once

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "audit/audit_record.hpp"
#include "crypto/ed25519_key.hpp"

namespace coffer::audit::testing {

inline AuditRecord sample_record(int i) {
  AuditRecord r;
  r.time_ms = 1'700'000'000'000 + i;
  r.operation_name = i % 2 ? "SecretGet" : "SecretSet";
  r.result_type = "Success";
  r.http_status = 200;
  r.request_id = "req-" + std::to_string(i);
  r.caller_object_id = "oid-" + std::to_string(i % 3);
  r.caller_app_id = "app";
  r.client_info = "azsdk-python/4.0";
  r.correlation_id = "corr-" + std::to_string(i);
  r.request_uri = "https://dev.vault.localhost:8443/secrets/s" + std::to_string(i) + "?api-version=7.4";
  r.vault = "dev";
  return r;
}

inline std::shared_ptr<const crypto::Ed25519Key> test_signer() {
  static auto key = std::make_shared<const crypto::Ed25519Key>(crypto::Ed25519Key::generate().value());
  return key;
}

class TempDir {
 public:
  TempDir() {
    static int n = 0;
    path_ = std::filesystem::temp_directory_path() /
            ("coffer-audit-test-" + std::to_string(::getpid()) + "-" + std::to_string(n++));
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

inline std::vector<std::string> read_lines(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> out;
  std::string line;
  while (std::getline(in, line)) out.push_back(line);
  return out;
}

inline void write_lines(const std::string& path, const std::vector<std::string>& lines) {
  std::ofstream out(path, std::ios::trunc | std::ios::binary);
  for (const auto& l : lines) out << l << '\n';
}

}  // namespace coffer::audit::testing
