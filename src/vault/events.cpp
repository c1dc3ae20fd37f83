#include "vault/events.hpp"

#include <atomic>
#include <cstdio>

#include "common/record_codec.hpp"
#include "crypto/random.hpp"
#include "vault/store_keys.hpp"

namespace coffer::vault {
namespace {

enum EventField : uint8_t {
  kId = 1,
  kType,
  kTime,
  kVaultId,
  kVaultName,
  kObjectType,
  kObjectName,
  kVersion,
  kNotBefore,
  kExpires,
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

std::string encode_event(const Event& e) {
  RecordWriter w;
  w.bytes(kId, e.id).bytes(kType, e.type).i64(kTime, e.time).bytes(kVaultId, e.vault_id);
  w.bytes(kVaultName, e.vault_name).bytes(kObjectType, e.object_type).bytes(kObjectName, e.object_name);
  w.bytes(kVersion, e.version);
  if (e.not_before) w.i64(kNotBefore, *e.not_before);
  if (e.expires) w.i64(kExpires, *e.expires);
  return w.take();
}

Result<Event> decode_event(std::string_view data) {
  auto r = RecordReader::parse(data);
  if (!r) return Status(Code::kInternal, "corrupt event record");
  Event e;
  e.id = r->bytes(kId);
  e.type = r->bytes(kType);
  e.time = r->i64(kTime);
  e.vault_id = r->bytes(kVaultId);
  e.vault_name = r->bytes(kVaultName);
  e.object_type = r->bytes(kObjectType);
  e.object_name = r->bytes(kObjectName);
  e.version = r->bytes(kVersion);
  e.not_before = r->opt_i64(kNotBefore);
  e.expires = r->opt_i64(kExpires);
  return e;
}

Status append_event(store::WriteTxn& txn, const Event& event) {
  char order[40];
  std::snprintf(order, sizeof order, "%012llx-%016llx", static_cast<unsigned long long>(event.time),
                static_cast<unsigned long long>(sequence.fetch_add(1)));
  return txn.put(keys::outbox_entry(order, event.id), encode_event(event));
}

}  // namespace coffer::vault
