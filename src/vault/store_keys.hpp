// The store key layout of the vault layer, in one place:
//   vault/<name-lc>                                  VaultInfo
//   rg/<name-lc>                                     ResourceGroup (ARM)
//   secret/<vault-id>/<name-lc>                      SecretHead (latest version, deletion state)
//   secretver/<vault-id>/<name-lc>/<version>         one secret version (value sealed)
//   secretpolicy/<vault-id>/<name-lc>                the secret's rotation policy (secret_rotation_policy.hpp)
//   key/<vault-id>/<name-lc>                         KeyHead (same shape as SecretHead)
//   keyver/<vault-id>/<name-lc>/<version>            one key version (private key sealed)
//   keypolicy/<vault-id>/<name-lc>                   the key's rotation policy
//   cert/<vault-id>/<name-lc>                        certificate ObjectHead
//   certver/<vault-id>/<name-lc>/<version>           one certificate version (public: the leaf, metadata)
//   certpolicy/<vault-id>/<name-lc>                  the certificate's policy
//   certop/<vault-id>/<name-lc>                      its pending (or last) operation
//   certissuer/<vault-id>/<name-lc>                  a certificate issuer object (password sealed)
//   certcontacts/<vault-id>                          the vault's certificate contacts
//   purgeq/<20-digit purge time>/<secret|key|certificate>/<vault-id>/<name-lc>   soft-deleted, due for purge
//   outbox/<order>/<event-id>                        an event not yet fanned out to subscriptions (events.hpp)
//   evsub/<vault-id>/<name-lc>                       an event subscription (event_subscriptions.hpp)
//   evq/<vault-id>/<subscription-lc>/<order>/<event-id>   an event queued for a subscription (event_queue.hpp)
//   evdead/<vault-id>/<subscription-lc>/<event-id>   an event its subscription gave up on (dead letter)
//   evsched/<due>/<1near|2expired>/<vault-id>/<type>/<name-lc>/<version>   a scheduled expiry event
//   (event_schedule.hpp)
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/ascii.hpp"

namespace coffer::vault::keys {

inline std::string vault(std::string_view name) { return "vault/" + lower_ascii(name); }
inline std::string vault_prefix() { return "vault/"; }
inline std::string resource_group(std::string_view name) { return "rg/" + lower_ascii(name); }
inline std::string resource_group_prefix() { return "rg/"; }
// A write's idempotency record: "<version> <unix time>" (secret_service.cpp).
inline std::string idempotency(std::string_view vault_id, std::string_view key) {
  return "idem/" + std::string(vault_id) + "/" + std::string(key);
}
inline std::string idempotency_prefix() { return "idem/"; }

inline std::string outbox_prefix() { return "outbox/"; }
inline std::string outbox_entry(std::string_view order, std::string_view event_id) {
  return outbox_prefix() + std::string(order) + "/" + std::string(event_id);
}
inline std::string event_subscription_prefix(std::string_view vault_id) {
  return "evsub/" + std::string(vault_id) + "/";
}
inline std::string event_subscription(std::string_view vault_id, std::string_view name) {
  return event_subscription_prefix(vault_id) + lower_ascii(name);
}

inline std::string event_queue_prefix() { return "evq/"; }
inline std::string event_deliveries_prefix(std::string_view vault_id, std::string_view subscription) {
  return event_queue_prefix() + std::string(vault_id) + "/" + lower_ascii(subscription) + "/";
}
inline std::string event_dead_letters_prefix(std::string_view vault_id, std::string_view subscription) {
  return "evdead/" + std::string(vault_id) + "/" + lower_ascii(subscription) + "/";
}

inline std::string secret_prefix(std::string_view vault_id) { return "secret/" + std::string(vault_id) + "/"; }
inline std::string secret_head(std::string_view vault_id, std::string_view name) {
  return secret_prefix(vault_id) + lower_ascii(name);
}
inline std::string secret_versions_prefix(std::string_view vault_id, std::string_view name) {
  return "secretver/" + std::string(vault_id) + "/" + lower_ascii(name) + "/";
}
inline std::string secret_version(std::string_view vault_id, std::string_view name, std::string_view version) {
  return secret_versions_prefix(vault_id, name) + std::string(version);
}

inline std::string key_prefix(std::string_view vault_id) { return "key/" + std::string(vault_id) + "/"; }
inline std::string key_head(std::string_view vault_id, std::string_view name) {
  return key_prefix(vault_id) + lower_ascii(name);
}
inline std::string secret_policy_prefix(std::string_view vault_id) {
  return "secretpolicy/" + std::string(vault_id) + "/";
}
inline std::string secret_policy(std::string_view vault_id, std::string_view name) {
  return secret_policy_prefix(vault_id) + lower_ascii(name);
}
// A secret's rotation by an external rotator (secret_rotation_run.hpp).
inline constexpr std::string_view kSecretRotationRunRoot = "secretrot/";
inline std::string secret_rotation_run(std::string_view vault_id, std::string_view name) {
  return std::string(kSecretRotationRunRoot) + std::string(vault_id) + "/" + lower_ascii(name);
}
inline std::string key_versions_prefix(std::string_view vault_id, std::string_view name) {
  return "keyver/" + std::string(vault_id) + "/" + lower_ascii(name) + "/";
}
inline std::string key_version(std::string_view vault_id, std::string_view name, std::string_view version) {
  return key_versions_prefix(vault_id, name) + std::string(version);
}
inline std::string key_policy_prefix(std::string_view vault_id) { return "keypolicy/" + std::string(vault_id) + "/"; }
inline std::string key_policy(std::string_view vault_id, std::string_view name) {
  return key_policy_prefix(vault_id) + lower_ascii(name);
}

inline std::string cert_prefix(std::string_view vault_id) { return "cert/" + std::string(vault_id) + "/"; }
inline std::string cert_versions_prefix(std::string_view vault_id, std::string_view name) {
  return "certver/" + std::string(vault_id) + "/" + lower_ascii(name) + "/";
}
inline std::string cert_policy(std::string_view vault_id, std::string_view name) {
  return "certpolicy/" + std::string(vault_id) + "/" + lower_ascii(name);
}
inline std::string cert_operation(std::string_view vault_id, std::string_view name) {
  return "certop/" + std::string(vault_id) + "/" + lower_ascii(name);
}

inline std::string cert_issuer_prefix(std::string_view vault_id) { return "certissuer/" + std::string(vault_id) + "/"; }
inline std::string cert_issuer(std::string_view vault_id, std::string_view name) {
  return cert_issuer_prefix(vault_id) + lower_ascii(name);
}
inline std::string cert_contacts(std::string_view vault_id) { return "certcontacts/" + std::string(vault_id); }

inline std::string purge_queue_prefix() { return "purgeq/"; }
std::string purge_queue_entry(int64_t when, std::string_view collection, std::string_view vault_id,
                              std::string_view name);

}  // namespace coffer::vault::keys
