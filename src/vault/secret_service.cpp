#include "vault/secret_service.hpp"

#include <cctype>
#include <cstdlib>

#include "crypto/random.hpp"
#include "vault/event_schedule.hpp"
#include "vault/events.hpp"
#include "vault/idempotency.hpp"
#include "vault/object_backup.hpp"
#include "vault/object_collection.hpp"
#include "vault/object_kinds.hpp"
#include "vault/record_scan.hpp"
#include "vault/secret_records.hpp"
#include "vault/secret_rotation_run.hpp"
#include "vault/store_keys.hpp"
#include "vault/version_ids.hpp"

namespace coffer::vault {
namespace {

constexpr std::string_view kBackupKindSecret = "secret";

// A secret gone for good takes its rotation policy and rotation state along.
Status erase_secret(store::WriteTxn& txn, const VaultInfo& vault, const ObjectHead& head) {
  COFFER_RETURN_IF_ERROR(kSecrets.erase(txn, vault, head));
  COFFER_RETURN_IF_ERROR(txn.erase(keys::secret_rotation_run(vault.id, head.name)));
  return txn.erase(keys::secret_policy(vault.id, head.name));
}

Status check_draft(const SecretDraft& d) {
  if (d.value.size() > kMaxSecretValueBytes) {
    return Status(Code::kBadParameter, "The secret value exceeds the maximum size of 25 KiB.");
  }
  if (d.tags.size() > kMaxTags) return Status(Code::kBadParameter, "A secret can have at most 15 tags.");
  for (const auto& [k, v] : d.tags) {
    if (k.empty() || k.size() > kMaxTagNameBytes || v.size() > kMaxTagValueBytes) {
      return Status(Code::kBadParameter, "Tag names must be 1-512 characters and tag values at most 256 characters.");
    }
  }
  if (d.content_type && d.content_type->size() > 255) {
    return Status(Code::kBadParameter, "contentType must be at most 255 characters.");
  }
  return Status::Ok();
}

}  // namespace

SecretService::SecretService(store::Store& store, crypto::Keyring& keyring, const Clock& clock)
    : store_(store), barrier_(keyring), clock_(clock), read_cache_(store, "secrets") {}

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
  p.version = new_object_version_id();
  p.attributes = Attributes{draft.enabled, draft.not_before, draft.expires, now, now};
  p.content_type = draft.content_type;
  p.tags = draft.tags;
  COFFER_ASSIGN_OR_RETURN(Sealed sealed,
                          barrier_.seal(vault, ObjectPlace::secret_version(name, p.version), draft.value.view()));
  std::optional<SecretVersionRecord> replayed;
  // The reads a set makes before it writes, in one round trip: the head, a rotation in flight (when
  // the head exists) and the request's idempotency record.
  std::vector<std::string> read_first = {kSecrets.head_key(vault, name), keys::secret_rotation_run(vault.id, name)};
  if (!draft.idempotency_key.empty()) read_first.push_back(keys::idempotency(vault.id, draft.idempotency_key));
  COFFER_RETURN_IF_ERROR(store_.write([&](store::WriteTxn& txn) -> Status {
    replayed.reset();
    COFFER_RETURN_IF_ERROR(txn.prefetch(read_first));
    COFFER_ASSIGN_OR_RETURN(auto made, recorded_version(txn, vault, draft.idempotency_key));
    if (made) {  // this request already made its version: answer with that one
      COFFER_ASSIGN_OR_RETURN(auto head, kSecrets.load_head(txn, vault, name));
      if (!head) return kSecrets.not_found(name);
      COFFER_ASSIGN_OR_RETURN(auto rec, kSecrets.load_version(txn, vault, *head, *made));
      if (!rec) return kSecrets.not_found(name + "/" + *made);
      rec->properties.name = head->name;
      replayed = std::move(*rec);
      return Status::Ok();
    }
    COFFER_ASSIGN_OR_RETURN(auto head, kSecrets.load_head(txn, vault, name));
    if (head && head->deletion) return kSecrets.deleted_conflict(head->name);
    if (head && head->managed) return kSecrets.managed_refusal("set");
    ObjectHead h = head.value_or(ObjectHead{name, {}, std::nullopt, false});
    h.latest_version = p.version;
    p.name = h.name;
    if (head) {  // a client's new version wins over a rotation in flight
      COFFER_RETURN_IF_ERROR(abort_rotation_run(txn, vault, h.name, "A client set a new version of the secret.", now));
    }
    COFFER_RETURN_IF_ERROR(record_version(txn, vault, draft.idempotency_key, p.version, now));
    COFFER_RETURN_IF_ERROR(append_event(txn, new_version_event("Secret", vault, h.name, p.version, p.attributes, now)));
    COFFER_RETURN_IF_ERROR(schedule_expiry_events(txn, vault, "Secret", h.name, p.version, p.attributes, now));
    return kSecrets.put_version_and_head(txn, vault, h, SecretVersionRecord{p, sealed});
  }));
  if (replayed) {
    out.properties = std::move(replayed->properties);
    COFFER_ASSIGN_OR_RETURN(out.value, barrier_.open(vault, ObjectPlace::secret_version(name, out.properties.version),
                                                     replayed->sealed_value));
    return out;
  }
  out.value = draft.value;
  return out;
}

