// ObjectCollection: the store layout and lifecycle every versioned object
// kind shares (secrets, keys, certificates). Per name there is one
// head (stored spelling, latest version, deletion state while soft-deleted,
// whether a certificate manages it) and one record per version, under the
// kind's prefixes (store_keys.hpp). Soft delete sets the head's deletion
// dates and files the name in the purge queue; recover takes it out again;
// erase removes versions, queue entry and head. Every write of a head or a
// version is recorded in the vault's change feed (change_feed.hpp). The AKV error a missing,
// deleted or managed object gets is built here, once, from the kind's
// nouns. Stateless besides its spec: every call works inside the caller's
// transaction, but cached_live_version(), which reads in one of its own.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.hpp"
#include "store/store.hpp"
#include "vault/change_feed.hpp"
#include "vault/read_cache.hpp"
#include "vault/record_scan.hpp"
#include "vault/store_keys.hpp"
#include "vault/types.hpp"

namespace coffer::vault {

struct ObjectHead {
  std::string name;
  std::string latest_version;
  std::optional<DeletionInfo> deletion;  // set while soft-deleted
  bool managed = false;                  // a certificate's key or secret
};

std::string encode_head(const ObjectHead& h);
Result<ObjectHead> decode_head(std::string_view data);

struct CollectionSpec {
  std::string_view kind;   // "secret", "key": purge-queue collection and lower-case noun
  std::string_view title;  // "Secret", "Key": messages and innererror codes
  Code not_found_code;     // kSecretNotFound, kKeyNotFound
  std::string (*head_prefix)(std::string_view vault_id);
  std::string (*versions_prefix)(std::string_view vault_id, std::string_view name);
};

// Everything about heads; ObjectCollection adds the version records.
class ObjectHeads {
 public:
  explicit ObjectHeads(CollectionSpec spec) : spec_(spec) {}

  // 404: "A secret with (name/id) N was not found in this key vault…".
  Status not_found(const std::string& name) const;
  // 404: "Deleted Secret not found: N".
  Status deleted_not_found(const std::string& name) const;
  // 409 ObjectIsDeletedButRecoverable.
  Status deleted_conflict(const std::string& name) const;
  // 409 ObjectAlreadyExists (restore onto a live name).
  Status already_exists(const std::string& name) const;
  // 403 <Title>ManagedByKeyVault: `operation` ("set", "delete", …) on an
  // object whose lifetime its certificate manages.
  Status managed_refusal(std::string_view operation) const;
  // 403 ForbiddenByPolicy: purge under purge protection.
  static Status purge_protected();

  std::string head_key(const VaultInfo& vault, std::string_view name) const;
  std::string version_key(const VaultInfo& vault, std::string_view name, std::string_view version) const;
  std::string versions_prefix(const VaultInfo& vault, std::string_view name) const;

  Result<std::optional<ObjectHead>> load_head(store::ReadTxn& txn, const VaultInfo& vault,
                                              const std::string& name) const;
  // The head of a live object, or not_found().
  Result<ObjectHead> live_head(store::ReadTxn& txn, const VaultInfo& vault, const std::string& name) const;
  // The head of a soft-deleted object, or deleted_not_found().
  Result<ObjectHead> deleted_head(store::ReadTxn& txn, const VaultInfo& vault, const std::string& name) const;
  // OK when no object (live or deleted) holds the name.
  Status check_name_free(store::ReadTxn& txn, const VaultInfo& vault, const std::string& name) const;
  Status put_head(store::WriteTxn& txn, const VaultInfo& vault, const ObjectHead& head) const;

  // Soft delete at `now` for the vault's retention; `head` gets the dates.
  Status soft_delete(store::WriteTxn& txn, const VaultInfo& vault, ObjectHead& head, int64_t now) const;
  Status recover(store::WriteTxn& txn, const VaultInfo& vault, ObjectHead& head) const;
  // Versions, purge-queue entry, head.
  Status erase(store::WriteTxn& txn, const VaultInfo& vault, const ObjectHead& head) const;

  // Up to page.max heads, live or soft-deleted, after the cursor.
  Result<Page<ObjectHead>> page(store::ReadTxn& txn, const VaultInfo& vault, const PageRequest& page,
                                bool deleted) const;

  using EraseFn = std::function<Status(store::WriteTxn&, const VaultInfo&, const ObjectHead&)>;
  // Every object of the vault, live or deleted, each by `erase` (vault
  // deletion); kForbidden, erasing nothing, under purge protection when the
  // vault holds any.
  Status erase_all(store::WriteTxn& txn, const VaultInfo& vault, const EraseFn& erase) const;

  // Soft-deleted objects (all vaults) whose purge date ≤ now: `erase` runs
  // for each in its own transaction (it may remove more than erase() does),
  // and `committed`, when given, after each such transaction committed.
  // Returns how many were purged.
  Result<std::size_t> purge_due(store::Store& store, int64_t now, const EraseFn& erase,
                                const std::function<void()>& committed = {}) const;

 protected:
  const CollectionSpec& spec() const { return spec_; }

 private:
  CollectionSpec spec_;
};

// Record: a type with `properties.name` and `.version` (and `.managed` when
// the kind can be managed), and the codec functions Decode/Encode of its
// store form.
template <typename Record, Result<Record> (*Decode)(std::string_view), std::string (*Encode)(const Record&)>
class ObjectCollection : public ObjectHeads {
 public:
  using ObjectHeads::ObjectHeads;

