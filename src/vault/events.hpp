// Events (EVENTS-SPEC.md §1, §3): what changed in a vault, in AKV's Event
// Grid vocabulary, kept in a durable outbox. A change and its event are
// written in the same store transaction (append_event), so an acknowledged
// write always has its event and a rolled-back one never does. An event
// holds names and ids only, never a secret value. Its id (a GUID) is fixed
// here and reused by every delivery attempt, so receivers can deduplicate.
// Outbox keys sort by the order the events were appended in this process
// (the clock's second, then a monotonic counter), so the events of one
// object leave in the order its changes committed.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.hpp"
#include "store/store.hpp"
#include "vault/types.hpp"

namespace coffer::vault {

// "Microsoft.KeyVault.SecretNewVersionCreated", … (the ten AKV names).
namespace event_types {
inline constexpr std::string_view kSecretNewVersionCreated = "Microsoft.KeyVault.SecretNewVersionCreated";
inline constexpr std::string_view kSecretNearExpiry = "Microsoft.KeyVault.SecretNearExpiry";
inline constexpr std::string_view kSecretExpired = "Microsoft.KeyVault.SecretExpired";
inline constexpr std::string_view kKeyNewVersionCreated = "Microsoft.KeyVault.KeyNewVersionCreated";
inline constexpr std::string_view kKeyNearExpiry = "Microsoft.KeyVault.KeyNearExpiry";
inline constexpr std::string_view kKeyExpired = "Microsoft.KeyVault.KeyExpired";
inline constexpr std::string_view kCertificateNewVersionCreated = "Microsoft.KeyVault.CertificateNewVersionCreated";
inline constexpr std::string_view kCertificateNearExpiry = "Microsoft.KeyVault.CertificateNearExpiry";
inline constexpr std::string_view kCertificateExpired = "Microsoft.KeyVault.CertificateExpired";
inline constexpr std::string_view kVaultAccessPolicyChanged = "Microsoft.KeyVault.VaultAccessPolicyChanged";
// Every type above, in that order.
const std::vector<std::string_view>& all();
// Coffer's own types (secret rotation by an external rotator), delivered only
// to subscriptions that include them by name.
inline constexpr std::string_view kSecretRotationStarted = "Coffer.KeyVault.SecretRotationStarted";
inline constexpr std::string_view kSecretRotationFailed = "Coffer.KeyVault.SecretRotationFailed";
const std::vector<std::string_view>& coffer();
}  // namespace event_types

struct Event {
  std::string id;           // GUID
  std::string type;         // one of event_types
  int64_t time = 0;         // Unix seconds (the server's clock) of the commit
  std::string vault_id;     // the vault's GUID (records)
  std::string vault_name;   // as created
  std::string object_type;  // "Secret", "Key", "Certificate" or "Vault"
  std::string object_name;  // stored spelling (the event's subject)
  std::string version;      // 32 hex (empty for Vault events)
  std::optional<int64_t> not_before;
  std::optional<int64_t> expires;
  std::string reason;  // Coffer's rotation events: why it failed, or which step ran
};

// A NewVersionCreated event of `object_type` ("Secret", "Key", "Certificate")
// for a version just written, with a new id.
Event new_version_event(std::string_view object_type, const VaultInfo& vault, const std::string& name,
                        const std::string& version, const Attributes& attributes, int64_t now);

// A Coffer rotation event (`type` one of event_types::coffer()) of the
// secret's PENDING version `version`, with a new id.
Event secret_rotation_event(std::string_view type, const VaultInfo& vault, const std::string& name,
                            const std::string& version, std::string reason, int64_t now);

// VaultAccessPolicyChanged for `vault` (its role assignments or access
// policies changed), with a new id: ObjectType "Vault", no version.
Event vault_access_event(const VaultInfo& vault, int64_t now);

std::string encode_event(const Event& e);
Result<Event> decode_event(std::string_view data);

// Writes `event` into the outbox within `txn` (the transaction of its change).
// An order key ("<time:012x>-<counter:016x>") that sorts after every key made
// before it in this process at that time or earlier.
std::string event_order(int64_t time);

Status append_event(store::WriteTxn& txn, const Event& event);

}  // namespace coffer::vault
