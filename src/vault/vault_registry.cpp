#include "vault/vault_registry.hpp"

#include <cctype>
#include <mutex>

#include "common/ascii.hpp"
#include "common/record_codec.hpp"
#include "crypto/random.hpp"
#include "vault/change_feed.hpp"
#include "vault/record_scan.hpp"
#include "vault/store_keys.hpp"

namespace coffer::vault {
namespace {

enum VaultField : uint8_t {
  kVaultName = 1,
  kVaultId,
  kVaultRetention,
  kVaultPurgeProtection,
  kVaultCreated,
  kVaultWrappedKek,
  kVaultResourceGroup,
  kVaultLocation,
  kVaultTags,
  kVaultSku,
  kVaultAccessPolicies,  // true: access policies authorize (records before it: RBAC)
  kVaultDeleted
};

std::string encode(const VaultInfo& v) {
  RecordWriter w;
  w.bytes(kVaultName, v.name).bytes(kVaultId, v.id).i64(kVaultRetention, v.retention_days);
  w.boolean(kVaultPurgeProtection, v.purge_protection)
      .i64(kVaultCreated, v.created)
      .bytes(kVaultWrappedKek, v.wrapped_kek);
  w.bytes(kVaultResourceGroup, v.resource_group).bytes(kVaultLocation, v.location).map(kVaultTags, v.tags);
  w.bytes(kVaultSku, v.sku).boolean(kVaultAccessPolicies, !v.rbac_authorization).i64(kVaultDeleted, v.deleted);
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
  v.resource_group = r->has(kVaultResourceGroup) ? r->bytes(kVaultResourceGroup) : kBuiltInGroup;
  v.location = r->has(kVaultLocation) ? r->bytes(kVaultLocation) : kBuiltInLocation;
  v.tags = r->map(kVaultTags);
  v.sku = r->has(kVaultSku) ? r->bytes(kVaultSku) : "standard";
  v.rbac_authorization = !r->boolean(kVaultAccessPolicies);
  v.deleted = r->i64(kVaultDeleted);
  return v;
}

// Bumped by every create and delete (see the header).
const std::string kMarker = "meta/vault-marker";  // outside "vault/": no vault name can clash

Status not_found(const std::string& name) {
  return Status(Code::kVaultNotFound, "Vault '" + name.substr(0, 100) + "' was not found on this server.");
}

Status deleted_not_found(const std::string& name) {
  return Status(Code::kNotFound, "No deleted vault named '" + name.substr(0, 100) + "' was found.",
                "DeletedVaultNotFound");
}

Status check_retention(int days) {
  if (days < 7 || days > 90) return bad_parameter("Soft-delete retention must be between 7 and 90 days.");
  return Status::Ok();
}

Status check_sku(const std::string& sku) {
  if (sku != "standard" && sku != "premium") {
    return bad_parameter("The sku name '" + sku.substr(0, 40) + "' is invalid: use 'standard' or 'premium'.");
  }
  return Status::Ok();
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
  COFFER_RETURN_IF_ERROR(check_retention(settings.retention_days));
  COFFER_RETURN_IF_ERROR(check_sku(settings.sku));
  COFFER_RETURN_IF_ERROR(ResourceGroupRegistry::check_tags(settings.tags));
  if (!ResourceGroupRegistry::valid_name(settings.resource_group)) {
    return bad_parameter("Resource group name '" + settings.resource_group.substr(0, 100) + "' is invalid.");
  }
  VaultInfo v;
  v.name = name;
  v.id = crypto::new_guid();
  v.retention_days = settings.retention_days;
  v.purge_protection = settings.purge_protection;
  v.created = clock_.now();
  v.resource_group = settings.resource_group;
  v.location = ResourceGroupRegistry::normal_location(settings.location);
  if (v.location.empty())
    return bad_parameter("Location '" + settings.location.substr(0, 100) + "' is not a location name.");
  v.tags = settings.tags;
  v.sku = settings.sku;
  v.rbac_authorization = settings.rbac_authorization;
  COFFER_ASSIGN_OR_RETURN(v.wrapped_kek, barrier_.new_vault_kek(v.id));
  std::string record = encode(v);
  Status st = store_.write([&](store::WriteTxn& txn) -> Status {
    COFFER_ASSIGN_OR_RETURN(auto existing, txn.get(keys::vault(name)));
    if (existing) {
      COFFER_ASSIGN_OR_RETURN(VaultInfo other, decode_vault_info(existing->value));
      if (other.deleted != 0) {
        return Status(Code::kConflict,
                      "A vault named '" + other.name +
                          "' is in a deleted state: recover it (createMode 'recover') or purge it first.",
                      "VaultInDeletedState");
      }
      return Status(Code::kConflict, "Vault '" + other.name + "' already exists.", "VaultAlreadyExists");
    }
    COFFER_RETURN_IF_ERROR(txn.put_if(keys::vault(name), record, 0));
    return txn.put(kMarker, "");
  });
  if (st.code() == Code::kConflict && st.reason().empty()) {
    return Status(Code::kConflict, "Vault '" + name + "' already exists.", "VaultAlreadyExists");
  }
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
  if (v.deleted != 0) return not_found(name);
  MutexLock lock(mu_);
  cache_[lc] = v;  // read after the marker check: at least as new as what the cache stands for
  return v;
}

Result<std::optional<VaultInfo>> VaultRegistry::live_in(store::ReadTxn& txn, const std::string& name,
                                                        const std::string& id) {
  std::optional<VaultInfo> out;
  if (!name.empty()) {
    if (!valid_name(name)) return out;
    COFFER_ASSIGN_OR_RETURN(auto entry, txn.get(keys::vault(name)));
    if (!entry) return out;
    COFFER_ASSIGN_OR_RETURN(VaultInfo v, decode_vault_info(entry->value));
    if (v.deleted == 0) out = std::move(v);
    return out;
  }
  COFFER_RETURN_IF_ERROR(for_each_entry(txn, keys::vault_prefix(), [&](const store::Entry& e) -> Status {
    COFFER_ASSIGN_OR_RETURN(VaultInfo v, decode_vault_info(e.value));
    if (v.deleted == 0 && iequals_ascii(v.id, id)) out = std::move(v);
    return Status::Ok();
  }));
  return out;
}

Result<std::vector<VaultInfo>> VaultRegistry::list_all() {
  std::vector<VaultInfo> out;
  COFFER_RETURN_IF_ERROR(store_.read([&](store::ReadTxn& txn) -> Status {
    return for_each_entry(txn, keys::vault_prefix(), [&](const store::Entry& e) -> Status {
      COFFER_ASSIGN_OR_RETURN(VaultInfo v, decode_vault_info(e.value));
      out.push_back(std::move(v));
      return Status::Ok();
    });
  }));
  return out;
}

Result<std::vector<VaultInfo>> VaultRegistry::list() {
  COFFER_ASSIGN_OR_RETURN(auto all, list_all());
  std::erase_if(all, [](const VaultInfo& v) { return v.deleted != 0; });
  return all;
}

Result<std::vector<VaultInfo>> VaultRegistry::list_deleted() {
  COFFER_ASSIGN_OR_RETURN(auto all, list_all());
  std::erase_if(all, [](const VaultInfo& v) { return v.deleted == 0; });
  return all;
}

Result<VaultInfo> VaultRegistry::rewrite(const std::string& name, const std::function<Status(VaultInfo&)>& change) {
  VaultInfo out;
  COFFER_RETURN_IF_ERROR(store_.write([&](store::WriteTxn& txn) -> Status {
    COFFER_ASSIGN_OR_RETURN(auto entry, txn.get(keys::vault(name)));
    if (!entry) return not_found(name);
    COFFER_ASSIGN_OR_RETURN(out, decode_vault_info(entry->value));
    const bool rbac_before = out.rbac_authorization;
    COFFER_RETURN_IF_ERROR(change(out));
    if (out.rbac_authorization != rbac_before) COFFER_RETURN_IF_ERROR(record_access_change(txn, out.id));
    COFFER_RETURN_IF_ERROR(txn.put_if(keys::vault(name), encode(out), entry->revision));
    return txn.put(kMarker, "");
  }));
  return out;
}

Result<VaultInfo> VaultRegistry::update(const std::string& name, const std::function<Status(VaultInfo&)>& change) {
  if (!valid_name(name)) return not_found(name);
  return rewrite(name, [&](VaultInfo& v) -> Status {
    if (v.deleted != 0) return not_found(name);
    const VaultInfo before = v;
    COFFER_RETURN_IF_ERROR(change(v));
    COFFER_RETURN_IF_ERROR(check_retention(v.retention_days));
    COFFER_RETURN_IF_ERROR(check_sku(v.sku));
    COFFER_RETURN_IF_ERROR(ResourceGroupRegistry::check_tags(v.tags));
    if (before.purge_protection && !v.purge_protection) {
      return bad_parameter("Purge protection cannot be disabled once it is enabled.");
    }
    if (!iequals_ascii(v.resource_group, before.resource_group) ||
        ResourceGroupRegistry::normal_location(v.location) != before.location) {
      return bad_parameter("A vault's resource group and location cannot be changed.");
    }
    v.location = before.location;
    v.name = before.name;
    v.id = before.id;
    v.wrapped_kek = before.wrapped_kek;
    v.created = before.created;
    return Status::Ok();
  });
}

Result<std::size_t> VaultRegistry::rewrap_keks() {
  COFFER_ASSIGN_OR_RETURN(auto all, list_all());
  std::size_t rewrapped = 0;
  for (const VaultInfo& listed : all) {
    if (barrier_.vault_kek_current(listed.wrapped_kek)) continue;
    COFFER_RETURN_IF_ERROR(rewrite(listed.name, [&](VaultInfo& v) -> Status {
                             COFFER_ASSIGN_OR_RETURN(v.wrapped_kek, barrier_.rewrap_vault_kek(v.id, v.wrapped_kek));
                             return Status::Ok();
                           }).status());
    ++rewrapped;
  }
  return rewrapped;
}

Result<VaultInfo> VaultRegistry::soft_delete(const std::string& name) {
  if (!valid_name(name)) return not_found(name);
  return rewrite(name, [&](VaultInfo& v) -> Status {
    if (v.deleted != 0) return not_found(name);
    v.deleted = clock_.now();
    return Status::Ok();
  });
}

Result<VaultInfo> VaultRegistry::find_deleted(const std::string& name) {
  if (!valid_name(name)) return deleted_not_found(name);
  std::optional<store::Entry> entry;
  COFFER_RETURN_IF_ERROR(store_.read([&](store::ReadTxn& txn) -> Status {
    COFFER_ASSIGN_OR_RETURN(entry, txn.get(keys::vault(name)));
    return Status::Ok();
  }));
  if (!entry) return deleted_not_found(name);
  COFFER_ASSIGN_OR_RETURN(VaultInfo v, decode_vault_info(entry->value));
  if (v.deleted == 0) return deleted_not_found(name);
  return v;
}

Result<VaultInfo> VaultRegistry::recover(const std::string& name) {
  if (!valid_name(name)) return deleted_not_found(name);
  auto recovered = rewrite(name, [&](VaultInfo& v) -> Status {
    if (v.deleted == 0) return deleted_not_found(name);
    v.deleted = 0;
    return Status::Ok();
  });
  if (recovered.status().code() == Code::kVaultNotFound) return deleted_not_found(name);
  return recovered;
}

Status VaultRegistry::remove(const std::string& name) {
  return store_.write([&](store::WriteTxn& txn) -> Status {
    COFFER_ASSIGN_OR_RETURN(auto entry, txn.get(keys::vault(name)));
    if (entry) {
      COFFER_ASSIGN_OR_RETURN(VaultInfo gone, decode_vault_info(entry->value));
      COFFER_RETURN_IF_ERROR(erase_change_log(txn, gone.id));
    }
    COFFER_RETURN_IF_ERROR(txn.erase(keys::vault(name)));
    return txn.put(kMarker, "");
  });
}

}  // namespace coffer::vault
