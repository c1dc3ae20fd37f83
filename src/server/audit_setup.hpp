// The audit log of a running server: its keys and its sinks.
//
// Two server-wide secrets are created once and kept in the store only
// sealed under the root key, like the token-signing key:
//   config/audit-signing-key  Ed25519 private key (PEM) that signs checkpoints
//   config/audit-hmac-key     32 random bytes; each sink's HMAC key is
//                             derived from it and the sink's spec as written
//                             in auditSinks ("file", "stdout", …; chain.hpp)
// The signing key's public half is written as audit-signing-key.pub next to
// every file sink and in the data directory, for offline verification.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "audit/anchor.hpp"
#include "audit/audit_log.hpp"
#include "common/secure_memory.hpp"
#include "common/status.hpp"
#include "crypto/ed25519_key.hpp"
#include "crypto/keyring.hpp"
#include "server/server_config.hpp"
#include "store/store.hpp"

namespace coffer::server {

inline constexpr const char* kAuditPublicKeyFile = "audit-signing-key.pub";

struct AuditKeys {
  std::shared_ptr<const crypto::Ed25519Key> signer;
  SecureString hmac_secret;
};

// Loads the audit keys, creating what is missing.
Result<AuditKeys> load_or_create_audit_keys(store::Store& store, crypto::Keyring& keyring);
// The records holding the sealed audit keys (signing key, HMAC secret); the
// associated data of each is its name.
inline constexpr std::string_view kAuditSigningKeyRecord = "config/audit-signing-key";
inline constexpr std::string_view kAuditHmacKeyRecord = "config/audit-hmac-key";
// Loads the HMAC secret only (for `coffer audit hash`); kNotFound if the
// server never created it.
Result<SecureString> load_audit_hmac_secret(store::Store& store, crypto::Keyring& keyring);

// Builds the AuditLog of `config` (auditSinks, auditLog, …) and writes the
// public key files. `config.audit_log` must already be resolved. With
// `anchors`, every sink's latest checkpoint is recorded there under
// audit::anchor_key(sink id, config.replica_id); `anchors` must outlive the log.
// The file the first file sink of auditSinks writes ("file" or "file:PATH"); empty when none.
std::string audit_file_path(const ServerConfig& config);

Result<std::unique_ptr<audit::AuditLog>> open_audit_log(const ServerConfig& config, const AuditKeys& keys,
                                                        store::Store* anchors = nullptr);

// The anchor recorded for the sink `sink_id` of `replica` ("" for a server
// alone on its store), nullopt if none.
Result<std::optional<audit::Anchor>> read_audit_anchor(store::Store& store, std::string_view sink_id,
                                                       std::string_view replica = {});

}  // namespace coffer::server
