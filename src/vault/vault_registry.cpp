#include "vault/vault_registry.hpp"

#include <cctype>
#include <mutex>

#include "common/record_codec.hpp"
#include "crypto/random.hpp"
#include "vault/store_keys.hpp"

namespace coffer::vault {
namespace {

enum VaultField : uint8_t {
  kVaultName = 1,
  kVaultId,
  kVaultRetention,
  kVaultPurgeProtection,
  kVaultCreated,
  kVaultWrappedKek
};

std::string encode(const VaultInfo& v) {
  RecordWriter w;
  w.bytes(kVaultName, v.name).bytes(kVaultId, v.id).i64(kVaultRetention, v.retention_days);
  w.boolean(kVaultPurgeProtection, v.purge_protection)
      .i64(kVaultCreated, v.created)
      .bytes(kVaultWrappedKek, v.wrapped_kek);
  return w.take();
}

Result<VaultInfo> decode_vault_info(std::string_view data) {
  auto r = RecordReader::parse(data);
  if (!r) return Status(Code::kInternal, "corrupt vault record");
  VaultInfo v;
  v.name = r->bytes(kVaultName);
  v.id = r->bytes(kVaultId);
  v.retention_days = int(r->i64(kVaultRetention, 90));
  v.purge_protection = r->boolean(kVaultPurgeProtection);
  v.created = r->i64(kVaultCreated);
  v.wrapped_kek = r->bytes(kVaultWrappedKek);
  return v;
}

// Bumped by every create and delete (see the header).
const std::string kMarker = "meta/vault-marker";  // outside "vault/": no vault name can clash

Status not_found(const std::string& name) {
  return Status(Code::kVaultNotFound, "Vault '" + name + "' was not found on this server.");
}

}  // namespace

VaultRegistry::VaultRegistry(store::Store& store, crypto::Keyring& keyring, const Clock& clock)
    : store_(store), barrier_(keyring), clock_(clock) {
  store_.watch(kMarker);
}

bool VaultRegistry::valid_name(const std::string& name) {
  if (name.size() < 3 || name.size() > 24) return false;
  if (!std::isalpha(static_cast<unsigned char>(name.front()))) return false;
  if (!std::isalnum(static_cast<unsigned char>(name.back()))) return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-')) return false;
    if (c == '-' && i > 0 && name[i - 1] == '-') return false;
  }
  return true;
}

Result<VaultInfo> VaultRegistry::create(const std::string& name, const VaultSettings& settings) {
  if (!valid_name(name)) {
    return Status(Code::kBadParameter,
                  "Vault name '" + name +
                      "' is invalid: use 3-24 letters, digits and hyphens, starting with a letter, "
                      "ending with a letter or digit, without consecutive hyphens.");
  }
  if (settings.retention_days < 7 || settings.retention_days > 90) {
    return Status(Code::kBadParameter, "Soft-delete retention must be between 7 and 90 days.");
  }
  VaultInfo v;
  v.name = name;
  v.id = crypto::new_guid();
  v.retention_days = settings.retention_days;
  v.purge_protection = settings.purge_protection;
  v.created = clock_.now();
  COFFER_ASSIGN_OR_RETURN(v.wrapped_kek, barrier_.new_vault_kek(v.id));
  std::string record = encode(v);
  Status st = store_.write([&](store::WriteTxn& txn) -> Status {
    COFFER_RETURN_IF_ERROR(txn.put_if(keys::vault(name), record, 0));
    return txn.put(kMarker, "");
  });
  if (st.code() == Code::kConflict) return Status(Code::kConflict, "Vault '" + name + "' already exists.");
  COFFER_RETURN_IF_ERROR(st);
  return v;
}

Result<VaultInfo> VaultRegistry::find(const std::string& name) {
  if (!valid_name(name)) return not_found(name);
  const std::string lc = lower_ascii(name);
  const std::uint64_t generation = store_.generation();
  bool checked;
  {
    MutexLock lock(mu_);
    checked = checked_at_ == generation && cache_marker_ >= 0;
    if (checked) {
      if (auto it = cache_.find(lc); it != cache_.end()) return it->second;
    }
  }
  if (!checked) {
    COFFER_ASSIGN_OR_RETURN(int64_t marker, store::current_revision(store_, kMarker));
    MutexLock lock(mu_);
    if (marker != cache_marker_) {
      cache_.clear();
      cache_marker_ = marker;
    }
    checked_at_ = generation;
    if (auto it = cache_.find(lc); it != cache_.end()) return it->second;
  }
  std::optional<store::Entry> entry;
  COFFER_RETURN_IF_ERROR(store_.read([&](store::ReadTxn& txn) -> Status {
    COFFER_ASSIGN_OR_RETURN(entry, txn.get(keys::vault(name)));
    return Status::Ok();
  }));
  if (!entry) return not_found(name);
  COFFER_ASSIGN_OR_RETURN(VaultInfo v, decode_vault_info(entry->value));
  MutexLock lock(mu_);
  cache_[lc] = v;  // read after the marker check: at least as new as what the cache stands for
  return v;
}

Result<std::vector<VaultInfo>> VaultRegistry::list() {
  std::vector<VaultInfo> out;
  COFFER_RETURN_IF_ERROR(store_.read([&](store::ReadTxn& txn) -> Status {
    std::string after;
    while (true) {
      COFFER_ASSIGN_OR_RETURN(auto entries, txn.scan(keys::vault_prefix(), after, 100));
      for (const auto& e : entries) {
        COFFER_ASSIGN_OR_RETURN(VaultInfo v, decode_vault_info(e.value));
        out.push_back(std::move(v));
      }
      if (entries.size() < 100) return Status::Ok();
      after = entries.back().key;
    }
  }));
  return out;
}

Status VaultRegistry::remove(const std::string& name) {
  return store_.write([&](store::WriteTxn& txn) -> Status {
    COFFER_RETURN_IF_ERROR(txn.erase(keys::vault(name)));
    return txn.put(kMarker, "");
  });
}

}  // namespace coffer::vault
