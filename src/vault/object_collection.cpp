#include "vault/object_collection.hpp"

#include "common/ascii.hpp"
#include "common/record_codec.hpp"
#include "common/time_format.hpp"
#include "vault/change_feed.hpp"

namespace coffer::vault {
namespace {

enum HeadField : uint8_t { kHName = 1, kHLatest, kHDeleted, kHPurge, kHManaged };

}  // namespace

std::string encode_head(const ObjectHead& h) {
  RecordWriter w;
  w.bytes(kHName, h.name).bytes(kHLatest, h.latest_version).boolean(kHManaged, h.managed);
  if (h.deletion) w.i64(kHDeleted, h.deletion->deleted_date).i64(kHPurge, h.deletion->scheduled_purge_date);
  return w.take();
}

Result<ObjectHead> decode_head(std::string_view data) {
  auto r = RecordReader::parse(data);
  if (!r) return Status(Code::kInternal, "corrupt object head record");
  ObjectHead h;
  h.name = r->bytes(kHName);
  h.latest_version = r->bytes(kHLatest);
  h.managed = r->boolean(kHManaged);
  if (r->has(kHDeleted)) h.deletion = DeletionInfo{r->i64(kHDeleted), r->i64(kHPurge)};
  return h;
}

Status ObjectHeads::not_found(const std::string& name) const {
  return Status(spec_.not_found_code,
                "A " + std::string(spec_.kind) + " with (name/id) " + name +
                    " was not found in this key vault. If you recently deleted this " + std::string(spec_.kind) +
                    " you may be able to recover it using the correct recovery command. For help resolving this "
                    "issue, please see https://go.microsoft.com/fwlink/?linkid=2125182");
}

Status ObjectHeads::deleted_not_found(const std::string& name) const {
  return Status(spec_.not_found_code, "Deleted " + std::string(spec_.title) + " not found: " + name);
}

Status ObjectHeads::deleted_conflict(const std::string& name) const {
  return Status(Code::kConflict,
                std::string(spec_.title) + " " + name +
                    " is currently in a deleted but recoverable state, and its name cannot be reused; in this "
                    "state, the " +
                    std::string(spec_.kind) + " can only be recovered or purged.",
                "ObjectIsDeletedButRecoverable");
}

Status ObjectHeads::already_exists(const std::string& name) const {
  return Status(Code::kConflict, std::string(spec_.title) + " " + name + " already exists in this vault.",
                "ObjectAlreadyExists");
}

Status ObjectHeads::managed_refusal(std::string_view operation) const {
  return Status(
      Code::kForbidden,
      "Operation \"" + std::string(operation) + "\" is not allowed as this object's lifetime is managed by Key Vault.",
      std::string(spec_.title) + "ManagedByKeyVault");
}

Status ObjectHeads::purge_protected() {
  return Status(Code::kForbidden,
                "Operation \"purge\" is not allowed because purge protection is enabled for this vault. Key Vault "
                "service will automatically purge it after the retention period has passed.",
                "ForbiddenByPolicy");
}

std::string ObjectHeads::head_key(const VaultInfo& vault, std::string_view name) const {
  return spec_.head_prefix(vault.id) + lower_ascii(name);
}

std::string ObjectHeads::versions_prefix(const VaultInfo& vault, std::string_view name) const {
  return spec_.versions_prefix(vault.id, name);
}

std::string ObjectHeads::version_key(const VaultInfo& vault, std::string_view name, std::string_view version) const {
  return versions_prefix(vault, name) + std::string(version);
}

Result<std::optional<ObjectHead>> ObjectHeads::load_head(store::ReadTxn& txn, const VaultInfo& vault,
                                                         const std::string& name) const {
  COFFER_ASSIGN_OR_RETURN(auto entry, txn.get(head_key(vault, name)));
  if (!entry) return std::optional<ObjectHead>();
  COFFER_ASSIGN_OR_RETURN(ObjectHead head, decode_head(entry->value));
  return std::optional<ObjectHead>(std::move(head));
}

Result<ObjectHead> ObjectHeads::live_head(store::ReadTxn& txn, const VaultInfo& vault, const std::string& name) const {
  COFFER_ASSIGN_OR_RETURN(auto head, load_head(txn, vault, name));
  if (!head || head->deletion) return not_found(name);
  return std::move(*head);
}

Result<ObjectHead> ObjectHeads::deleted_head(store::ReadTxn& txn, const VaultInfo& vault,
                                             const std::string& name) const {
  COFFER_ASSIGN_OR_RETURN(auto head, load_head(txn, vault, name));
  if (!head || !head->deletion) return deleted_not_found(name);
  return std::move(*head);
}

Status ObjectHeads::check_name_free(store::ReadTxn& txn, const VaultInfo& vault, const std::string& name) const {
  COFFER_ASSIGN_OR_RETURN(auto existing, load_head(txn, vault, name));
  if (existing && existing->deletion) return deleted_conflict(existing->name);
  if (existing) return already_exists(existing->name);
  return Status::Ok();
}

Status ObjectHeads::put_head(store::WriteTxn& txn, const VaultInfo& vault, const ObjectHead& head) const {
  COFFER_RETURN_IF_ERROR(record_change(txn, vault.id, spec_.kind, head.name));
  return txn.put(head_key(vault, head.name), encode_head(head));
}

Status ObjectHeads::soft_delete(store::WriteTxn& txn, const VaultInfo& vault, ObjectHead& head, int64_t now) const {
  head.deletion = DeletionInfo{now, now + int64_t(vault.retention_days) * kSecondsPerDay};
  COFFER_RETURN_IF_ERROR(put_head(txn, vault, head));
  return txn.put(keys::purge_queue_entry(head.deletion->scheduled_purge_date, spec_.kind, vault.id, head.name), "");
}

Status ObjectHeads::recover(store::WriteTxn& txn, const VaultInfo& vault, ObjectHead& head) const {
  if (head.deletion) {
    COFFER_RETURN_IF_ERROR(
        txn.erase(keys::purge_queue_entry(head.deletion->scheduled_purge_date, spec_.kind, vault.id, head.name)));
  }
  head.deletion.reset();
  return put_head(txn, vault, head);
}

Status ObjectHeads::erase(store::WriteTxn& txn, const VaultInfo& vault, const ObjectHead& head) const {
  COFFER_RETURN_IF_ERROR(erase_prefix(txn, versions_prefix(vault, head.name)));
  if (head.deletion) {
    COFFER_RETURN_IF_ERROR(
        txn.erase(keys::purge_queue_entry(head.deletion->scheduled_purge_date, spec_.kind, vault.id, head.name)));
  }
  COFFER_RETURN_IF_ERROR(record_change(txn, vault.id, spec_.kind, head.name));
  return txn.erase(head_key(vault, head.name));
}

Result<Page<ObjectHead>> ObjectHeads::page(store::ReadTxn& txn, const VaultInfo& vault, const PageRequest& request,
                                           bool deleted) const {
  return page_heads<ObjectHead>(txn, spec_.head_prefix(vault.id), request, deleted, decode_head);
}

Status ObjectHeads::erase_all(store::WriteTxn& txn, const VaultInfo& vault, const EraseFn& erase_object) const {
  std::vector<ObjectHead> heads;
  COFFER_RETURN_IF_ERROR(for_each_entry(txn, spec_.head_prefix(vault.id), [&](const store::Entry& e) -> Status {
    COFFER_ASSIGN_OR_RETURN(ObjectHead h, decode_head(e.value));
    heads.push_back(std::move(h));
    return Status::Ok();
  }));
  if (vault.purge_protection && !heads.empty()) {
    return Status(Code::kForbidden, "Vault " + vault.name + " has purge protection and still holds " +
                                        std::string(spec_.kind) + "s; it cannot be deleted.");
  }
  for (const auto& h : heads) COFFER_RETURN_IF_ERROR(erase_object(txn, vault, h));
  return Status::Ok();
}

Result<std::size_t> ObjectHeads::purge_due(store::Store& store, int64_t now, const EraseFn& erase_object,
                                           const std::function<void()>& committed) const {
  COFFER_ASSIGN_OR_RETURN(auto due, due_purges(store, now, spec_.kind));
  std::size_t purged = 0;
  for (const auto& d : due) {
    VaultInfo owner;
    owner.id = d.vault_id;
    bool erased = false;  // set inside the callback, counted only once committed
    COFFER_RETURN_IF_ERROR(store.write([&](store::WriteTxn& txn) -> Status {
      erased = false;
      COFFER_ASSIGN_OR_RETURN(auto head, load_head(txn, owner, d.name));
      if (!head || !head->deletion || head->deletion->scheduled_purge_date > now) return txn.erase(d.entry);
      erased = true;
      return erase_object(txn, owner, *head);
    }));
    if (erased) {
      ++purged;
      if (committed) committed();
    }
  }
  return purged;
}

}  // namespace coffer::vault
