#include "vault/secret_service.hpp"

#include <cctype>
#include <cstdlib>

#include "common/record_codec.hpp"
#include "crypto/random.hpp"
#include "vault/record_scan.hpp"
#include "vault/secret_records.hpp"
#include "vault/store_keys.hpp"

namespace coffer::vault {
namespace {

constexpr int64_t kDay = 86400;
constexpr std::string_view kBackupMagic = "coffer-secret-backup-v1";
constexpr std::string_view kBackupAd = "backup/secrets";
enum BackupField : uint8_t { kBMagic = 1, kBName, kBLatest, kBVersions };

Status not_found(const std::string& name) {
  return Status(Code::kSecretNotFound,
                "A secret with (name/id) " + name +
                    " was not found in this key vault. If you recently deleted this secret you may be "
                    "able to recover it using the correct recovery command. For help resolving this "
                    "issue, please see https://go.microsoft.com/fwlink/?linkid=2125182");
}

Status deleted_not_found(const std::string& name) {
  return Status(Code::kSecretNotFound, "Deleted Secret not found: " + name);
}

Status deleted_conflict(const std::string& name) {
  return Status(Code::kConflict,
                "Secret " + name +
                    " is currently in a deleted but recoverable state, and its name cannot be reused; in "
                    "this state, the secret can only be recovered or purged.",
                "ObjectIsDeletedButRecoverable");
}

Result<std::optional<SecretHead>> load_head(store::ReadTxn& txn, const VaultInfo& vault,
                                            const std::string& name) {
  COFFER_ASSIGN_OR_RETURN(auto entry, txn.get(keys::secret_head(vault.id, name)));
  if (!entry) return std::optional<SecretHead>();
  COFFER_ASSIGN_OR_RETURN(SecretHead head, decode_head(entry->value));
  return std::optional<SecretHead>(std::move(head));
}

Result<std::optional<SecretVersionRecord>> load_version(store::ReadTxn& txn, const VaultInfo& vault,
                                                        const SecretHead& head, const std::string& version) {
  COFFER_ASSIGN_OR_RETURN(auto entry, txn.get(keys::secret_version(vault.id, head.name, keys::lower(version))));
  if (!entry) return std::optional<SecretVersionRecord>();
  COFFER_ASSIGN_OR_RETURN(SecretVersionRecord rec, decode_version(entry->value));
  rec.properties.name = head.name;
  rec.properties.managed = head.managed;
  return std::optional<SecretVersionRecord>(std::move(rec));
}

// The head of a live secret, or kSecretNotFound.
Result<SecretHead> live_head(store::ReadTxn& txn, const VaultInfo& vault, const std::string& name) {
  COFFER_ASSIGN_OR_RETURN(auto head, load_head(txn, vault, name));
  if (!head || head->deletion) return not_found(name);
  return *head;
}

Result<SecretHead> deleted_head(store::ReadTxn& txn, const VaultInfo& vault, const std::string& name) {
  COFFER_ASSIGN_OR_RETURN(auto head, load_head(txn, vault, name));
  if (!head || !head->deletion) return deleted_not_found(name);
  return *head;
}

Result<SecretVersionRecord> latest(store::ReadTxn& txn, const VaultInfo& vault, const SecretHead& head) {
  COFFER_ASSIGN_OR_RETURN(auto rec, load_version(txn, vault, head, head.latest_version));
  if (!rec) return Status(Code::kInternal, "secret " + head.name + " has no latest version record");
  return std::move(*rec);
}

Status erase_secret(store::WriteTxn& txn, const VaultInfo& vault, const SecretHead& head) {
  COFFER_RETURN_IF_ERROR(erase_prefix(txn, keys::secret_versions_prefix(vault.id, head.name)));
  if (head.deletion) {
    COFFER_RETURN_IF_ERROR(txn.erase(
        keys::purge_queue_entry(head.deletion->scheduled_purge_date, "secret", vault.id, head.name)));
  }
  return txn.erase(keys::secret_head(vault.id, head.name));
}

Status check_draft(const SecretDraft& d) {
  if (d.value.size() > kMaxSecretValueBytes) {
    return Status(Code::kBadParameter, "The secret value exceeds the maximum size of 25 KiB.");
  }
  if (d.tags.size() > kMaxTags) return Status(Code::kBadParameter, "A secret can have at most 15 tags.");
  for (const auto& [k, v] : d.tags) {
    if (k.empty() || k.size() > kMaxTagNameBytes || v.size() > kMaxTagValueBytes) {
      return Status(Code::kBadParameter,
                    "Tag names must be 1-512 characters and tag values at most 256 characters.");
    }
  }
  if (d.content_type && d.content_type->size() > 255) {
    return Status(Code::kBadParameter, "contentType must be at most 255 characters.");
  }
  return Status::Ok();
}

}  // namespace

SecretService::SecretService(store::Store& store, crypto::Keyring& keyring, const Clock& clock)
    : store_(store), keyring_(keyring), clock_(clock), read_cache_(store) {}

bool SecretService::valid_name(const std::string& name) {
  if (name.empty() || name.size() > 127) return false;
  for (char c : name) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-')) return false;
  }
  return true;
}

