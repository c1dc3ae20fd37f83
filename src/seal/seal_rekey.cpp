// SealState's rekey (SEAL-SPEC.md §1.7: new unseal or recovery shares for a
// quorum of the current ones, verified or not) and seal migration (§1.9: a
// rekey whose result is another model, or at once from a key file).
#include <csignal>

#include "common/failpoint.hpp"
#include "crypto/random.hpp"
#include "seal/seal_state.hpp"
#include "seal/seal_state_internal.hpp"

namespace coffer::seal {
using namespace detail;

SealState::RekeyStatus SealState::rekey_status() const {
  MutexLock lock(mu_);
  RekeyStatus st;
  st.started = !rekey_nonce_.empty();
  st.nonce = rekey_nonce_;
  st.progress = int(rekey_parts_.size());
  st.verifying = pending_config_.has_value();
  st.threshold = share_set(st.verifying ? *pending_config_ : records_ ? records_->config : SealConfig{}).first;
  st.new_shares = rekey_shares_;
  st.new_threshold = rekey_threshold_;
  st.verify = rekey_verify_;
  st.migrate_to = migrate_to_;
  return st;
}

void SealState::rekey_clear_locked() {
  rekey_nonce_.clear();
  rekey_parts_.clear();
  rekey_shares_ = rekey_threshold_ = 0;
  rekey_verify_ = false;
  migrate_to_.reset();
  migrate_file_key_.clear();
  pending_key_.clear();
  pending_config_.reset();
  pending_blob_.clear();
}

Status SealState::begin_rekey_locked() {
  if (keys_.empty()) return Status(Code::kConflict, "Unseal the server first.", "Sealed");
  if (!rekey_nonce_.empty()) {
    return Status(Code::kConflict, "A rekey is already in progress; cancel it first.", "RekeyInProgress");
  }
  rekey_clear_locked();
  rekey_nonce_ = crypto::new_guid();
  return Status::Ok();
}

Result<SealState::RekeyStatus> SealState::rekey_start(int shares, int threshold, bool verify) {
  COFFER_RETURN_IF_ERROR(check_counts(shares, threshold));
  {
    MutexLock lock(mu_);
    COFFER_RETURN_IF_ERROR(share_set_locked().status());
    COFFER_RETURN_IF_ERROR(begin_rekey_locked());
    rekey_shares_ = shares;
    rekey_threshold_ = threshold;
    rekey_verify_ = verify;
  }
  return rekey_status();
}

void SealState::rekey_cancel() {
  MutexLock lock(mu_);
  rekey_clear_locked();
}

Result<std::vector<SecureString>> SealState::rekey_submit(std::string_view nonce, std::string_view share_text,
                                                          const TokenOpener& open_token) {
  MutexLock lock(mu_);
  if (rekey_nonce_.empty()) return Status(Code::kConflict, "No rekey is in progress.", "NoRekey");
  if (pending_config_) {
    return Status(Code::kConflict, "The new shares are out: hand them back through verification.", "RekeyVerifying");
  }
  if (!constant_time_equal(nonce, rekey_nonce_)) {
    return bad_parameter("The nonce does not name the rekey in progress.");
  }
  COFFER_ASSIGN_OR_RETURN(auto set, share_set_locked());
  COFFER_ASSIGN_OR_RETURN(auto decoded, decode_share(share_text, set.second));
  for (const auto& p : rekey_parts_) {
    if (p.x == decoded.x && constant_time_equal(p.y.view(), decoded.y.view())) return std::vector<SecureString>{};
  }
  rekey_parts_.push_back(std::move(decoded));
  if (int(rekey_parts_.size()) < set.first) return std::vector<SecureString>{};
  auto combined = crypto::shamir::combine(rekey_parts_);
  rekey_parts_.clear();
  SealConfig config = records_->config;
  const bool recovery = config.type == SealType::kPkcs11;
  std::unique_ptr<Pkcs11Token> token;
  if (recovery || migrate_to_ == SealType::kPkcs11) {
    COFFER_ASSIGN_OR_RETURN(token, open_hsm(open_token));
    COFFER_RETURN_IF_ERROR(check_seal_key_locked(*token));
  }
  // The quorum is proven when the combined key is the recovery key the HSM
  // keeps encrypted (pkcs11), or opens the root keys now stored (shamir).
  if (!combined.ok()) return invalid_shares(config.type);
  std::optional<RootKeys> stored;
  if (recovery) {
    COFFER_RETURN_IF_ERROR(prove_recovery_locked(*combined, *token));
  } else {
    auto opened = open_root_keys(*combined, config.cluster_id, records_->root_blob);
    if (!opened.ok()) return invalid_shares(config.type);
    stored = std::move(*opened);
  }
  if (migrate_to_) {
    COFFER_RETURN_IF_ERROR(complete_migration_locked(*combined, token.get()));
    rekey_clear_locked();
    return std::vector<SecureString>{};
  }
  SecureString new_key = crypto::random_bytes(kKeySize);
  COFFER_ASSIGN_OR_RETURN(auto parts, crypto::shamir::split(new_key.view(), rekey_shares_, rekey_threshold_));
  std::uint32_t keyset_id = random_u32();
  while (keyset_id == set.second) keyset_id = random_u32();
  Result<std::string> blob = Status(Code::kInternal, "unset");
  if (recovery) {
    config.recovery_shares = rekey_shares_;
    config.recovery_threshold = rekey_threshold_;
    config.recovery_keyset_id = keyset_id;
    blob = token->encrypt(new_key.view(), recovery_associated_data(config.cluster_id));
  } else {
    config.shares = rekey_shares_;
    config.threshold = rekey_threshold_;
    config.keyset_id = keyset_id;
    blob = seal_root_keys(new_key, config.cluster_id, *stored);
  }
  if (!blob.ok()) return blob.status();
  std::vector<SecureString> out = encode_shares(keyset_id, parts);
  if (rekey_verify_) {  // nothing is written until the new shares come back
    pending_key_ = std::move(new_key);
    pending_config_ = config;
    pending_blob_ = std::move(*blob);
    rekey_nonce_ = crypto::new_guid();
    return out;
  }
  COFFER_RETURN_IF_ERROR(write_rekeyed_locked(config, *blob));
  if (!recovery) unseal_key_ = std::move(new_key);
  rekey_clear_locked();
  return out;
}

Status SealState::write_rekeyed_locked(const SealConfig& config, const std::string& blob) {
  // Fault injection (SEAL-SPEC.md §3 S6): the process killed on either side of the commit.
  if (failpoint("rekey_kill_before_commit")) std::raise(SIGKILL);
  COFFER_RETURN_IF_ERROR(config.type == SealType::kPkcs11
                             ? write_recovery(store_, config, blob, records_->revision)
                             : write_seal_records(store_, config, blob, records_->revision));
  if (failpoint("rekey_kill_after_commit")) std::raise(SIGKILL);
  COFFER_ASSIGN_OR_RETURN(records_, read_seal_records(store_));
  if (!records_) return Status(Code::kInternal, "seal/config vanished");
  return Status::Ok();
}

Result<SealState::RekeyStatus> SealState::migration_start(SealType target, SecureString file_key) {
  {
    MutexLock lock(mu_);
    COFFER_ASSIGN_OR_RETURN(auto set, share_set_locked());  // keyfile: SealTypeMismatch; pkcs11: NoRecoveryKeys
    (void)set;
    if (target == records_->config.type) {
      return bad_parameter(std::string("The seal is '") + seal_type_name(target) +
                           "' already; new shares of the same model come from a rekey.");
    }
    if (target == SealType::kKeyfile && file_key.size() != kKeySize) {
      return bad_parameter("The key file must hold exactly 32 bytes.");
    }
    COFFER_RETURN_IF_ERROR(begin_rekey_locked());
    migrate_to_ = target;
    migrate_file_key_ = std::move(file_key);
  }
  return rekey_status();
}

Status SealState::write_migrated_locked(const SealConfig& config, const std::string& root_blob,
                                        const std::string& recovery_blob) {
  COFFER_RETURN_IF_ERROR(write_seal_records(store_, config, root_blob, records_->revision, recovery_blob));
  COFFER_ASSIGN_OR_RETURN(records_, read_seal_records(store_));
  if (!records_) return Status(Code::kInternal, "seal/config vanished");
  return Status::Ok();
}

Status SealState::complete_migration_locked(const SecureString& proven_key, Pkcs11Token* token) {
  const SealConfig old = records_->config;
  SealConfig config = old;
  config.type = *migrate_to_;
  config.shares = config.threshold = 0;
  config.keyset_id = 0;
  config.recovery_shares = config.recovery_threshold = 0;
  config.recovery_keyset_id = 0;
  config.hsm_key_label.clear();
  config.hsm_token_label.clear();
  const SecureString plain = encode_root_keys(keys_);
  std::string root_blob;
  std::string recovery_blob;
  SecureString unseal_key;
  if (config.type == SealType::kPkcs11) {  // from shamir: U becomes the recovery key
    COFFER_ASSIGN_OR_RETURN(root_blob, token->encrypt(plain.view(), root_associated_data(config.cluster_id)));
    COFFER_ASSIGN_OR_RETURN(recovery_blob,
                            token->encrypt(proven_key.view(), recovery_associated_data(config.cluster_id)));
    config.recovery_shares = old.shares;
    config.recovery_threshold = old.threshold;
    config.recovery_keyset_id = old.keyset_id;
    record_hsm_key(config, *token);
  } else if (config.type == SealType::kShamir) {  // from pkcs11: the recovery key becomes U
    unseal_key = proven_key;
    COFFER_ASSIGN_OR_RETURN(root_blob, seal_root_keys(unseal_key, config.cluster_id, keys_));
    config.shares = old.recovery_shares;
    config.threshold = old.recovery_threshold;
    config.keyset_id = old.recovery_keyset_id;
  } else {  // to keyfile
    unseal_key = migrate_file_key_;
    COFFER_ASSIGN_OR_RETURN(root_blob, seal_root_keys(unseal_key, config.cluster_id, keys_));
  }
  COFFER_RETURN_IF_ERROR(write_migrated_locked(config, root_blob, recovery_blob));
  unseal_key_ = std::move(unseal_key);
  return Status::Ok();
}

Result<std::vector<SecureString>> SealState::migrate_from_keyfile(SealType target, int shares, int threshold,
                                                                  Pkcs11Token* token) {
  COFFER_RETURN_IF_ERROR(check_counts(shares, threshold));
  if (target == SealType::kKeyfile) return bad_parameter("The seal is 'keyfile' already.");
  if (target == SealType::kPkcs11 && !token) {
    return Status(Code::kConflict, "Moving the seal to an HSM takes the HSM's settings in the configuration.",
                  "HsmNotConfigured");
  }
  const SecureString new_key = crypto::random_bytes(kKeySize);
  COFFER_ASSIGN_OR_RETURN(auto parts, crypto::shamir::split(new_key.view(), shares, threshold));
  MutexLock lock(mu_);
  if (!records_ || records_->config.type != SealType::kKeyfile) {
    return Status(Code::kConflict,
                  "Only a keyfile seal moves on an admin's word; other seals move with a quorum of their shares.",
                  "SealTypeMismatch");
  }
  if (keys_.empty() || unseal_key_.empty()) {
    return Status(Code::kConflict, "Unseal the server before migrating its seal.", "Sealed");
  }
  if (!rekey_nonce_.empty()) {
    return Status(Code::kConflict, "A rekey is in progress; cancel it first.", "RekeyInProgress");
  }
  SealConfig config = records_->config;
  config.type = target;
  std::uint32_t keyset_id = random_u32();
  std::string root_blob;
  std::string recovery_blob;
  if (target == SealType::kShamir) {
    config.shares = shares;
    config.threshold = threshold;
    config.keyset_id = keyset_id;
    COFFER_ASSIGN_OR_RETURN(root_blob, seal_root_keys(new_key, config.cluster_id, keys_));
  } else {
    COFFER_ASSIGN_OR_RETURN(root_blob,
                            token->encrypt(encode_root_keys(keys_).view(), root_associated_data(config.cluster_id)));
    COFFER_ASSIGN_OR_RETURN(recovery_blob, token->encrypt(new_key.view(), recovery_associated_data(config.cluster_id)));
    config.recovery_shares = shares;
    config.recovery_threshold = threshold;
    config.recovery_keyset_id = keyset_id;
    record_hsm_key(config, *token);
  }
  COFFER_RETURN_IF_ERROR(write_migrated_locked(config, root_blob, recovery_blob));
  if (target == SealType::kShamir) {
    unseal_key_ = new_key;
  } else {
    unseal_key_.clear();  // the HSM holds the key now
  }
  return encode_shares(keyset_id, parts);
}

Result<bool> SealState::rekey_verify(std::string_view nonce, std::string_view share_text) {
  MutexLock lock(mu_);
  if (!pending_config_) return Status(Code::kConflict, "No rekey is waiting for verification.", "NoRekey");
  if (!constant_time_equal(nonce, rekey_nonce_)) {
    return bad_parameter("The nonce does not name the verification in progress.");
  }
  const auto set = share_set(*pending_config_);
  COFFER_ASSIGN_OR_RETURN(auto decoded, crypto::shamir::decode(share_text, kKeySize));
  if (decoded.keyset_id != set.second) {
    return bad_parameter("Verification takes the new shares (key set " + std::to_string(set.second) +
                         "), not key set " + std::to_string(decoded.keyset_id) + ".");
  }
  for (const auto& p : rekey_parts_) {
    if (p.x == decoded.share.x && constant_time_equal(p.y.view(), decoded.share.y.view())) return false;
  }
  rekey_parts_.push_back(std::move(decoded.share));
  if (int(rekey_parts_.size()) < set.first) return false;
  auto combined = crypto::shamir::combine(rekey_parts_);
  rekey_parts_.clear();
  if (!combined.ok() || !constant_time_equal(combined->view(), pending_key_.view())) {
    return Status(Code::kBadParameter,
                  "Invalid shares: they do not rebuild the new key; verification is "
                  "back to 0.",
                  "InvalidShares");
  }
  COFFER_RETURN_IF_ERROR(write_rekeyed_locked(*pending_config_, pending_blob_));
  if (records_->config.type != SealType::kPkcs11) unseal_key_ = std::move(pending_key_);
  rekey_clear_locked();
  return true;
}

}  // namespace coffer::seal
