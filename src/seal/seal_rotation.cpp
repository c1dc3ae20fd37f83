// SealState's root-key rotation (SEAL-SPEC.md §1.8): a new generation
// chained under the one before it, the generations a running server
// follows, and the retirement of the older ones.
#include "crypto/random.hpp"
#include "seal/seal_state.hpp"
#include "seal/seal_state_internal.hpp"

namespace coffer::seal {
using namespace detail;

Result<RootKeys> SealState::rotate_root() {
  MutexLock lock(mu_);
  if (keys_.empty() || !records_)
    return Status(Code::kConflict, "Unseal the server before rotating its root key.", "Sealed");
  COFFER_ASSIGN_OR_RETURN(records_, read_seal_records(store_));  // rotate from the newest generation
  if (!records_) return Status(Code::kInternal, "seal/config vanished");
  COFFER_RETURN_IF_ERROR(follow_upgrades_locked(keys_));
  SealConfig config = records_->config;
  const int next = config.active_generation + 1;
  SecureString key = crypto::random_bytes(kKeySize);
  COFFER_ASSIGN_OR_RETURN(std::string upgrade,
                          seal_upgrade(keys_.at(config.active_generation), config.cluster_id, next, key));
  config.active_generation = next;
  config.rotated_at = clock_.now();
  COFFER_RETURN_IF_ERROR(write_rotation(store_, config, upgrade, records_->revision));
  COFFER_ASSIGN_OR_RETURN(records_, read_seal_records(store_));
  keys_.emplace(next, std::move(key));
  return keys_;
}

Result<RootKeys> SealState::refresh() {
  MutexLock lock(mu_);
  if (keys_.empty() || !records_) return Status(Code::kUnavailable, "Coffer is sealed.");
  COFFER_ASSIGN_OR_RETURN(int64_t revision, store::current_revision(store_, kSealConfigKey));
  if (revision != records_->revision) {
    COFFER_ASSIGN_OR_RETURN(auto records, read_seal_records(store_));
    if (!records) return Status(Code::kInternal, "seal/config vanished");
    records_ = std::move(records);
    COFFER_RETURN_IF_ERROR(follow_upgrades_locked(keys_));
  }
  return keys_;
}

int SealState::generations_held() const {
  MutexLock lock(mu_);
  return int(keys_.size());
}

Result<int> SealState::retire_generations(int64_t now, int64_t grace_seconds, Pkcs11Token* token) {
  MutexLock lock(mu_);
  if (keys_.empty() || !records_) return Status(Code::kConflict, "Coffer is sealed.", "Sealed");
  COFFER_ASSIGN_OR_RETURN(records_, read_seal_records(store_));
  if (!records_) return Status(Code::kInternal, "seal/config vanished");
  COFFER_RETURN_IF_ERROR(follow_upgrades_locked(keys_));
  const SealConfig& config = records_->config;
  const int active = config.active_generation;
  if (keys_.size() == 1) return 0;  // nothing older is held
  if (now - config.rotated_at < grace_seconds) {
    return Status(Code::kConflict, "The last rotation is too recent for every server to have followed it.", "NotYet");
  }
  const std::string ad = root_associated_data(config.cluster_id);
  const bool by_token = unseal_key_.empty() && token != nullptr && config.type == SealType::kPkcs11;
  if (unseal_key_.empty() && !by_token) {
    return Status(Code::kConflict, "Retiring root key generations rewrites seal/root, which takes the unseal key.",
                  "UnsealKeyNotHeld");
  }
  Result<RootKeys> stored = Status(Code::kInternal, "unset");
  if (by_token) {
    COFFER_RETURN_IF_ERROR(check_seal_key_locked(*token));
    auto plain = token->decrypt(records_->root_blob, ad);
    stored = plain.ok() ? decode_root_keys(*plain) : Result<RootKeys>(plain.status());
  } else {
    stored = open_root_keys(unseal_key_, config.cluster_id, records_->root_blob);
  }
  if (!stored.ok()) {
    return Status(
        Code::kConflict,
        "The unseal key (or HSM key) this server holds no longer opens seal/root: " + stored.status().message(),
        "UnsealKeyNotHeld");
  }
  if (stored->size() == 1 && stored->count(active) == 1) return 0;  // another server retired them
  RootKeys kept;
  kept.emplace(active, keys_.at(active));
  Result<std::string> blob = by_token ? token->encrypt(encode_root_keys(kept).view(), ad)
                                      : seal_root_keys(unseal_key_, config.cluster_id, kept);
  if (!blob.ok()) return blob.status();
  COFFER_RETURN_IF_ERROR(write_retirement(store_, config, *blob, records_->revision));
  COFFER_ASSIGN_OR_RETURN(records_, read_seal_records(store_));
  const int dropped = int(keys_.size()) - 1;
  keys_ = std::move(kept);
  return dropped;
}

}  // namespace coffer::seal