Result<Secret> SecretService::set(const VaultInfo& vault, const std::string& name, const SecretDraft& draft) {
  if (!valid_name(name)) {
    return Status(Code::kBadParameter,
                  "The request URI contains an invalid name: " + name +
                      ". Secret names may contain only 0-9, a-z, A-Z and -, up to 127 characters.");
  }
  COFFER_RETURN_IF_ERROR(check_draft(draft));
  const int64_t now = clock_.now();
  Secret out;
  auto& p = out.properties;
  p.version = crypto::new_version_id();
  p.attributes = Attributes{draft.enabled, draft.not_before, draft.expires, now, now};
  p.content_type = draft.content_type;
  p.tags = draft.tags;
  COFFER_ASSIGN_OR_RETURN(std::string sealed,
                          keyring_.seal(vault.id, vault.wrapped_kek, draft.value.view(),
                                        keys::secret_ad(vault.id, name, p.version)));
  COFFER_RETURN_IF_ERROR(store_.write([&](store::WriteTxn& txn) -> Status {
    COFFER_ASSIGN_OR_RETURN(auto head, load_head(txn, vault, name));
    if (head && head->deletion) return deleted_conflict(head->name);
    if (head && head->managed) {
      return Status(Code::kForbidden, "Secret " + head->name +
                                          " is managed by a certificate and cannot be set directly.");
    }
    SecretHead h = head.value_or(SecretHead{name, {}, std::nullopt, false});
    h.latest_version = p.version;
    p.name = h.name;
    COFFER_RETURN_IF_ERROR(txn.put(keys::secret_version(vault.id, name, p.version),
                                   encode_version(SecretVersionRecord{p, sealed})));
    return txn.put(keys::secret_head(vault.id, name), encode_head(h));
  }));
  out.value = draft.value;
  return out;
}

Result<Secret> SecretService::get(const VaultInfo& vault, const std::string& name, const std::string& version) {
  if (!valid_name(name) || (!version.empty() && !valid_version_id(version))) {
    return not_found(version.empty() ? name : name + "/" + version);
  }
  auto rec = read_cache_.get(vault.id + '/' + keys::lower(name) + '/' + keys::lower(version),
                             [&]() -> Result<SecretVersionRecord> {
                               std::optional<SecretVersionRecord> found;
                               COFFER_RETURN_IF_ERROR(store_.read([&](store::ReadTxn& txn) -> Status {
                                 COFFER_ASSIGN_OR_RETURN(SecretHead head, live_head(txn, vault, name));
                                 COFFER_ASSIGN_OR_RETURN(
                                     found, load_version(txn, vault, head,
                                                         version.empty() ? head.latest_version : version));
                                 return found ? Status::Ok() : not_found(name + "/" + version);
                               }));
                               return std::move(*found);
                             });
  if (!rec.ok()) return rec.status();
  if (!rec->properties.attributes.enabled) {
    return Status(Code::kForbidden, "Operation get is not allowed on a disabled secret.", "SecretDisabled");
  }
  Secret out;
  out.properties = std::move(rec->properties);
  COFFER_ASSIGN_OR_RETURN(out.value, keyring_.open(vault.id, vault.wrapped_kek, rec->sealed_value,
                                                   keys::secret_ad(vault.id, name, out.properties.version)));
  return out;
}

