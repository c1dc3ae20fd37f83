#include "seal/seal_records.hpp"

#include <functional>

#include "common/record_codec.hpp"
#include "crypto/aead.hpp"

namespace coffer::seal {
namespace {

constexpr std::string_view kConfigKey = kSealConfigKey;
constexpr std::string_view kRootKey = "seal/root";
constexpr std::string_view kRecoveryKey = "seal/recovery";

enum ConfigField : uint8_t {
  kVersion = 1,
  kClusterId,
  kType,
  kShares,
  kThreshold,
  kKeysetId,
  kGeneration,
  kRotatedAt,
  kRecoveryShares,
  kRecoveryThreshold,
  kRecoveryKeysetId,
  kHsmKeyLabel,
  kHsmTokenLabel,
};

std::string encode_config(const SealConfig& c) {
  RecordWriter w;
  w.i64(kVersion, 1).bytes(kClusterId, c.cluster_id).bytes(kType, seal_type_name(c.type));
  w.i64(kShares, c.shares).i64(kThreshold, c.threshold).i64(kKeysetId, c.keyset_id);
  w.i64(kGeneration, c.active_generation).i64(kRotatedAt, c.rotated_at);
  w.i64(kRecoveryShares, c.recovery_shares).i64(kRecoveryThreshold, c.recovery_threshold);
  w.i64(kRecoveryKeysetId, c.recovery_keyset_id).bytes(kHsmKeyLabel, c.hsm_key_label);
  w.bytes(kHsmTokenLabel, c.hsm_token_label);
  return w.take();
}

Result<SealConfig> decode_config(std::string_view data) {
  auto r = RecordReader::parse(data);
  if (!r || r->i64(kVersion) != 1) return Status(Code::kInternal, "seal/config is corrupt or of a newer format");
  SealConfig c;
  c.cluster_id = r->bytes(kClusterId);
  const std::string type = r->bytes(kType);
  const auto parsed = parse_seal_type(type);
  if (!parsed) return Status(Code::kInternal, "seal/config names an unknown seal type '" + type.substr(0, 20) + "'");
  c.type = *parsed;
  c.shares = int(r->i64(kShares));
  c.threshold = int(r->i64(kThreshold));
  c.keyset_id = std::uint32_t(r->i64(kKeysetId));
  c.active_generation = int(r->i64(kGeneration, 1));
  c.rotated_at = r->i64(kRotatedAt, 0);
  c.recovery_shares = int(r->i64(kRecoveryShares, 0));
  c.recovery_threshold = int(r->i64(kRecoveryThreshold, 0));
  c.recovery_keyset_id = std::uint32_t(r->i64(kRecoveryKeysetId, 0));
  c.hsm_key_label = r->bytes(kHsmKeyLabel);
  c.hsm_token_label = r->bytes(kHsmTokenLabel);
  return c;
}

}  // namespace

std::string root_associated_data(const std::string& cluster_id) {
  return "coffer/seal/v1/" + cluster_id + "/seal/root";
}

std::string recovery_associated_data(const std::string& cluster_id) {
  return "coffer/seal/v1/" + cluster_id + "/seal/recovery";
}

std::optional<SealType> parse_seal_type(std::string_view name) {
  for (SealType t : {SealType::kKeyfile, SealType::kShamir, SealType::kPkcs11}) {
    if (name == seal_type_name(t)) return t;
  }
  return std::nullopt;
}

const char* seal_type_name(SealType type) {
  switch (type) {
    case SealType::kShamir: return "shamir";
    case SealType::kPkcs11: return "pkcs11";
    case SealType::kKeyfile: break;
  }
  return "keyfile";
}

Result<std::optional<SealRecords>> read_seal_records(store::Store& store) {
  std::optional<SealRecords> out;
  COFFER_RETURN_IF_ERROR(store.read([&](store::ReadTxn& txn) -> Status {
    COFFER_ASSIGN_OR_RETURN(auto config, txn.get(kConfigKey));
    if (!config) return Status::Ok();
    COFFER_ASSIGN_OR_RETURN(auto root, txn.get(kRootKey));
    if (!root) return Status(Code::kInternal, "seal/config exists without seal/root");
    COFFER_ASSIGN_OR_RETURN(auto recovery, txn.get(kRecoveryKey));
    COFFER_ASSIGN_OR_RETURN(SealConfig c, decode_config(config->value));
    out = SealRecords{std::move(c), std::move(root->value), recovery ? std::move(recovery->value) : std::string(),
                      config->revision};
    return Status::Ok();
  }));
  return out;
}

namespace {

// One transaction: seal/config compare-and-set at `expected_revision`, then
// `rest`; a lost compare-and-set is kConflict "SealChanged".
Status write_with_config(store::Store& store, const SealConfig& config, int64_t expected_revision,
                         const std::function<Status(store::WriteTxn&)>& rest) {
  Status st = store.write([&](store::WriteTxn& txn) -> Status {
    COFFER_RETURN_IF_ERROR(txn.put_if(kConfigKey, encode_config(config), expected_revision));
    return rest(txn);
  });
  if (st.code() == Code::kConflict) {
    return Status(Code::kConflict, "The seal was changed meanwhile (by another server?); nothing was written.",
                  "SealChanged");
  }
  return st;
}

}  // namespace

Status write_seal_records(store::Store& store, const SealConfig& config, std::string_view root_blob,
                          int64_t expected_revision, std::optional<std::string_view> recovery_blob) {
  return write_with_config(store, config, expected_revision, [&](store::WriteTxn& txn) -> Status {
    COFFER_RETURN_IF_ERROR(txn.put(kRootKey, root_blob));
    if (recovery_blob) {
      COFFER_RETURN_IF_ERROR(recovery_blob->empty() ? txn.erase(kRecoveryKey) : txn.put(kRecoveryKey, *recovery_blob));
    }
    return Status::Ok();
  });
}

Status write_recovery(store::Store& store, const SealConfig& config, std::string_view recovery_blob,
                      int64_t expected_revision) {
  return write_with_config(store, config, expected_revision,
                           [&](store::WriteTxn& txn) { return txn.put(kRecoveryKey, recovery_blob); });
}

SecureString encode_root_keys(const RootKeys& keys) {
  std::map<std::string, std::string> entries;
  for (const auto& [generation, key] : keys) entries[std::to_string(generation)] = key.str();
  RecordWriter w;
  w.map(1, entries);
  SecureString plain(w.take());
  for (auto& [g, k] : entries) secure_wipe(k.data(), k.size());
  return plain;
}

Result<RootKeys> decode_root_keys(const SecureString& plain) {
  auto r = RecordReader::parse(plain.view());
  if (!r) return Status(Code::kInternal, "seal/root decrypted to a corrupt record");
  RootKeys keys;
  for (auto& [g, k] : r->map(1)) {
    keys.emplace(std::stoi(g), SecureString(std::move(k)));
    secure_wipe(k.data(), k.size());
  }
  return keys;
}

namespace {

std::string upgrade_key(int generation) { return "seal/root-upgrade/" + std::to_string(generation); }
std::string upgrade_associated_data(const std::string& cluster_id, int generation) {
  return "coffer/seal/v1/" + cluster_id + "/" + upgrade_key(generation);
}

}  // namespace

Status write_rotation(store::Store& store, const SealConfig& config, std::string_view upgrade_blob,
                      int64_t expected_revision) {
  return write_with_config(store, config, expected_revision, [&](store::WriteTxn& txn) {
    return txn.put(upgrade_key(config.active_generation), upgrade_blob);
  });
}

Status write_retirement(store::Store& store, const SealConfig& config, std::string_view root_blob,
                        int64_t expected_revision) {
  return write_with_config(store, config, expected_revision, [&](store::WriteTxn& txn) -> Status {
    COFFER_RETURN_IF_ERROR(txn.put(kRootKey, root_blob));
    for (int g = 2; g <= config.active_generation; ++g) COFFER_RETURN_IF_ERROR(txn.erase(upgrade_key(g)));
    return Status::Ok();
  });
}

Result<std::optional<std::string>> read_upgrade(store::Store& store, int generation) {
  return store::read_value(store, upgrade_key(generation));
}

Result<std::string> seal_upgrade(const SecureString& previous, const std::string& cluster_id, int generation,
                                 const SecureString& key) {
  return crypto::aead_seal(previous, key.view(), upgrade_associated_data(cluster_id, generation));
}

Result<SecureString> open_upgrade(const SecureString& previous, const std::string& cluster_id, int generation,
                                  std::string_view blob) {
  auto key = crypto::aead_open(previous, blob, upgrade_associated_data(cluster_id, generation));
  if (!key.ok() || key->size() != 32) {
    return Status(Code::kInternal,
                  "seal/root-upgrade/" + std::to_string(generation) + " does not open with the generation before it");
  }
  return key;
}

Result<std::string> seal_root_keys(const SecureString& unseal_key, const std::string& cluster_id,
                                   const RootKeys& keys) {
  return crypto::aead_seal(unseal_key, encode_root_keys(keys).view(), root_associated_data(cluster_id));
}

Result<RootKeys> open_root_keys(const SecureString& unseal_key, const std::string& cluster_id, std::string_view blob) {
  auto plain = crypto::aead_open(unseal_key, blob, root_associated_data(cluster_id));
  if (!plain.ok()) {
    return Status(Code::kBadParameter, "The unseal key does not open this server's root keys.", "UnsealKeyWrong");
  }
  return decode_root_keys(*plain);
}

}  // namespace coffer::seal