Status SecretService::put_pending(const VaultInfo& vault, const std::string& name, const std::string& version,
                                  const SecretDraft& draft, const PendingWrite& also) {
  COFFER_RETURN_IF_ERROR(check_draft(draft));
  COFFER_ASSIGN_OR_RETURN(Sealed sealed,
                          barrier_.seal(vault, ObjectPlace::secret_version(name, version), draft.value.view()));
  const int64_t now = clock_.now();
  return store_.write([&](store::WriteTxn& txn) -> Status {
    COFFER_ASSIGN_OR_RETURN(ObjectHead head, kSecrets.live_head(txn, vault, name));
    if (head.managed) return kSecrets.managed_refusal("rotate");
    SecretProperties p;
    p.name = head.name;
    p.version = version;
    p.attributes = Attributes{true, draft.not_before, draft.expires, now, now};
    p.content_type = draft.content_type;
    p.tags = draft.tags;
    p.pending = true;
    COFFER_RETURN_IF_ERROR(kSecrets.put_version(txn, vault, head.name, SecretVersionRecord{p, sealed}));
    return also(txn, head);
  });
}

Status SecretService::promote(const VaultInfo& vault, const std::string& name, const std::string& version,
                              std::optional<int64_t> expires, const PendingWrite& also) {
  const int64_t now = clock_.now();
  return store_.write([&](store::WriteTxn& txn) -> Status {
    COFFER_ASSIGN_OR_RETURN(ObjectHead head, kSecrets.live_head(txn, vault, name));
    COFFER_ASSIGN_OR_RETURN(auto rec, kSecrets.load_version(txn, vault, head, version));
    if (!rec || !rec->properties.pending) {
      return Status(Code::kConflict, "The rotation's pending version " + version + " of " + head.name + " is gone.");
    }
    auto& p = rec->properties;
    p.pending = false;
    p.attributes.created = p.attributes.updated = now;  // the next rotation counts from here
    if (expires) p.attributes.expires = expires;
    COFFER_RETURN_IF_ERROR(kSecrets.put_version(txn, vault, head.name, *rec));
    COFFER_RETURN_IF_ERROR(also(txn, head));  // sees the head as it was: latest_version is still the old current
    COFFER_RETURN_IF_ERROR(
        append_event(txn, new_version_event("Secret", vault, head.name, version, p.attributes, now)));
    COFFER_RETURN_IF_ERROR(schedule_expiry_events(txn, vault, "Secret", head.name, version, p.attributes, now));
    head.latest_version = version;
    return kSecrets.put_head(txn, vault, head);
  });
}

Result<Secret> SecretService::get(const VaultInfo& vault, const std::string& name, const std::string& version) {
  if (!valid_name(name) || (!version.empty() && !valid_version_id(version))) {
    return kSecrets.not_found(version.empty() ? name : name + "/" + version);
  }
  auto rec = kSecrets.cached_live_version(read_cache_, store_, vault, name, version);
  if (!rec.ok()) return rec.status();
  const SecretVersionRecord& found = **rec;
  if (!found.properties.attributes.enabled) {
    return Status(Code::kForbidden, "Operation get is not allowed on a disabled secret.", "SecretDisabled");
  }
  Secret out;
  out.properties = found.properties;
  COFFER_ASSIGN_OR_RETURN(
      out.value, barrier_.open(vault, ObjectPlace::secret_version(name, out.properties.version), found.sealed_value));
  return out;
}