Result<SecretProperties> SecretService::update(const VaultInfo& vault, const std::string& name,
                                               const std::string& version, const SecretPatch& patch) {
  if (!valid_name(name) || (!version.empty() && !valid_version_id(version))) {
    return not_found(version.empty() ? name : name + "/" + version);
  }
  if (patch.tags) {
    SecretDraft check;
    check.tags = *patch.tags;
    check.content_type = patch.content_type;
    COFFER_RETURN_IF_ERROR(check_draft(check));
  }
  SecretProperties out;
  COFFER_RETURN_IF_ERROR(store_.write([&](store::WriteTxn& txn) -> Status {
    COFFER_ASSIGN_OR_RETURN(SecretHead head, live_head(txn, vault, name));
    const std::string v = version.empty() ? head.latest_version : keys::lower(version);
    COFFER_ASSIGN_OR_RETURN(auto rec, load_version(txn, vault, head, v));
    if (!rec) return not_found(name + "/" + version);
    auto& p = rec->properties;
    if (patch.content_type) p.content_type = patch.content_type;
    if (patch.tags) p.tags = *patch.tags;
    if (patch.enabled) p.attributes.enabled = *patch.enabled;
    if (patch.not_before) p.attributes.not_before = *patch.not_before;
    if (patch.expires) p.attributes.expires = *patch.expires;
    p.attributes.updated = clock_.now();
    out = p;
    return txn.put(keys::secret_version(vault.id, name, v), encode_version(*rec));
  }));
  return out;
}

Result<Page<SecretProperties>> SecretService::list(const VaultInfo& vault, const PageRequest& page) {
  Page<SecretProperties> out;
  COFFER_RETURN_IF_ERROR(store_.read([&](store::ReadTxn& txn) -> Status {
    COFFER_ASSIGN_OR_RETURN(auto heads, page_heads<SecretHead>(txn, keys::secret_prefix(vault.id), page, false, decode_head));
    for (const auto& h : heads.items) {
      COFFER_ASSIGN_OR_RETURN(auto rec, latest(txn, vault, h));
      out.items.push_back(std::move(rec.properties));
    }
    out.next = heads.next;
    return Status::Ok();
  }));
  return out;
}

Result<Page<SecretProperties>> SecretService::list_versions(const VaultInfo& vault, const std::string& name,
                                                            const PageRequest& page) {
  if (!valid_name(name)) return not_found(name);
  Page<SecretProperties> out;
  COFFER_RETURN_IF_ERROR(store_.read([&](store::ReadTxn& txn) -> Status {
    COFFER_ASSIGN_OR_RETURN(SecretHead head, live_head(txn, vault, name));
    const std::string prefix = keys::secret_versions_prefix(vault.id, name);
    const std::string after = page.after.empty() ? std::string() : prefix + page.after;
    COFFER_ASSIGN_OR_RETURN(auto entries, txn.scan(prefix, after, page.max + 1));
    for (const auto& e : entries) {
      if (out.items.size() == page.max) {
        out.next = out.items.back().version;
        break;
      }
      COFFER_ASSIGN_OR_RETURN(SecretVersionRecord rec, decode_version(e.value));
      rec.properties.name = head.name;
      rec.properties.managed = head.managed;
      out.items.push_back(std::move(rec.properties));
    }
    return Status::Ok();
  }));
  return out;
}

Result<DeletedSecret> SecretService::remove(const VaultInfo& vault, const std::string& name) {
  if (!valid_name(name)) return not_found(name);
  DeletedSecret out;
  COFFER_RETURN_IF_ERROR(store_.write([&](store::WriteTxn& txn) -> Status {
    COFFER_ASSIGN_OR_RETURN(SecretHead head, live_head(txn, vault, name));
    if (head.managed) {
      return Status(Code::kForbidden, "Secret " + head.name +
                                          " is managed by a certificate; delete the certificate instead.");
    }
    COFFER_ASSIGN_OR_RETURN(auto rec, latest(txn, vault, head));
    const int64_t now = clock_.now();
    head.deletion = DeletionInfo{now, now + int64_t(vault.retention_days) * kDay};
    out = DeletedSecret{rec.properties, *head.deletion};
    COFFER_RETURN_IF_ERROR(txn.put(keys::secret_head(vault.id, name), encode_head(head)));
    return txn.put(keys::purge_queue_entry(head.deletion->scheduled_purge_date, "secret", vault.id, name), "");
  }));
  return out;
}

