#include "vault/events.hpp"

#include <atomic>
#include <cstdio>

#include "common/record_codec.hpp"
#include "crypto/random.hpp"
#include "vault/store_keys.hpp"

namespace coffer::vault {
namespace {

enum EventField : uint8_t {
  kEventId = 1,
  kEventType,
  kEventTime,
  kEventVaultId,
  kEventVaultName,
  kEventObjectType,
  kEventObjectName,
  kEventVersion,
  kEventNotBefore,
  kEventExpires,
  kEventReason,
};

// Orders the events appended by this process within one second of the clock.
std::atomic<uint64_t> sequence{0};

}  // namespace

const std::vector<std::string_view>& event_types::all() {
  static const std::vector<std::string_view> types = {
      kSecretNewVersionCreated,      kSecretNearExpiry,      kSecretExpired,
      kKeyNewVersionCreated,         kKeyNearExpiry,         kKeyExpired,
      kCertificateNewVersionCreated, kCertificateNearExpiry, kCertificateExpired,
      kVaultAccessPolicyChanged};
  return types;
}

const std::vector<std::string_view>& event_types::coffer() {
  static const std::vector<std::string_view> types = {kSecretRotationStarted, kSecretRotationFailed};
  return types;
}

Event new_version_event(std::string_view object_type, const VaultInfo& vault, const std::string& name,
                        const std::string& version, const Attributes& attributes, int64_t now) {
  Event e;
  e.id = crypto::new_guid();
  e.type = "Microsoft.KeyVault." + std::string(object_type) + "NewVersionCreated";
  e.time = now;
  e.vault_id = vault.id;
  e.vault_name = vault.name;
  e.object_type = std::string(object_type);
  e.object_name = name;
  e.version = version;
  e.not_before = attributes.not_before;
  e.expires = attributes.expires;
  return e;
}

Event secret_rotation_event(std::string_view type, const VaultInfo& vault, const std::string& name,
                            const std::string& version, std::string reason, int64_t now) {
  Event e;
  e.id = crypto::new_guid();
  e.type = std::string(type);
  e.time = now;
  e.vault_id = vault.id;
  e.vault_name = vault.name;
  e.object_type = "Secret";
  e.object_name = name;
  e.version = version;
  e.reason = std::move(reason);
  return e;
}

Event vault_access_event(const VaultInfo& vault, int64_t now) {
  Event e;
  e.id = crypto::new_guid();
  e.type = std::string(event_types::kVaultAccessPolicyChanged);
  e.time = now;
  e.vault_id = vault.id;
  e.vault_name = vault.name;
  e.object_type = "Vault";
  e.object_name = vault.name;
  return e;
}

std::string encode_event(const Event& e) {
  RecordWriter w;
  w.bytes(kEventId, e.id).bytes(kEventType, e.type).i64(kEventTime, e.time).bytes(kEventVaultId, e.vault_id);
  w.bytes(kEventVaultName, e.vault_name).bytes(kEventObjectType, e.object_type).bytes(kEventObjectName, e.object_name);
  w.bytes(kEventVersion, e.version);
  if (e.not_before) w.i64(kEventNotBefore, *e.not_before);
  if (e.expires) w.i64(kEventExpires, *e.expires);
  if (!e.reason.empty()) w.bytes(kEventReason, e.reason);
  return w.take();
}

Result<Event> decode_event(std::string_view data) {
  auto r = RecordReader::parse(data);
  if (!r) return Status(Code::kInternal, "corrupt event record");
  Event e;
  e.id = r->bytes(kEventId);
  e.type = r->bytes(kEventType);
  e.time = r->i64(kEventTime);
  e.vault_id = r->bytes(kEventVaultId);
  e.vault_name = r->bytes(kEventVaultName);
  e.object_type = r->bytes(kEventObjectType);
  e.object_name = r->bytes(kEventObjectName);
  e.version = r->bytes(kEventVersion);
  e.not_before = r->opt_i64(kEventNotBefore);
  e.expires = r->opt_i64(kEventExpires);
  e.reason = r->bytes(kEventReason);
  return e;
}

std::string event_order(int64_t time) {
  char order[40];
  std::snprintf(order, sizeof order, "%012llx-%016llx", static_cast<unsigned long long>(time),
                static_cast<unsigned long long>(sequence.fetch_add(1)));
  return order;
}

Status append_event(store::WriteTxn& txn, const Event& event) {
  return txn.put(keys::outbox_entry(event_order(event.time), event.id), encode_event(event));
}

}  // namespace coffer::vault
