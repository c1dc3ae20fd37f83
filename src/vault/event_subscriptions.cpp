#include "vault/event_subscriptions.hpp"

#include <algorithm>

#include "common/ascii.hpp"
#include "common/base64.hpp"
#include "common/record_codec.hpp"
#include "common/secure_memory.hpp"
#include "crypto/digest.hpp"
#include "crypto/random.hpp"
#include "vault/record_scan.hpp"
#include "vault/store_keys.hpp"

namespace coffer::vault {
namespace {

enum SubscriptionField : uint8_t {
  kSubName = 1,
  kSubEndpoint,
  kSubTypes,
  kSubBeginsWith,
  kSubEndsWith,
  kSubCaseSensitive,
  kSubSchema,
  kSubMaxAttempts,
  kSubTtlMinutes,
  kSubState,
  kSubCreated,
  kSubUpdated,
  kSubValidationToken,
  kSubValidationExpires,
  kSubSigningScheme,
  kSubSigningSecret,
};

bool valid_name(const std::string& name) {
  return name.size() >= 3 && name.size() <= 64 &&
         std::all_of(name.begin(), name.end(), [](char c) { return ascii_alnum(c) || c == '-'; });
}

// A manual validation not done in time shows as Failed (it never receives events either way).
void show_expiry(EventSubscription& s, int64_t now) {
  if (s.provisioning_state == kSubscriptionAwaitingManualAction && now > s.validation_expires) {
    s.provisioning_state = std::string(kSubscriptionFailed);
  }
}

Status check(const EventSubscription& s) {
  if (!valid_name(s.name)) {
    return bad_parameter("An event subscription's name has 3 to 64 characters: letters, digits and '-'.");
  }
  if (!s.endpoint_url.starts_with("https://") || s.endpoint_url.size() > 2048 || s.endpoint_url.size() < 9) {
    return bad_parameter("The endpoint must be an https:// URL of at most 2048 characters.");
  }
  if (s.included_event_types.size() > 25) return bad_parameter("At most 25 event types can be included.");
  for (const auto& t : s.included_event_types) {
    const auto& all = event_types::all();
    const auto& coffer = event_types::coffer();
    if (std::find(all.begin(), all.end(), t) == all.end() &&
        std::find(coffer.begin(), coffer.end(), t) == coffer.end()) {
      return bad_parameter("Unknown event type '" + t.substr(0, 100) +
                           "'; use the Microsoft.KeyVault.* types or Coffer.KeyVault.SecretRotationStarted|Failed.");
    }
  }
  if (s.subject_begins_with.size() > 1024 || s.subject_ends_with.size() > 1024) {
    return bad_parameter("A subject filter has at most 1024 characters.");
  }
  if (s.delivery_schema != "EventGridSchema" && s.delivery_schema != "CloudEventSchemaV1_0") {
    return bad_parameter("eventDeliverySchema must be EventGridSchema or CloudEventSchemaV1_0.");
  }
  if (s.max_delivery_attempts < 1 || s.max_delivery_attempts > 30) {
    return bad_parameter("maxDeliveryAttempts must be 1 to 30.");
  }
  if (s.event_ttl_minutes < 1 || s.event_ttl_minutes > 1440) {
    return bad_parameter("eventTimeToLiveInMinutes must be 1 to 1440.");
  }
  return Status::Ok();
}

Status not_found(const std::string& name) {
  return Status(Code::kNotFound, "Event subscription " + name.substr(0, 64) + " not found.", "NotFound");
}

bool affix(std::string_view subject, std::string_view part, bool prefix, bool case_sensitive) {
  if (part.size() > subject.size()) return false;
  const std::string_view piece = prefix ? subject.substr(0, part.size()) : subject.substr(subject.size() - part.size());
  return case_sensitive ? piece == part : iequals_ascii(piece, part);
}

}  // namespace

std::string encode_event_subscription(const EventSubscription& s) {
  RecordWriter w;
  w.bytes(kSubName, s.name).bytes(kSubEndpoint, s.endpoint_url).list(kSubTypes, s.included_event_types);
  w.bytes(kSubBeginsWith, s.subject_begins_with).bytes(kSubEndsWith, s.subject_ends_with);
  w.boolean(kSubCaseSensitive, s.subject_case_sensitive).bytes(kSubSchema, s.delivery_schema);
  w.i64(kSubMaxAttempts, s.max_delivery_attempts).i64(kSubTtlMinutes, s.event_ttl_minutes);
  w.bytes(kSubState, s.provisioning_state).i64(kSubCreated, s.created).i64(kSubUpdated, s.updated);
  if (!s.validation_token_sha256.empty()) {
    w.bytes(kSubValidationToken, s.validation_token_sha256).i64(kSubValidationExpires, s.validation_expires);
  }
  if (!s.signing.scheme.empty()) {
    w.bytes(kSubSigningScheme, s.signing.scheme).bytes(kSubSigningSecret, s.signing.secret.bytes());
  }
  return w.take();
}

Result<EventSubscription> decode_event_subscription(std::string_view data) {
  auto r = RecordReader::parse(data);
  if (!r) return Status(Code::kInternal, "corrupt event subscription record");
  EventSubscription s;
  s.name = r->bytes(kSubName);
  s.endpoint_url = r->bytes(kSubEndpoint);
  s.included_event_types = r->list(kSubTypes);
  s.subject_begins_with = r->bytes(kSubBeginsWith);
  s.subject_ends_with = r->bytes(kSubEndsWith);
  s.subject_case_sensitive = r->boolean(kSubCaseSensitive);
  s.delivery_schema = r->bytes(kSubSchema);
  s.max_delivery_attempts = static_cast<int>(r->i64(kSubMaxAttempts, 30));
  s.event_ttl_minutes = static_cast<int>(r->i64(kSubTtlMinutes, 1440));
  s.provisioning_state = r->bytes(kSubState);
  s.created = r->i64(kSubCreated);
  s.updated = r->i64(kSubUpdated);
  s.validation_token_sha256 = r->bytes(kSubValidationToken);
  s.validation_expires = r->i64(kSubValidationExpires);
  s.signing.scheme = r->bytes(kSubSigningScheme);
  s.signing.secret = Sealed::from_stored(r->bytes(kSubSigningSecret));
  return s;
}

EventSubscriptions::EventSubscriptions(store::Store& store, crypto::Keyring& keyring, const Clock& clock)
    : store_(store), barrier_(keyring), clock_(clock) {}

Result<EventSubscription> EventSubscriptions::put(const VaultInfo& vault, EventSubscription s,
                                                  const Handshake& handshake) {
  COFFER_RETURN_IF_ERROR(check(s));
  COFFER_RETURN_IF_ERROR(check_webhook_signing(s.signing));
  const WebhookSigning wanted = s.signing;  // the transaction may run again: settle from the request each time
  const SecureString token = crypto::random_token(32);
  COFFER_ASSIGN_OR_RETURN(const bool validated, handshake(vault, s, token.str()));
  const int64_t now = clock_.now();
  s.provisioning_state = std::string(validated ? kSubscriptionSucceeded : kSubscriptionAwaitingManualAction);
  s.validation_token_sha256 = validated ? std::string() : crypto::sha256_hex(token.view());
  s.validation_expires = validated ? 0 : now + kManualValidationSeconds;
  s.updated = now;
  COFFER_RETURN_IF_ERROR(store_.write([&](store::WriteTxn& txn) -> Status {
    COFFER_ASSIGN_OR_RETURN(auto existing, txn.get(keys::event_subscription(vault.id, s.name)));
    s.created = now;
    std::optional<EventSubscription> old;
    if (existing) {
      COFFER_ASSIGN_OR_RETURN(old, decode_event_subscription(existing->value));
      s.created = old->created;
      s.name = old->name;  // the stored spelling stays
    }
    COFFER_ASSIGN_OR_RETURN(
        s.signing, settle_webhook_signing(barrier_, vault, ObjectPlace::event_subscription_secret(s.name), wanted,
                                          old ? &old->signing : nullptr));
    return txn.put(keys::event_subscription(vault.id, s.name), encode_event_subscription(s));
  }));
  return s;
}

Result<EventSubscription> EventSubscriptions::validate(const VaultInfo& vault, const std::string& name,
                                                       const std::string& token) {
  const Status refused = bad_parameter("This validation link is not valid, or it has expired.");
  if (!valid_name(name) || token.empty() || token.size() > 256) return refused;
  std::optional<EventSubscription> out;
  COFFER_RETURN_IF_ERROR(store_.write([&](store::WriteTxn& txn) -> Status {
    COFFER_ASSIGN_OR_RETURN(auto rec, txn.get(keys::event_subscription(vault.id, name)));
    if (!rec) return refused;
    COFFER_ASSIGN_OR_RETURN(EventSubscription s, decode_event_subscription(rec->value));
    if (s.provisioning_state != kSubscriptionAwaitingManualAction || clock_.now() > s.validation_expires ||
        !constant_time_equal(crypto::sha256_hex(token), s.validation_token_sha256)) {
      return refused;
    }
    s.provisioning_state = std::string(kSubscriptionSucceeded);
    s.validation_token_sha256.clear();
    s.validation_expires = 0;
    s.updated = clock_.now();
    COFFER_RETURN_IF_ERROR(txn.put(keys::event_subscription(vault.id, s.name), encode_event_subscription(s)));
    out = std::move(s);
    return Status::Ok();
  }));
  return std::move(*out);
}

Result<EventSubscription> EventSubscriptions::get(const VaultInfo& vault, const std::string& name) {
  if (!valid_name(name)) return not_found(name);
  std::optional<EventSubscription> out;
  COFFER_RETURN_IF_ERROR(store_.read([&](store::ReadTxn& txn) -> Status {
    COFFER_ASSIGN_OR_RETURN(auto rec, txn.get(keys::event_subscription(vault.id, name)));
    if (!rec) return not_found(name);
    COFFER_ASSIGN_OR_RETURN(out, decode_event_subscription(rec->value));
    return Status::Ok();
  }));
  show_expiry(*out, clock_.now());
  return std::move(*out);
}

Result<std::vector<EventSubscription>> EventSubscriptions::list(const VaultInfo& vault) {
  std::vector<EventSubscription> out;
  COFFER_RETURN_IF_ERROR(store_.read([&](store::ReadTxn& txn) -> Status {
    COFFER_ASSIGN_OR_RETURN(out, in_vault(txn, vault.id));
    return Status::Ok();
  }));
  for (auto& s : out) show_expiry(s, clock_.now());
  return out;
}

Status EventSubscriptions::remove(const VaultInfo& vault, const std::string& name) {
  if (!valid_name(name)) return not_found(name);
  return store_.write([&](store::WriteTxn& txn) -> Status {
    COFFER_ASSIGN_OR_RETURN(auto rec, txn.get(keys::event_subscription(vault.id, name)));
    if (!rec) return not_found(name);
    std::vector<std::string> queued;
    COFFER_RETURN_IF_ERROR(
        for_each_entry(txn, keys::event_deliveries_prefix(vault.id, name), [&](const store::Entry& e) -> Status {
          queued.push_back(e.key);
          return Status::Ok();
        }));
    for (const auto& k : queued) COFFER_RETURN_IF_ERROR(txn.erase(k));
    return txn.erase(keys::event_subscription(vault.id, name));
  });
}

Result<std::optional<SecureString>> EventSubscriptions::signing_secret(const VaultInfo& vault,
                                                                       const EventSubscription& s) const {
  return open_webhook_secret(barrier_, vault, ObjectPlace::event_subscription_secret(s.name), s.signing);
}

Status EventSubscriptions::disable(const std::string& vault_id, const std::string& name) {
  return store_.write([&](store::WriteTxn& txn) -> Status {
    COFFER_ASSIGN_OR_RETURN(auto rec, txn.get(keys::event_subscription(vault_id, name)));
    if (!rec) return Status::Ok();  // deleted meanwhile
    COFFER_ASSIGN_OR_RETURN(EventSubscription sub, decode_event_subscription(rec->value));
    sub.provisioning_state = std::string(kSubscriptionDisabled);
    sub.updated = clock_.now();
    return txn.put(keys::event_subscription(vault_id, name), encode_event_subscription(sub));
  });
}

Result<std::vector<EventSubscription>> EventSubscriptions::in_vault(store::ReadTxn& txn, const std::string& vault_id) {
  std::vector<EventSubscription> out;
  COFFER_RETURN_IF_ERROR(
      for_each_entry(txn, keys::event_subscription_prefix(vault_id), [&](const store::Entry& e) -> Status {
        COFFER_ASSIGN_OR_RETURN(EventSubscription s, decode_event_subscription(e.value));
        out.push_back(std::move(s));
        return Status::Ok();
      }));
  return out;
}

bool EventSubscriptions::matches(const EventSubscription& s, const Event& e) {
  if (s.provisioning_state != kSubscriptionSucceeded) return false;
  const auto& types = s.included_event_types;
  if (types.empty() ? e.type.starts_with("Coffer.")  // Coffer's own types go only where named
                    : std::find(types.begin(), types.end(), e.type) == types.end()) {
    return false;
  }
  return affix(e.object_name, s.subject_begins_with, true, s.subject_case_sensitive) &&
         affix(e.object_name, s.subject_ends_with, false, s.subject_case_sensitive);
}

}  // namespace coffer::vault