Result<DeletedSecret> SecretService::get_deleted(const VaultInfo& vault, const std::string& name) {
  if (!valid_name(name)) return deleted_not_found(name);
  DeletedSecret out;
  COFFER_RETURN_IF_ERROR(store_.read([&](store::ReadTxn& txn) -> Status {
    COFFER_ASSIGN_OR_RETURN(SecretHead head, deleted_head(txn, vault, name));
    COFFER_ASSIGN_OR_RETURN(auto rec, latest(txn, vault, head));
    out = DeletedSecret{rec.properties, *head.deletion};
    return Status::Ok();
  }));
  return out;
}

Result<Page<DeletedSecret>> SecretService::list_deleted(const VaultInfo& vault, const PageRequest& page) {
  Page<DeletedSecret> out;
  COFFER_RETURN_IF_ERROR(store_.read([&](store::ReadTxn& txn) -> Status {
    COFFER_ASSIGN_OR_RETURN(auto heads, page_heads<SecretHead>(txn, keys::secret_prefix(vault.id), page, true, decode_head));
    for (const auto& h : heads.items) {
      COFFER_ASSIGN_OR_RETURN(auto rec, latest(txn, vault, h));
      out.items.push_back(DeletedSecret{std::move(rec.properties), *h.deletion});
    }
    out.next = heads.next;
    return Status::Ok();
  }));
  return out;
}

Result<SecretProperties> SecretService::recover(const VaultInfo& vault, const std::string& name) {
  if (!valid_name(name)) return deleted_not_found(name);
  SecretProperties out;
  COFFER_RETURN_IF_ERROR(store_.write([&](store::WriteTxn& txn) -> Status {
    COFFER_ASSIGN_OR_RETURN(SecretHead head, deleted_head(txn, vault, name));
    COFFER_RETURN_IF_ERROR(
        txn.erase(keys::purge_queue_entry(head.deletion->scheduled_purge_date, "secret", vault.id, name)));
    head.deletion.reset();
    COFFER_ASSIGN_OR_RETURN(auto rec, latest(txn, vault, head));
    out = rec.properties;
    return txn.put(keys::secret_head(vault.id, name), encode_head(head));
  }));
  return out;
}

Status SecretService::purge(const VaultInfo& vault, const std::string& name) {
  if (vault.purge_protection) {
    return Status(Code::kForbidden,
                  "Operation \"purge\" is not allowed because purge protection is enabled for this vault. "
                  "Key Vault service will automatically purge it after the retention period has passed.",
                  "ForbiddenByPolicy");
  }
  if (!valid_name(name)) return deleted_not_found(name);
  return store_.write([&](store::WriteTxn& txn) -> Status {
    COFFER_ASSIGN_OR_RETURN(SecretHead head, deleted_head(txn, vault, name));
    return erase_secret(txn, vault, head);
  });
}

Result<std::string> SecretService::backup(const VaultInfo& vault, const std::string& name) {
  if (!valid_name(name)) return not_found(name);
  SecretHead head;
  std::vector<SecretVersionRecord> versions;
  COFFER_RETURN_IF_ERROR(store_.read([&](store::ReadTxn& txn) -> Status {
    COFFER_ASSIGN_OR_RETURN(head, live_head(txn, vault, name));
    return for_each_entry(txn, keys::secret_versions_prefix(vault.id, name), [&](const store::Entry& e) -> Status {
      COFFER_ASSIGN_OR_RETURN(SecretVersionRecord rec, decode_version(e.value));
      versions.push_back(std::move(rec));
      return Status::Ok();
    });
  }));
  if (head.managed) {
    return Status(Code::kForbidden, "Secret " + head.name + " is managed by a certificate; back up the certificate.");
  }
  std::map<std::string, std::string> plain_versions;
  for (auto& rec : versions) {
    COFFER_ASSIGN_OR_RETURN(SecureString value,
                            keyring_.open(vault.id, vault.wrapped_kek, rec.sealed_value,
                                          keys::secret_ad(vault.id, name, rec.properties.version)));
    rec.sealed_value = value.str();  // plaintext inside the backup, sealed as a whole below
    plain_versions[rec.properties.version] = encode_version(rec);
    secure_wipe(rec.sealed_value.data(), rec.sealed_value.size());
  }
  RecordWriter w;
  w.bytes(kBMagic, kBackupMagic).bytes(kBName, head.name).bytes(kBLatest, head.latest_version);
  w.map(kBVersions, plain_versions);
  for (auto& [k, v] : plain_versions) secure_wipe(v.data(), v.size());
  SecureString plain(w.take());
  return keyring_.seal_system(plain.view(), kBackupAd);
}