  // The version's record (name and managed filled from the head), or nullopt.
  Result<std::optional<Record>> load_version(store::ReadTxn& txn, const VaultInfo& vault, const ObjectHead& head,
                                             const std::string& version) const {
    COFFER_ASSIGN_OR_RETURN(auto entry, txn.get(version_key(vault, head.name, lower_ascii(version))));
    if (!entry) return std::optional<Record>();
    COFFER_ASSIGN_OR_RETURN(Record rec, Decode(entry->value));
    fill(rec, head);
    return std::optional<Record>(std::move(rec));
  }

  Result<Record> latest(store::ReadTxn& txn, const VaultInfo& vault, const ObjectHead& head) const {
    COFFER_ASSIGN_OR_RETURN(auto rec, load_version(txn, vault, head, head.latest_version));
    if (!rec) {
      return Status(Code::kInternal, std::string(spec().kind) + " " + head.name + " has no latest version record");
    }
    return std::move(*rec);
  }

  // The live object's version (`version` empty = latest), or not_found().
  Result<Record> live_version(store::ReadTxn& txn, const VaultInfo& vault, const std::string& name,
                              const std::string& version) const {
    COFFER_ASSIGN_OR_RETURN(ObjectHead head, live_head(txn, vault, name));
    COFFER_ASSIGN_OR_RETURN(auto rec, load_version(txn, vault, head, version.empty() ? head.latest_version : version));
    if (!rec) return not_found(name + "/" + version);
    return std::move(*rec);
  }

  // live_version() through `cache`: shared from memory while the store has
  // not changed, else read in a transaction of its own.
  Result<std::shared_ptr<const Record>> cached_live_version(ReadCache<Record>& cache, store::Store& store,
                                                            const VaultInfo& vault, const std::string& name,
                                                            const std::string& version) const {
    return cache.get(object_cache_key(vault.id, name, version), [&]() -> Result<Record> {
      std::optional<Record> found;
      COFFER_RETURN_IF_ERROR(store.read([&](store::ReadTxn& txn) -> Status {
        COFFER_ASSIGN_OR_RETURN(found, live_version(txn, vault, name, version));
        return Status::Ok();
      }));
      return std::move(*found);
    });
  }

  Status put_version(store::WriteTxn& txn, const VaultInfo& vault, const std::string& name, const Record& rec) const {
    COFFER_RETURN_IF_ERROR(record_change(txn, vault.id, spec().kind, name));
    return txn.put(version_key(vault, name, rec.properties.version), Encode(rec));
  }

  // A new version and the head naming it, in one transaction: the change feed gets one entry for
  // both (each entry is a write of its own and a step of the vault's change counter).
  Status put_version_and_head(store::WriteTxn& txn, const VaultInfo& vault, const ObjectHead& head,
                              const Record& rec) const {
    COFFER_RETURN_IF_ERROR(txn.put(version_key(vault, head.name, rec.properties.version), Encode(rec)));
    return put_head(txn, vault, head);
  }

  // Heads with their latest records, live or soft-deleted, one page.
  Result<Page<std::pair<ObjectHead, Record>>> page_latest(store::ReadTxn& txn, const VaultInfo& vault,
                                                          const PageRequest& request, bool deleted) const {
    Page<std::pair<ObjectHead, Record>> out;
    COFFER_ASSIGN_OR_RETURN(auto heads, page(txn, vault, request, deleted));
    for (auto& h : heads.items) {
      COFFER_ASSIGN_OR_RETURN(Record rec, latest(txn, vault, h));
      out.items.emplace_back(std::move(h), std::move(rec));
    }
    out.next = heads.next;
    return out;
  }

  // One page of the versions of a live object, in version-id order. A name
  // with no live object has no versions: an empty page, as AKV answers
  // `GET /secrets/{never-set}/versions` with 200 and an empty list.
  Result<Page<Record>> page_versions(store::ReadTxn& txn, const VaultInfo& vault, const std::string& name,
                                     const PageRequest& request) const {
    COFFER_ASSIGN_OR_RETURN(std::optional<ObjectHead> found, load_head(txn, vault, name));
    if (!found || found->deletion) return Page<Record>{};
    const ObjectHead& head = *found;
    const std::string prefix = versions_prefix(vault, name);
    const std::string after = request.after.empty() ? std::string() : prefix + request.after;
    COFFER_ASSIGN_OR_RETURN(auto entries, txn.scan(prefix, after, request.max + 1));
    Page<Record> out;
    for (const auto& e : entries) {
      if (out.items.size() == request.max) {
        out.next = out.items.back().properties.version;
        break;
      }
      COFFER_ASSIGN_OR_RETURN(Record rec, Decode(e.value));
      fill(rec, head);
      out.items.push_back(std::move(rec));
    }
    return out;
  }

  // Every version of the object (backup), in version-id order.
  Result<std::vector<Record>> all_versions(store::ReadTxn& txn, const VaultInfo& vault, const ObjectHead& head) const {
    std::vector<Record> out;
    COFFER_RETURN_IF_ERROR(for_each_entry(txn, versions_prefix(vault, head.name), [&](const store::Entry& e) -> Status {
      COFFER_ASSIGN_OR_RETURN(Record rec, Decode(e.value));
      fill(rec, head);
      out.push_back(std::move(rec));
      return Status::Ok();
    }));
    return out;
  }

 private:
  static void fill(Record& rec, const ObjectHead& head) {
    rec.properties.name = head.name;
    if constexpr (requires { rec.properties.managed; }) rec.properties.managed = head.managed;
  }
};

}  // namespace coffer::vault
