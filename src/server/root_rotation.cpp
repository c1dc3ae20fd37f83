#include "server/root_rotation.hpp"

#include <spdlog/spdlog.h>

#include "auth/server_identity.hpp"
#include "auth/users.hpp"
#include "server/audit_setup.hpp"

namespace coffer::server {
namespace {

// Seals `record` (its name is its associated data) again under the active
// generation; false when it is absent or already there.
Result<bool> reseal_record(store::Store& store, crypto::Keyring& keyring, std::string_view record) {
  bool changed = false;
  COFFER_RETURN_IF_ERROR(store.write([&](store::WriteTxn& txn) -> Status {
    changed = false;
    COFFER_ASSIGN_OR_RETURN(auto entry, txn.get(record));
    if (!entry || keyring.under_active_generation(entry->value)) return Status::Ok();
    COFFER_ASSIGN_OR_RETURN(std::string resealed, keyring.reseal_system(entry->value, record));
    changed = true;
    return txn.put_if(record, resealed, entry->revision);
  }));
  return changed;
}

// Everything under the root key, wrapped again under the active generation.
Status rewrap_all(crypto::Keyring& keyring, vault::VaultRegistry& vaults, store::Store& store, api::RootRotation& out) {
  COFFER_ASSIGN_OR_RETURN(out.keks_rewrapped, vaults.rewrap_keks());
  for (std::string_view record : {auth::kSigningKeyRecord, kAuditSigningKeyRecord, kAuditHmacKeyRecord}) {
    COFFER_ASSIGN_OR_RETURN(bool resealed, reseal_record(store, keyring, record));
    out.records_resealed += resealed ? 1 : 0;
  }
  COFFER_ASSIGN_OR_RETURN(const int totp_secrets, auth::reseal_totp_secrets(store, keyring));
  out.records_resealed += totp_secrets;
  return Status::Ok();
}

}  // namespace

Status retire_old_root_generations(seal::SealState& seal, crypto::Keyring& keyring, vault::VaultRegistry& vaults,
                                   store::Store& store, int64_t now, const TokenOpener& open_token) {
  if (seal.generations_held() <= 1) return Status::Ok();
  api::RootRotation caught;
  COFFER_RETURN_IF_ERROR(rewrap_all(keyring, vaults, store, caught));
  auto dropped = seal.retire_generations(now, kRootRetirementGraceSeconds);
  if (!dropped.ok() && dropped.status().reason() == "UnsealKeyNotHeld" && open_token) {
    auto token = open_token();  // the HSM only once the grace period is over
    if (!token.ok()) {
      spdlog::warn("cannot retire old root key generations yet: {}", token.status().message());
      return Status::Ok();
    }
    dropped = seal.retire_generations(now, kRootRetirementGraceSeconds, token->get());
  }
  if (!dropped.ok()) {
    const std::string reason = dropped.status().reason();
    if (reason == "NotYet" || reason == "UnsealKeyNotHeld") return Status::Ok();  // later, or after a restart
    return dropped.status();
  }
  if (*dropped > 0) {
    keyring.retire_below(seal.active_generation());
    spdlog::info("retired {} old root key generation(s); generation {} is the only one left", *dropped,
                 seal.active_generation());
  }
  return Status::Ok();
}

Result<api::RootRotation> rotate_root_key(seal::SealState& seal, crypto::Keyring& keyring, vault::VaultRegistry& vaults,
                                          store::Store& store) {
  COFFER_ASSIGN_OR_RETURN(seal::RootKeys keys, seal.rotate_root());
  api::RootRotation out;
  out.generation = keys.rbegin()->first;
  COFFER_RETURN_IF_ERROR(keyring.adopt(std::move(keys), out.generation));
  COFFER_RETURN_IF_ERROR(rewrap_all(keyring, vaults, store, out));
  return out;
}

}  // namespace coffer::server