Result<SecretProperties> SecretService::restore(const VaultInfo& vault, const std::string& blob) {
  auto opened = keyring_.open_system(blob, kBackupAd);
  if (!opened.ok()) return Status(Code::kBadParameter, "Backup blob contains invalid or corrupt version.");
  auto r = RecordReader::parse(opened->view());
  if (!r || r->bytes(kBMagic) != kBackupMagic) {
    return Status(Code::kBadParameter, "Backup blob contains invalid or corrupt version.");
  }
  SecretHead head{r->bytes(kBName), r->bytes(kBLatest), std::nullopt, false};
  if (!valid_name(head.name)) return Status(Code::kBadParameter, "Backup blob names an invalid secret.");
  std::vector<SecretVersionRecord> versions;
  for (auto& [version, encoded] : r->map(kBVersions)) {
    COFFER_ASSIGN_OR_RETURN(SecretVersionRecord rec, decode_version(encoded));
    secure_wipe(encoded.data(), encoded.size());
    SecureString value(std::move(rec.sealed_value));
    if (!valid_version_id(rec.properties.version)) return Status(Code::kBadParameter, "Backup blob is corrupt.");
    COFFER_ASSIGN_OR_RETURN(rec.sealed_value,
                            keyring_.seal(vault.id, vault.wrapped_kek, value.view(),
                                          keys::secret_ad(vault.id, head.name, rec.properties.version)));
    versions.push_back(std::move(rec));
  }
  SecretProperties out;
  COFFER_RETURN_IF_ERROR(store_.write([&](store::WriteTxn& txn) -> Status {
    COFFER_ASSIGN_OR_RETURN(auto existing, load_head(txn, vault, head.name));
    if (existing && existing->deletion) return deleted_conflict(existing->name);
    if (existing) {
      return Status(Code::kConflict, "Secret " + existing->name + " already exists in this vault.",
                    "ObjectAlreadyExists");
    }
    bool has_latest = false;
    for (const auto& rec : versions) {
      COFFER_RETURN_IF_ERROR(
          txn.put(keys::secret_version(vault.id, head.name, rec.properties.version), encode_version(rec)));
      if (rec.properties.version == head.latest_version) {
        out = rec.properties;
        has_latest = true;
      }
    }
    if (!has_latest) return Status(Code::kBadParameter, "Backup blob is corrupt.");
    out.name = head.name;
    return txn.put(keys::secret_head(vault.id, head.name), encode_head(head));
  }));
  return out;
}

Result<std::size_t> SecretService::purge_due(int64_t now) {
  COFFER_ASSIGN_OR_RETURN(auto due, due_purges(store_, now, "secret"));
  std::size_t purged = 0;
  for (const auto& d : due) {
    VaultInfo owner;
    owner.id = d.vault_id;
    const std::string& name = d.name;
    const std::string& entry = d.entry;
    bool erased = false;  // set inside the callback, counted only once committed
    COFFER_RETURN_IF_ERROR(store_.write([&](store::WriteTxn& txn) -> Status {
      erased = false;
      COFFER_ASSIGN_OR_RETURN(auto head, load_head(txn, owner, name));
      if (!head || !head->deletion || head->deletion->scheduled_purge_date > now) return txn.erase(entry);
      erased = true;
      return erase_secret(txn, owner, *head);
    }));
    if (erased) ++purged;
  }
  return purged;
}

Status SecretService::erase_all(const VaultInfo& vault) {
  return store_.write([&](store::WriteTxn& txn) -> Status {
    std::vector<SecretHead> heads;
    COFFER_RETURN_IF_ERROR(for_each_entry(txn, keys::secret_prefix(vault.id), [&](const store::Entry& e) -> Status {
      COFFER_ASSIGN_OR_RETURN(SecretHead h, decode_head(e.value));
      heads.push_back(std::move(h));
      return Status::Ok();
    }));
    if (vault.purge_protection && !heads.empty()) {
      return Status(Code::kForbidden, "Vault " + vault.name +
                                          " has purge protection and still holds secrets; it cannot be deleted.");
    }
    for (const auto& h : heads) COFFER_RETURN_IF_ERROR(erase_secret(txn, vault, h));
    return Status::Ok();
  });
}

}  // namespace coffer::vault