Result<SecretProperties> SecretService::update(const VaultInfo& vault, const std::string& name,
                                               const std::string& version, const SecretPatch& patch) {
  if (!valid_name(name) || (!version.empty() && !valid_version_id(version))) {
    return kSecrets.not_found(version.empty() ? name : name + "/" + version);
  }
  if (patch.tags) {
    SecretDraft check;
    check.tags = *patch.tags;
    check.content_type = patch.content_type;
    COFFER_RETURN_IF_ERROR(check_draft(check));
  }
  SecretProperties out;
  COFFER_RETURN_IF_ERROR(store_.write([&](store::WriteTxn& txn) -> Status {
    COFFER_ASSIGN_OR_RETURN(SecretVersionRecord rec, kSecrets.live_version(txn, vault, name, version));
    if (rec.properties.managed) return kSecrets.managed_refusal("update");
    auto& p = rec.properties;
    if (patch.content_type) p.content_type = patch.content_type;
    if (patch.tags) p.tags = *patch.tags;
    if (patch.enabled) p.attributes.enabled = *patch.enabled;
    if (patch.not_before) p.attributes.not_before = *patch.not_before;
    if (patch.expires) p.attributes.expires = *patch.expires;
    p.attributes.updated = clock_.now();
    out = p;
    if (patch.expires) {  // an exp moved: its events follow it (the old entries find it changed)
      COFFER_RETURN_IF_ERROR(
          schedule_expiry_events(txn, vault, "Secret", p.name, p.version, p.attributes, clock_.now()));
    }
    return kSecrets.put_version(txn, vault, name, rec);
  }));
  return out;
}

Result<Page<SecretProperties>> SecretService::list(const VaultInfo& vault, const PageRequest& page) {
  Page<SecretProperties> out;
  COFFER_RETURN_IF_ERROR(store_.read([&](store::ReadTxn& txn) -> Status {
    COFFER_ASSIGN_OR_RETURN(auto latest, kSecrets.page_latest(txn, vault, page, false));
    for (auto& [head, rec] : latest.items) out.items.push_back(std::move(rec.properties));
    out.next = latest.next;
    return Status::Ok();
  }));
  return out;
}

Result<Page<SecretProperties>> SecretService::list_versions(const VaultInfo& vault, const std::string& name,
                                                            const PageRequest& page) {
  if (!valid_name(name)) return kSecrets.not_found(name);
  Page<SecretProperties> out;
  COFFER_RETURN_IF_ERROR(store_.read([&](store::ReadTxn& txn) -> Status {
    COFFER_ASSIGN_OR_RETURN(auto versions, kSecrets.page_versions(txn, vault, name, page));
    for (auto& rec : versions.items) {
      if (!rec.properties.pending) out.items.push_back(std::move(rec.properties));
    }
    out.next = versions.next;
    return Status::Ok();
  }));
  return out;
}

Result<DeletedSecret> SecretService::remove(const VaultInfo& vault, const std::string& name) {
  if (!valid_name(name)) return kSecrets.not_found(name);
  DeletedSecret out;
  COFFER_RETURN_IF_ERROR(store_.write([&](store::WriteTxn& txn) -> Status {
    COFFER_ASSIGN_OR_RETURN(ObjectHead head, kSecrets.live_head(txn, vault, name));
    if (head.managed) return kSecrets.managed_refusal("delete");
    COFFER_ASSIGN_OR_RETURN(auto rec, kSecrets.latest(txn, vault, head));
    COFFER_RETURN_IF_ERROR(kSecrets.soft_delete(txn, vault, head, clock_.now()));
    out = DeletedSecret{rec.properties, *head.deletion};
    return Status::Ok();
  }));
  return out;
}

Result<DeletedSecret> SecretService::get_deleted(const VaultInfo& vault, const std::string& name) {
  if (!valid_name(name)) return kSecrets.deleted_not_found(name);
  DeletedSecret out;
  COFFER_RETURN_IF_ERROR(store_.read([&](store::ReadTxn& txn) -> Status {
    COFFER_ASSIGN_OR_RETURN(ObjectHead head, kSecrets.deleted_head(txn, vault, name));
    COFFER_ASSIGN_OR_RETURN(auto rec, kSecrets.latest(txn, vault, head));
    out = DeletedSecret{rec.properties, *head.deletion};
    return Status::Ok();
  }));
  return out;
}

Result<Page<DeletedSecret>> SecretService::list_deleted(const VaultInfo& vault, const PageRequest& page) {
  Page<DeletedSecret> out;
  COFFER_RETURN_IF_ERROR(store_.read([&](store::ReadTxn& txn) -> Status {
    COFFER_ASSIGN_OR_RETURN(auto latest, kSecrets.page_latest(txn, vault, page, true));
    for (auto& [head, rec] : latest.items) {
      if (head.managed) continue;  // a certificate's: listed with the deleted certificates
      out.items.push_back(DeletedSecret{std::move(rec.properties), *head.deletion});
    }
    out.next = latest.next;
    return Status::Ok();
  }));
  return out;
}

