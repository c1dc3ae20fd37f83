#include "server/audit_setup.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <filesystem>
#include <functional>
#include <optional>
#include <set>

#include "audit/chain.hpp"
#include "crypto/random.hpp"

namespace coffer::server {
namespace fs = std::filesystem;
namespace {

// The sink specs of auditSinks ("file,stdout,…"), trimmed, empty ones left out.
std::vector<std::string_view> sink_specs(std::string_view specs) {
  std::vector<std::string_view> out;
  while (!specs.empty()) {
    const auto comma = specs.find(',');
    std::string_view spec = specs.substr(0, comma);
    specs = comma == std::string_view::npos ? std::string_view() : specs.substr(comma + 1);
    while (!spec.empty() && spec.front() == ' ') spec.remove_prefix(1);
    while (!spec.empty() && spec.back() == ' ') spec.remove_suffix(1);
    if (!spec.empty()) out.push_back(spec);
  }
  return out;
}

// The sealed value under `key`, created with `make` (then sealed) if absent;
// another writer's value wins a race.
Result<SecureString> sealed_once(store::Store& store, crypto::Keyring& keyring, std::string_view key,
                                 const std::function<Result<SecureString>()>& make) {
  COFFER_ASSIGN_OR_RETURN(auto sealed, store::read_value(store, key));
  if (!sealed) {
    COFFER_ASSIGN_OR_RETURN(SecureString fresh, make());
    COFFER_ASSIGN_OR_RETURN(std::string sealed_new, keyring.seal_system(fresh.view(), key));
    COFFER_ASSIGN_OR_RETURN(sealed, store::put_once(store, key, sealed_new));
  }
  auto plain = keyring.open_system(*sealed, key);
  if (!plain.ok()) {
    return Status(Code::kUnavailable,
                  "cannot unseal " + std::string(key) + ": the root key does not belong to this data directory");
  }
  return std::move(*plain);
}

Status write_public_key(const fs::path& path, const std::string& pem) {
  const std::string tmp = path.string() + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Status(Code::kUnavailable, "cannot write " + tmp);
  const bool ok = ::write(fd, pem.data(), pem.size()) == ssize_t(pem.size());
  ::close(fd);
  std::error_code ec;
  if (ok) fs::rename(tmp, path, ec);
  if (!ok || ec) return Status(Code::kUnavailable, "cannot write " + path.string());
  return Status::Ok();
}

}  // namespace

Result<AuditKeys> load_or_create_audit_keys(store::Store& store, crypto::Keyring& keyring) {
  AuditKeys keys;
  COFFER_ASSIGN_OR_RETURN(SecureString pem,
                          sealed_once(store, keyring, kAuditSigningKeyRecord, []() -> Result<SecureString> {
                            COFFER_ASSIGN_OR_RETURN(crypto::Ed25519Key k, crypto::Ed25519Key::generate());
                            SecureString p = k.private_pem();
                            if (p.empty()) return Status(Code::kInternal, "cannot export the audit signing key");
                            return p;
                          }));
  COFFER_ASSIGN_OR_RETURN(crypto::Ed25519Key signer, crypto::Ed25519Key::from_private_pem(pem));
  keys.signer = std::make_shared<const crypto::Ed25519Key>(std::move(signer));
  COFFER_ASSIGN_OR_RETURN(keys.hmac_secret,
                          sealed_once(store, keyring, kAuditHmacKeyRecord,
                                      []() -> Result<SecureString> { return crypto::random_bytes(32); }));
  return keys;
}

Result<SecureString> load_audit_hmac_secret(store::Store& store, crypto::Keyring& keyring) {
  COFFER_ASSIGN_OR_RETURN(auto sealed, store::read_value(store, kAuditHmacKeyRecord));
  if (!sealed) return Status(Code::kNotFound, "this data directory has no audit HMAC key yet (start the server once)");
  auto plain = keyring.open_system(*sealed, kAuditHmacKeyRecord);
  if (!plain.ok()) return Status(Code::kUnavailable, "cannot unseal the audit HMAC key: wrong root key");
  return std::move(*plain);
}

Result<std::optional<audit::Anchor>> read_audit_anchor(store::Store& store, std::string_view sink_id,
                                                       std::string_view replica) {
  COFFER_ASSIGN_OR_RETURN(auto value, store::read_value(store, audit::anchor_key(sink_id, replica)));
  if (!value) return std::optional<audit::Anchor>();
  auto anchor = audit::decode_anchor(*value);
  if (!anchor) return Status(Code::kInternal, "malformed audit anchor for " + std::string(sink_id));
  return anchor;
}

std::string audit_file_path(const ServerConfig& config) {
  for (std::string_view spec : sink_specs(config.audit_sinks)) {
    if (spec == "file") return config.audit_log;
    if (spec.starts_with("file:") && spec.size() > 5) return std::string(spec.substr(5));
  }
  return {};
}

Result<std::unique_ptr<audit::AuditLog>> open_audit_log(const ServerConfig& config, const AuditKeys& keys,
                                                        store::Store* anchors) {
  std::vector<audit::AuditSinkSetup> sinks;
  std::set<fs::path> key_dirs{fs::path(config.data_dir)};
  for (std::string_view spec : sink_specs(config.audit_sinks)) {
    COFFER_ASSIGN_OR_RETURN(auto output, audit::make_output(spec, config.audit_log));
    if (output->id().starts_with("file:")) {
      // Next to regular log files only (not next to /dev/full or a FIFO).
      const fs::path file(output->id().substr(5));
      std::error_code ec;
      const auto type = fs::status(file, ec).type();
      if (type == fs::file_type::regular || type == fs::file_type::not_found) key_dirs.insert(file.parent_path());
    }
    SecureString key = audit::sink_hmac_key(keys.hmac_secret.view(), spec);
    sinks.push_back({std::move(output), std::move(key)});
  }
  if (sinks.empty()) return Status(Code::kBadParameter, "auditSinks names no sink.");
  for (const auto& dir : key_dirs) {
    const fs::path p = (dir.empty() ? fs::path(".") : dir) / kAuditPublicKeyFile;
    if (Status st = write_public_key(p, keys.signer->public_pem()); !st.ok()) {
      // A sink directory we cannot write to fails its sink later; the data directory must work.
      if (dir == fs::path(config.data_dir)) return st;
    }
  }
  audit::AuditLogOptions options;
  options.require_all = config.audit_require_all;
  options.write_timeout = std::chrono::milliseconds(config.audit_write_timeout_ms);
  options.checkpoint_records = config.audit_checkpoint_records;
  options.checkpoint_interval = std::chrono::seconds(config.audit_checkpoint_seconds);
  if (anchors) {
    options.anchor = [anchors, replica = config.replica_id](const std::string& sink_id, const audit::Anchor& anchor) {
      const std::string key = audit::anchor_key(sink_id, replica), value = audit::encode_anchor(anchor);
      // Anchors are read back only by `coffer audit verify`: no cache holds them.
      return anchors->write_uncached([&](store::WriteTxn& txn) { return txn.put(key, value); });
    };
  }
  return std::make_unique<audit::AuditLog>(options, std::move(sinks), keys.signer);
}

}  // namespace coffer::server
