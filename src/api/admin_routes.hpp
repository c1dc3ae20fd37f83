// Coffer's own admin API on the bare host, under /coffer/admin/ (bearer
// token for the authority audience, authorized like every other request):
//   GET    /coffer/admin/vaults                      list vaults
//   PUT    /coffer/admin/vaults/{name}               create {retentionDays?, purgeProtection?} → 201
//   GET    /coffer/admin/vaults/{name}               show (with its ARM resource group and location,
//                                                    and whether RBAC or access policies authorize it)
//   DELETE /coffer/admin/vaults/{name}               delete the vault and all its objects → 204
//                                                    (403 under purge protection while it holds any)
//   GET    /coffer/admin/service-principals          list
//   POST   /coffer/admin/service-principals          create {displayName} → 201 with clientSecret
//   DELETE /coffer/admin/service-principals/{id}     delete → 204
//   POST   /coffer/admin/service-principals/{id}/reset-credential → new clientSecret
//   POST   /coffer/admin/clock/advance {seconds}     test clock only: advance, run maintenance
//   POST   /coffer/admin/seal                        seal this server → 204
//   POST   /coffer/admin/rotate-root                 a new root key generation
//   POST   /coffer/admin/recovery-keys {secretShares, secretThreshold}
//                                                    pkcs11 seal: recovery shares, once → {keys, keysetId, n, t}
//   POST   /coffer/admin/rekey {secretShares, secretThreshold, verify?}
//                                                    start a rekey (its quorum then comes through the sys
//                                                    routes: server/seal_gate.hpp) → the rekey's progress
//   DELETE /coffer/admin/rekey                       cancel the rekey in progress → its progress
//   POST   /coffer/admin/seal/migrate {seal, secretShares?, secretThreshold?}
//                                                    move the seal to another model: from keyfile at once
//                                                    → {complete, seal, keys, keysetId}; else a rekey the
//                                                    quorum completes → its progress (migrateTo)
#pragma once

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <optional>

#include "api/operation.hpp"
#include "auth/service_principals.hpp"
#include "common/clock.hpp"
#include "vault/scheduler.hpp"
#include "vault/vault_registry.hpp"
#include "vault/vault_removal.hpp"

namespace coffer::api {

// A root-key rotation's outcome (server/root_rotation.hpp).
struct RootRotation {
  int generation = 0;                // now active
  std::size_t keks_rewrapped = 0;    // vault KEKs
  std::size_t records_resealed = 0;  // server-wide records sealed under the root key
};

// Recovery shares just generated (seal/seal_state.hpp): shown once.
struct RecoveryShares {
  std::vector<SecureString> keys;
  std::uint32_t keyset_id = 0;
};

// A rekey's progress (seal/seal_state.hpp), as the admin and sys routes show it.
struct RekeyProgress {
  bool started = false;
  std::string nonce;
  int progress = 0;   // shares handed in
  int threshold = 0;  // shares needed
  int new_shares = 0;
  int new_threshold = 0;
  bool verify = false;
  std::string migrate_to;  // a seal migration: the model it moves to; empty for a rekey
};
boost::json::object rekey_progress_json(const RekeyProgress& p);

// {secretShares: N, secretThreshold: K, verify?} of init, rekey and recovery
// shares, each 1..255 (the seal checks K ≤ N and the other limits).
struct ShareCounts {
  int shares = 0;
  int threshold = 0;
  bool verify = false;
};
Result<ShareCounts> parse_share_counts(const boost::json::object& body);
// Shares as the JSON array of their texts (answers carrying them are sensitive).
boost::json::array shares_json(const std::vector<SecureString>& shares);

// A seal migration's answer: done at once (from keyfile, with the new
// shares), or a rekey begun that a quorum of shares completes.
struct SealMigration {
  bool complete = false;
  std::vector<SecureString> keys;  // complete: the new unseal or recovery shares
  std::uint32_t keyset_id = 0;
  RekeyProgress progress;  // not complete
};

// The seal's operations offered by the admin API (server/ provides them);
// an empty one turns its route off.
struct SealAdmin {
  std::function<void()> request_seal;
  std::function<Result<RootRotation>()> rotate_root;
  std::function<Result<RecoveryShares>(int shares, int threshold)> generate_recovery;  // pkcs11 only
  std::function<Result<RekeyProgress>(const ShareCounts&)> start_rekey;
  std::function<RekeyProgress()> cancel_rekey;
  // (target model "keyfile" | "shamir" | "pkcs11", share counts when given).
  std::function<Result<SealMigration>(const std::string&, const std::optional<ShareCounts>&)> migrate;
};

struct AdminContext {
  vault::VaultRegistry& vaults;
  vault::VaultRemoval& removal;  // deletes a vault with its objects and the access granted on it
  vault::MaintenanceScheduler& maintenance;
  auth::ServicePrincipalRegistry& principals;
  ManualClock* test_clock;  // null unless the server runs with --test-clock
  // https://<name>.<suffix>[:port] for a vault name.
  std::function<std::string(const std::string&)> vault_url;
  const SealAdmin& seal;
  std::string audit_file = {};  // searched by GET audit; empty: this server keeps no audit file
};

// `segments` start after "coffer", "admin".
std::optional<Operation> route_admin(const http::Request& req, const std::vector<std::string>& segments,
                                     const AdminContext& ctx);

}  // namespace coffer::api
