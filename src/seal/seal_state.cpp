// SealState: the states, unseal by each model, init and recovery shares.
// Rekey and migration: seal_rekey.cpp; root-key rotation: seal_rotation.cpp.
#include "seal/seal_state.hpp"

#include "crypto/random.hpp"
#include "seal/seal_state_internal.hpp"

namespace coffer::seal {
using namespace detail;
namespace {

constexpr int64_t kProgressTimeoutSeconds = 15 * 60;

// Whether the store holds records other than the seal's: data written under
// a key file before seals existed, which a new root key could not open.
Result<bool> holds_data(store::Store& store) {
  bool found = false;
  COFFER_RETURN_IF_ERROR(store.read([&](store::ReadTxn& txn) -> Status {
    std::string after;
    while (!found) {
      COFFER_ASSIGN_OR_RETURN(auto entries, txn.scan("", after, 16));
      for (const auto& e : entries) found = found || e.key.rfind("seal/", 0) != 0;
      if (entries.size() < 16) break;
      after = entries.back().key;
    }
    return Status::Ok();
  }));
  return found;
}

Status refuse_if_holds_data(store::Store& store) {
  COFFER_ASSIGN_OR_RETURN(bool data, holds_data(store));
  if (!data) return Status::Ok();
  return Status(Code::kConflict,
                "This store already holds data sealed by a key file: start it with the keyfile seal (its key file "
                "becomes root key generation 1), then move it to shares.",
                "StoreNotEmpty");
}

}  // namespace

SealState::SealState(store::Store& store, const Clock& clock) : store_(store), clock_(clock) {}

Status SealState::load() {
  COFFER_ASSIGN_OR_RETURN(auto records, read_seal_records(store_));
  MutexLock lock(mu_);
  records_ = std::move(records);
  return Status::Ok();
}

SealStatus SealState::status() const {
  MutexLock lock(mu_);
  SealStatus s;
  s.initialized = records_.has_value();
  s.sealed = keys_.empty();
  s.last_error = last_error_;
  if (!records_) return s;
  const SealConfig& c = records_->config;
  s.type = c.type;
  s.recovery_seal = c.type == SealType::kPkcs11;
  s.shares = s.recovery_seal ? c.recovery_shares : c.shares;
  s.threshold = s.recovery_seal ? c.recovery_threshold : c.threshold;
  s.keyset_id = s.recovery_seal ? c.recovery_keyset_id : c.keyset_id;
  s.cluster_id = records_->config.cluster_id;
  s.hsm_key_label = records_->config.hsm_key_label;
  s.hsm_token_label = records_->config.hsm_token_label;
  const bool expired = !parts_.empty() && clock_.now() - last_part_at_ > kProgressTimeoutSeconds;
  s.progress = expired ? 0 : int(parts_.size());
  s.nonce = expired ? "" : nonce_;
  return s;
}

Status SealState::follow_upgrades_locked(RootKeys& keys) {
  const int active = records_->config.active_generation;
  while (!keys.empty() && keys.rbegin()->first < active) {
    const int next = keys.rbegin()->first + 1;
    COFFER_ASSIGN_OR_RETURN(auto blob, read_upgrade(store_, next));
    if (!blob) {
      return Status(Code::kInternal, "root key generation " + std::to_string(next) +
                                         " is active but seal/root-upgrade/" + std::to_string(next) + " is missing");
    }
    COFFER_ASSIGN_OR_RETURN(SecureString key,
                            open_upgrade(keys.rbegin()->second, records_->config.cluster_id, next, *blob));
    keys.emplace(next, std::move(key));
  }
  if (keys.count(active) == 0) return Status(Code::kInternal, "seal/root lacks the active root key generation");
  return Status::Ok();
}

Status SealState::adopt_locked(RootKeys keys) {
  COFFER_RETURN_IF_ERROR(follow_upgrades_locked(keys));
  keys_ = std::move(keys);
  last_error_.clear();
  return Status::Ok();
}

Status SealState::open_locked(const SecureString& unseal_key) {
  COFFER_ASSIGN_OR_RETURN(RootKeys keys, open_root_keys(unseal_key, records_->config.cluster_id, records_->root_blob));
  COFFER_RETURN_IF_ERROR(adopt_locked(std::move(keys)));
  unseal_key_ = unseal_key;
  return Status::Ok();
}

Status SealState::initialize_locked(SealType type, RootKeys keys,
                                    const std::function<Result<std::string>(SealConfig&, const RootKeys&)>& seal_keys) {
  if (type != SealType::kKeyfile)
    COFFER_RETURN_IF_ERROR(refuse_if_holds_data(store_));  // a new root key would open none of it
  SealConfig config;
  config.cluster_id = crypto::new_guid();
  config.type = type;
  COFFER_ASSIGN_OR_RETURN(std::string blob, seal_keys(config, keys));
  Status st = write_seal_records(store_, config, blob, 0);
  if (st.code() != Code::kConflict) COFFER_RETURN_IF_ERROR(st);  // kConflict: another server initialized it: use that
  COFFER_ASSIGN_OR_RETURN(records_, read_seal_records(store_));
  if (!records_) return Status(Code::kInternal, "seal/config vanished after initialization");
  return Status::Ok();
}

Status SealState::unseal_with_key(const SecureString& file_key) {
  if (file_key.size() != kKeySize) return bad_parameter("The key file must hold exactly 32 bytes.");
  MutexLock lock(mu_);
  if (!records_) {
    RootKeys keys;
    keys.emplace(1, file_key);  // today's stores: the file key is the root key, generation 1
    COFFER_RETURN_IF_ERROR(initialize_locked(
        SealType::kKeyfile, std::move(keys),
        [&](const SealConfig& c, const RootKeys& k) { return seal_root_keys(file_key, c.cluster_id, k); }));
  }
  if (records_->config.type != SealType::kKeyfile) return mismatch_locked("a key file");
  Status st = open_locked(file_key);
  if (!st.ok()) last_error_ = st.message();
  return st;
}

Status SealState::unseal_with_token(Pkcs11Token& token, const KeyOpener& open_key) {
  MutexLock lock(mu_);
  if (!records_) {
    RootKeys keys;
    keys.emplace(1, crypto::random_bytes(kKeySize));
    COFFER_RETURN_IF_ERROR(initialize_locked(SealType::kPkcs11, std::move(keys), [&](SealConfig& c, const RootKeys& k) {
      record_hsm_key(c, token);
      return token.encrypt(encode_root_keys(k).view(), root_associated_data(c.cluster_id));
    }));
  }
  if (records_->config.type != SealType::kPkcs11) return mismatch_locked("an HSM");
  Status st =
      written_with(records_->config, token) ? open_with_token_locked(token) : move_seal_key_locked(token, open_key);
  if (st.ok() && (records_->config.hsm_key_label.empty() || records_->config.hsm_token_label.empty())) {
    // A store from before the key (or its token) was recorded: record it, so a later change finds this one.
    SealConfig config = records_->config;
    record_hsm_key(config, token);
    Status recorded_now = write_seal_records(store_, config, records_->root_blob, records_->revision);
    if (recorded_now.code() != Code::kConflict) st = recorded_now;  // kConflict: another server did
    if (st.ok()) {
      auto reread = read_seal_records(store_);
      if (!reread.ok())
        st = reread.status();
      else
        records_ = std::move(*reread);
    }
  }
  if (!st.ok()) last_error_ = st.message();
  return st;
}

Status SealState::move_seal_key_locked(Pkcs11Token& token, const KeyOpener& open_key) {
  const SealConfig& current = records_->config;
  // A store that recorded no token was written in the configured one.
  const std::string earlier_token = current.hsm_token_label.empty() ? token.token_label() : current.hsm_token_label;
  const std::string earlier = hsm_key_name(earlier_token, current.hsm_key_label);
  const std::string configured = hsm_key_name(token.token_label(), token.key_label());
  if (!open_key) {
    return Status(Code::kConflict, "The seal is written with HSM " + earlier + ", not with " + configured + ".",
                  "SealKeyChanged");
  }
  auto old_key = open_key(earlier_token, current.hsm_key_label);
  if (!old_key.ok()) {
    return Status(old_key.status().code(),
                  "The seal is written with HSM " + earlier + ", which is needed once to move it to " + configured +
                      ": " + old_key.status().message(),
                  old_key.status().reason());
  }
  COFFER_ASSIGN_OR_RETURN(SecureString root_plain,
                          (*old_key)->decrypt(records_->root_blob, root_associated_data(current.cluster_id)));
  COFFER_ASSIGN_OR_RETURN(RootKeys keys, decode_root_keys(root_plain));
  std::optional<std::string> recovery_blob;
  if (!records_->recovery_blob.empty()) {
    const std::string ad = recovery_associated_data(current.cluster_id);
    COFFER_ASSIGN_OR_RETURN(SecureString recovery_plain, (*old_key)->decrypt(records_->recovery_blob, ad));
    COFFER_ASSIGN_OR_RETURN(recovery_blob, token.encrypt(recovery_plain.view(), ad));
  }
  COFFER_ASSIGN_OR_RETURN(std::string root_blob,
                          token.encrypt(root_plain.view(), root_associated_data(current.cluster_id)));
  SealConfig config = current;
  record_hsm_key(config, token);
  Status written = write_seal_records(store_, config, root_blob, records_->revision,
                                      recovery_blob ? std::optional<std::string_view>(*recovery_blob) : std::nullopt);
  if (written.code() == Code::kConflict) {  // another server moved it (or changed the seal) meanwhile: look again
    COFFER_ASSIGN_OR_RETURN(records_, read_seal_records(store_));
    if (!records_) return Status(Code::kInternal, "seal/config vanished");
    if (written_with(records_->config, token)) return open_with_token_locked(token);
    return written;
  }
  COFFER_RETURN_IF_ERROR(written);
  COFFER_ASSIGN_OR_RETURN(records_, read_seal_records(store_));
  if (!records_) return Status(Code::kInternal, "seal/config vanished");
  return adopt_locked(std::move(keys));
}

Status SealState::open_with_token_locked(Pkcs11Token& token) {
  COFFER_ASSIGN_OR_RETURN(SecureString plain,
                          token.decrypt(records_->root_blob, root_associated_data(records_->config.cluster_id)));
  COFFER_ASSIGN_OR_RETURN(RootKeys keys, decode_root_keys(plain));
  return adopt_locked(std::move(keys));
}

Status SealState::check_seal_key_locked(const Pkcs11Token& token) const {
  const SealConfig& c = records_->config;
  if (written_with(c, token)) return Status::Ok();
  return Status(Code::kConflict,
                "The seal is written with HSM " + hsm_key_name(c.hsm_token_label, c.hsm_key_label) +
                    ", not with the configured " + hsm_key_name(token.token_label(), token.key_label()) +
                    ": restart the server to move it to the configured key.",
                "SealKeyChanged");
}

Status SealState::mismatch_locked(const std::string& what) const {
  return Status(
      Code::kConflict,
      std::string("This store is sealed with '") + seal_type_name(records_->config.type) + "', not with " + what + ".",
      "SealTypeMismatch");
}

void SealState::note_error(std::string message) {
  MutexLock lock(mu_);
  last_error_ = std::move(message);
}

Result<std::vector<SecureString>> SealState::init_shamir(int shares, int threshold) {
  const SecureString unseal_key = crypto::random_bytes(kKeySize);
  COFFER_ASSIGN_OR_RETURN(auto parts, crypto::shamir::split(unseal_key.view(), shares, threshold));
  MutexLock lock(mu_);
  if (records_) {
    return Status(Code::kConflict,
                  std::string("This server is already initialized (seal '") + seal_type_name(records_->config.type) +
                      "'); Shamir shares get new ones through rekey.",
                  "AlreadyInitialized");
  }
  RootKeys keys;
  keys.emplace(1, crypto::random_bytes(kKeySize));
  const std::uint32_t keyset_id = random_u32();
  COFFER_RETURN_IF_ERROR(initialize_locked(SealType::kShamir, keys, [&](SealConfig& c, const RootKeys& k) {
    c.shares = shares;
    c.threshold = threshold;
    c.keyset_id = keyset_id;
    return seal_root_keys(unseal_key, c.cluster_id, k);
  }));
  if (records_->config.keyset_id != keyset_id) {  // another server initialized it first
    return Status(Code::kConflict, "Another server initialized this store meanwhile.", "AlreadyInitialized");
  }
  keys_ = std::move(keys);
  unseal_key_ = unseal_key;
  drop_progress_locked();
  return encode_shares(keyset_id, parts);
}

Result<std::pair<int, std::uint32_t>> SealState::share_set_locked() const {
  if (!records_) {
    return Status(Code::kConflict, "This server is not initialized: run 'coffer operator init'.", "NotInitialized");
  }
  const auto set = share_set(records_->config);
  if (set.first > 0) return set;
  if (records_->config.type == SealType::kPkcs11) {
    return Status(Code::kConflict,
                  "This server has no recovery shares: generate them with 'coffer operator generate-recovery'.",
                  "NoRecoveryKeys");
  }
  return Status(Code::kConflict, "This server's seal (keyfile) takes no shares.", "SealTypeMismatch");
}

Result<crypto::shamir::Share> SealState::decode_share(std::string_view share_text, std::uint32_t keyset_id) {
  COFFER_ASSIGN_OR_RETURN(auto decoded, crypto::shamir::decode(share_text, kKeySize));
  if (decoded.keyset_id != keyset_id) {
    return bad_parameter("That share belongs to key set " + std::to_string(decoded.keyset_id) +
                         "; the current key set is " + std::to_string(keyset_id) + ".");
  }
  return std::move(decoded.share);
}

Status SealState::prove_recovery_locked(const SecureString& recovery_key, Pkcs11Token& token) const {
  auto stored = token.decrypt(records_->recovery_blob, recovery_associated_data(records_->config.cluster_id));
  if (!stored.ok()) {
    return Status(Code::kConflict, "The HSM key does not open seal/recovery: " + stored.status().message(),
                  "RecoveryUnreadable");
  }
  if (!constant_time_equal(stored->view(), recovery_key.view())) return invalid_shares(SealType::kPkcs11);
  return Status::Ok();
}

Status SealState::submit_share(std::string_view share_text, const TokenOpener& open_token) {
  MutexLock lock(mu_);
  COFFER_ASSIGN_OR_RETURN(auto set, share_set_locked());
  if (!keys_.empty()) return Status::Ok();  // already unsealed: nothing to do
  if (!parts_.empty() && clock_.now() - last_part_at_ > kProgressTimeoutSeconds) drop_progress_locked();
  auto decoded = decode_share(share_text, set.second);
  if (!decoded.ok() && decoded.status().code() == Code::kBadParameter) {
    // Another server may have rekeyed since this one read the seal: look again before refusing.
    COFFER_ASSIGN_OR_RETURN(auto current, read_seal_records(store_));
    if (current && share_set(current->config) != set) {
      records_ = std::move(current);
      drop_progress_locked();
      COFFER_ASSIGN_OR_RETURN(set, share_set_locked());
      decoded = decode_share(share_text, set.second);
    }
  }
  if (!decoded.ok()) return decoded.status();
  for (const auto& p : parts_) {
    if (p.x == decoded->x && constant_time_equal(p.y.view(), decoded->y.view())) return Status::Ok();
  }
  if (parts_.empty()) nonce_ = crypto::new_guid();
  parts_.push_back(std::move(*decoded));
  last_part_at_ = clock_.now();
  if (int(parts_.size()) < set.first) return Status::Ok();
  // At the threshold the parts are dropped whether they work or not.
  auto combined = crypto::shamir::combine(parts_);
  drop_progress_locked();
  const SealType type = records_->config.type;
  if (type == SealType::kShamir) {
    if (!combined.ok() || !open_locked(*combined).ok()) {
      last_error_ = "invalid shares: they do not open the root keys";
      return invalid_shares(type);
    }
    return Status::Ok();
  }
  // pkcs11: the recovery key authorizes; the HSM opens the root keys.
  auto token = open_hsm(open_token);
  if (!token.ok()) {
    last_error_ = token.status().message();
    return token.status();
  }
  if (Status proven = combined.ok() ? prove_recovery_locked(*combined, **token) : invalid_shares(type); !proven.ok()) {
    last_error_ = "invalid recovery shares";
    return proven;
  }
  Status st = open_with_token_locked(**token);
  if (!st.ok()) last_error_ = st.message();
  return st;
}

Result<std::vector<SecureString>> SealState::generate_recovery(int shares, int threshold, Pkcs11Token& token) {
  COFFER_RETURN_IF_ERROR(check_counts(shares, threshold));
  const SecureString recovery_key = crypto::random_bytes(kKeySize);
  COFFER_ASSIGN_OR_RETURN(auto parts, crypto::shamir::split(recovery_key.view(), shares, threshold));
  MutexLock lock(mu_);
  if (!records_ || records_->config.type != SealType::kPkcs11) {
    return Status(Code::kConflict, "Recovery shares belong to an HSM (pkcs11) seal.", "SealTypeMismatch");
  }
  if (keys_.empty()) return Status(Code::kConflict, "Unseal the server first.", "Sealed");
  COFFER_ASSIGN_OR_RETURN(records_, read_seal_records(store_));  // another server may have made them
  if (!records_) return Status(Code::kInternal, "seal/config vanished");
  COFFER_RETURN_IF_ERROR(check_seal_key_locked(token));
  if (records_->config.recovery_threshold > 0) {
    return Status(Code::kConflict,
                  "This server has recovery shares already; a quorum of them replaces them through "
                  "'coffer operator rekey'.",
                  "RecoveryKeysExist");
  }
  SealConfig config = records_->config;
  config.recovery_shares = shares;
  config.recovery_threshold = threshold;
  config.recovery_keyset_id = random_u32();
  COFFER_ASSIGN_OR_RETURN(std::string blob,
                          token.encrypt(recovery_key.view(), recovery_associated_data(config.cluster_id)));
  COFFER_RETURN_IF_ERROR(write_recovery(store_, config, blob, records_->revision));
  COFFER_ASSIGN_OR_RETURN(records_, read_seal_records(store_));
  return encode_shares(config.recovery_keyset_id, parts);
}

void SealState::reset() {
  MutexLock lock(mu_);
  drop_progress_locked();
}

void SealState::drop_progress_locked() {
  parts_.clear();  // each Share's y wipes itself
  nonce_.clear();
  last_part_at_ = 0;
}

void SealState::seal() {
  MutexLock lock(mu_);
  keys_.clear();  // SecureStrings wipe themselves
  unseal_key_.clear();
  drop_progress_locked();
}

Result<RootKeys> SealState::root_keys() const {
  MutexLock lock(mu_);
  if (keys_.empty() || !records_) return Status(Code::kUnavailable, "Coffer is sealed.");
  return keys_;
}

int SealState::active_generation() const {
  MutexLock lock(mu_);
  return records_ ? records_->config.active_generation : 0;
}

Result<SecureString> SealState::root_key() const {
  MutexLock lock(mu_);
  if (keys_.empty() || !records_) return Status(Code::kUnavailable, "Coffer is sealed.");
  auto it = keys_.find(records_->config.active_generation);
  if (it == keys_.end()) return Status(Code::kInternal, "the active root key generation is missing");
  return it->second;
}

}  // namespace coffer::seal