Result<SecretProperties> SecretService::recover(const VaultInfo& vault, const std::string& name) {
  if (!valid_name(name)) return kSecrets.deleted_not_found(name);
  SecretProperties out;
  COFFER_RETURN_IF_ERROR(store_.write([&](store::WriteTxn& txn) -> Status {
    COFFER_ASSIGN_OR_RETURN(ObjectHead head, kSecrets.deleted_head(txn, vault, name));
    if (head.managed) return kSecrets.managed_refusal("recover");
    COFFER_RETURN_IF_ERROR(kSecrets.recover(txn, vault, head));
    COFFER_ASSIGN_OR_RETURN(auto rec, kSecrets.latest(txn, vault, head));
    out = rec.properties;
    return schedule_expiry_events(txn, vault, "Secret", head.name, out.version, out.attributes, clock_.now());
  }));
  return out;
}

Status SecretService::purge(const VaultInfo& vault, const std::string& name) {
  if (vault.purge_protection) return ObjectHeads::purge_protected();
  if (!valid_name(name)) return kSecrets.deleted_not_found(name);
  return store_.write([&](store::WriteTxn& txn) -> Status {
    COFFER_ASSIGN_OR_RETURN(ObjectHead head, kSecrets.deleted_head(txn, vault, name));
    if (head.managed) return kSecrets.managed_refusal("purge");
    return erase_secret(txn, vault, head);
  });
}

Result<std::string> SecretService::backup(const VaultInfo& vault, const std::string& name) {
  if (!valid_name(name)) return kSecrets.not_found(name);
  ObjectHead head;
  std::vector<SecretVersionRecord> versions;
  COFFER_RETURN_IF_ERROR(store_.read([&](store::ReadTxn& txn) -> Status {
    COFFER_ASSIGN_OR_RETURN(head, kSecrets.live_head(txn, vault, name));
    COFFER_ASSIGN_OR_RETURN(versions, kSecrets.all_versions(txn, vault, head));
    return Status::Ok();
  }));
  if (head.managed) return kSecrets.managed_refusal("backup");
  ObjectBackup b;
  b.name = head.name;
  b.latest_version = head.latest_version;
  for (auto& rec : versions) {
    if (rec.properties.pending) continue;  // a rotation's unfinished version stays here
    const std::string& version = rec.properties.version;
    COFFER_ASSIGN_OR_RETURN(SecureString value,
                            barrier_.open(vault, ObjectPlace::secret_version(name, version), rec.sealed_value));
    b.versions[version] = encode_version_in_clear({rec.properties, std::move(value)}).str();
  }
  return seal_backup(barrier_, kBackupKindSecret, b);
}

Result<SecretProperties> SecretService::restore(const VaultInfo& vault, const std::string& blob) {
  COFFER_ASSIGN_OR_RETURN(ObjectBackup b, open_backup(barrier_, kBackupKindSecret, blob));
  if (!valid_name(b.name)) return Status(Code::kBadParameter, "Backup blob names an invalid secret.");
  std::vector<SecretVersionRecord> versions;
  for (auto& [version, encoded] : b.versions) {
    COFFER_ASSIGN_OR_RETURN(SecretVersionInClear in_clear, decode_version_in_clear(encoded));
    if (!valid_version_id(in_clear.properties.version)) return Status(Code::kBadParameter, "Backup blob is corrupt.");
    const ObjectPlace place = ObjectPlace::secret_version(b.name, in_clear.properties.version);
    COFFER_ASSIGN_OR_RETURN(Sealed sealed, barrier_.seal(vault, place, in_clear.value.view()));
    versions.push_back(SecretVersionRecord{std::move(in_clear.properties), std::move(sealed)});
  }
  SecretProperties out;
  COFFER_RETURN_IF_ERROR(store_.write([&](store::WriteTxn& txn) -> Status {
    COFFER_RETURN_IF_ERROR(kSecrets.check_name_free(txn, vault, b.name));
    bool has_latest = false;
    for (const auto& rec : versions) {
      COFFER_RETURN_IF_ERROR(kSecrets.put_version(txn, vault, b.name, rec));
      if (rec.properties.version == b.latest_version) {
        out = rec.properties;
        has_latest = true;
      }
    }
    if (!has_latest) return Status(Code::kBadParameter, "Backup blob is corrupt.");
    out.name = b.name;
    return kSecrets.put_head(txn, vault, ObjectHead{b.name, b.latest_version, std::nullopt, false});
  }));
  return out;
}

Result<std::size_t> SecretService::purge_due(int64_t now) {
  COFFER_RETURN_IF_ERROR(forget_idempotency(store_, now - kIdempotencySeconds));
  return kSecrets.purge_due(store_, now, erase_secret);
}

Status SecretService::erase_all(const VaultInfo& vault) {
  return store_.write([&](store::WriteTxn& txn) -> Status { return kSecrets.erase_all(txn, vault, erase_secret); });
}

}  // namespace coffer::vault
