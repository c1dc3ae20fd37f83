#include "vault/event_schedule.hpp"

#include <algorithm>
#include <cstdio>

#include "common/ascii.hpp"
#include "common/record_codec.hpp"
#include "crypto/random.hpp"
#include "vault/events.hpp"
#include "vault/key_records.hpp"
#include "vault/lifetime_actions.hpp"
#include "vault/object_kinds.hpp"
#include "vault/secret_rotation_policy.hpp"
#include "vault/store_keys.hpp"

namespace coffer::vault {
namespace {

constexpr std::string_view kPrefix = "evsched/";
enum EntryField : uint8_t {
  kSchedVaultId = 1,
  kSchedVaultName,
  kSchedType,
  kSchedName,
  kSchedVersion,
  kSchedExpires,
  kSchedWhich,
  kSchedNearOffset
};

// "evsched/<due:012x>/<1near|2expired>/<vault-id>/<type>/<name-lc>/<version>": due order, Near first.
std::string entry_key(int64_t due, std::string_view which, const std::string& vault_id, std::string_view type,
                      const std::string& name, const std::string& version) {
  char when[16];
  std::snprintf(when, sizeof when, "%012llx", static_cast<unsigned long long>(due));
  return std::string(kPrefix) + when + "/" + std::string(which) + "/" + vault_id + "/" + std::string(type) + "/" +
         lower_ascii(name) + "/" + version;
}

// The due time of an entry key.
int64_t due_of(std::string_view key) {
  return static_cast<int64_t>(std::stoull(std::string(key.substr(kPrefix.size(), 12)), nullptr, 16));
}

// The object's current version and its attributes, when it is live.
struct Current {
  std::string name;  // stored spelling
  std::string version;
  Attributes attributes;
};

template <typename Collection>
Result<std::optional<Current>> current_of(store::ReadTxn& txn, const Collection& objects, const VaultInfo& vault,
                                          const std::string& name) {
  COFFER_ASSIGN_OR_RETURN(auto head, objects.load_head(txn, vault, name));
  if (!head || head->deletion) return std::optional<Current>();
  COFFER_ASSIGN_OR_RETURN(auto rec, objects.load_version(txn, vault, *head, head->latest_version));
  if (!rec) return std::optional<Current>();
  return std::optional<Current>(Current{head->name, head->latest_version, rec->properties.attributes});
}

}  // namespace

Result<int64_t> near_expiry_offset(store::ReadTxn& txn, const std::string& vault_id, std::string_view object_type,
                                   const std::string& name) {
  std::optional<int64_t> notify;
  if (object_type == "Key") {
    COFFER_ASSIGN_OR_RETURN(auto stored, txn.get(keys::key_policy(vault_id, name)));
    if (stored) {
      COFFER_ASSIGN_OR_RETURN(RotationPolicy policy, decode_rotation_policy(stored->value));
      notify = notify_before_expiry(policy);
    }
  } else if (object_type == "Secret") {
    COFFER_ASSIGN_OR_RETURN(auto stored, txn.get(keys::secret_policy(vault_id, name)));
    if (stored) {
      COFFER_ASSIGN_OR_RETURN(SecretRotationPolicy policy, decode_secret_rotation_policy(stored->value));
      notify = notify_before_expiry(policy.schedule);
    }
  }
  return notify.value_or(kNearExpirySeconds);
}

Status schedule_expiry_events(store::WriteTxn& txn, const VaultInfo& vault, std::string_view object_type,
                              const std::string& name, const std::string& version, const Attributes& attributes,
                              int64_t now) {
  if (!attributes.expires) return Status::Ok();
  const int64_t exp = *attributes.expires;
  COFFER_ASSIGN_OR_RETURN(const int64_t near_offset, near_expiry_offset(txn, vault.id, object_type, name));
  for (const auto& [which, due] : {std::pair<std::string_view, int64_t>{"1near", std::max(now, exp - near_offset)},
                                   std::pair<std::string_view, int64_t>{"2expired", std::max(now, exp)}}) {
    RecordWriter w;
    w.bytes(kSchedVaultId, vault.id)
        .bytes(kSchedVaultName, vault.name)
        .bytes(kSchedType, object_type)
        .bytes(kSchedName, name);
    w.bytes(kSchedVersion, version).i64(kSchedExpires, exp).bytes(kSchedWhich, which);
    w.i64(kSchedNearOffset, near_offset);
    COFFER_RETURN_IF_ERROR(txn.put(entry_key(due, which, vault.id, object_type, name, version), w.take()));
  }
  return Status::Ok();
}

EventSchedule::EventSchedule(store::Store& store, const Clock& clock) : store_(store), clock_(clock) {}

Result<std::size_t> EventSchedule::fire_due(int64_t now) {
  std::vector<std::string> due;
  COFFER_RETURN_IF_ERROR(store_.read([&](store::ReadTxn& txn) -> Status {
    due.clear();
    std::string after;
    while (true) {
      COFFER_ASSIGN_OR_RETURN(auto entries, txn.scan(kPrefix, after, 256));
      for (const auto& e : entries) {
        if (due_of(e.key) > now) return Status::Ok();  // the rest is later
        due.push_back(e.key);
      }
      if (entries.size() < 256) return Status::Ok();
      after = entries.back().key;
    }
  }));
  std::size_t fired = 0;
  for (const auto& key : due) {
    bool appended = false;
    COFFER_RETURN_IF_ERROR(store_.write([&](store::WriteTxn& txn) -> Status {
      appended = false;
      COFFER_ASSIGN_OR_RETURN(auto entry, txn.get(key));
      if (!entry) return Status::Ok();  // fired by another server
      auto r = RecordReader::parse(entry->value);
      if (!r) return txn.erase(key);
      VaultInfo vault;
      vault.id = r->bytes(kSchedVaultId);
      vault.name = r->bytes(kSchedVaultName);
      const std::string type = r->bytes(kSchedType);
      const std::string name = r->bytes(kSchedName);
      std::optional<Current> current;
      if (type == "Secret") {
        COFFER_ASSIGN_OR_RETURN(current, current_of(txn, kSecrets, vault, name));
      } else if (type == "Key") {
        COFFER_ASSIGN_OR_RETURN(current, current_of(txn, kKeys, vault, name));
      } else if (type == "Certificate") {
        COFFER_ASSIGN_OR_RETURN(current, current_of(txn, kCerts, vault, name));
      }
      // Superseded, deleted, given another exp or another Notify offset since: nothing to say any more.
      bool still = current && current->version == r->bytes(kSchedVersion) && current->attributes.expires &&
                   *current->attributes.expires == r->i64(kSchedExpires);
      if (still && r->bytes(kSchedWhich) == "1near") {
        COFFER_ASSIGN_OR_RETURN(int64_t offset, near_expiry_offset(txn, vault.id, type, name));
        still = offset == r->i64(kSchedNearOffset, kNearExpirySeconds);
      }
      if (still) {
        Event e;
        e.id = crypto::new_guid();
        e.type = "Microsoft.KeyVault." + type + (r->bytes(kSchedWhich) == "1near" ? "NearExpiry" : "Expired");
        e.time = clock_.now();
        e.vault_id = vault.id;
        e.vault_name = vault.name;
        e.object_type = type;
        e.object_name = current->name;
        e.version = current->version;
        e.not_before = current->attributes.not_before;
        e.expires = current->attributes.expires;
        COFFER_RETURN_IF_ERROR(append_event(txn, e));
        appended = true;
      }
      return txn.erase(key);
    }));
    if (appended) ++fired;
  }
  return fired;
}

}  // namespace coffer::vault
