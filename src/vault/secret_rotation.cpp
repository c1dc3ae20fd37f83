#include "vault/secret_rotation.hpp"

#include "vault/event_schedule.hpp"
#include "vault/object_kinds.hpp"
#include "vault/policy_rotation.hpp"
#include "vault/secret_generator.hpp"
#include "vault/secret_records.hpp"
#include "vault/store_keys.hpp"

namespace coffer::vault {
namespace {

SecretRotationPolicy default_policy() {
  SecretRotationPolicy p;
  p.schedule.lifetime_actions.push_back(LifetimeAction{"Notify", std::nullopt, "P30D", 0, kNearExpirySeconds});
  return p;
}

}  // namespace

SecretRotation::SecretRotation(store::Store& store, SecretService& secrets, const Clock& clock)
    : store_(store), secrets_(secrets), clock_(clock) {}

Result<SecretRotationPolicy> SecretRotation::get_policy(const VaultInfo& vault, const std::string& name) {
  if (!SecretService::valid_name(name)) return kSecrets.not_found(name);
  SecretRotationPolicy out = default_policy();
  COFFER_RETURN_IF_ERROR(store_.read([&](store::ReadTxn& txn) -> Status {
    COFFER_RETURN_IF_ERROR(kSecrets.live_head(txn, vault, name).status());
    COFFER_ASSIGN_OR_RETURN(auto stored, txn.get(keys::secret_policy(vault.id, name)));
    if (stored) {
      COFFER_ASSIGN_OR_RETURN(out, decode_secret_rotation_policy(stored->value));
    }
    return Status::Ok();
  }));
  return out;
}

Result<SecretRotationPolicy> SecretRotation::set_policy(const VaultInfo& vault, const std::string& name,
                                                        const SecretRotationPolicy& policy) {
  if (!SecretService::valid_name(name)) return kSecrets.not_found(name);
  COFFER_RETURN_IF_ERROR(check_secret_rotation_policy(policy));
  SecretRotationPolicy out = policy;
  out.schedule.stored = true;
  COFFER_RETURN_IF_ERROR(store_.write([&](store::WriteTxn& txn) -> Status {
    COFFER_ASSIGN_OR_RETURN(ObjectHead head, kSecrets.live_head(txn, vault, name));
    if (head.managed) return kSecrets.managed_refusal("set rotation policy");
    COFFER_ASSIGN_OR_RETURN(auto old, txn.get(keys::secret_policy(vault.id, name)));
    const int64_t now = clock_.now();
    out.schedule.created = now;
    if (old) {
      COFFER_ASSIGN_OR_RETURN(SecretRotationPolicy prev, decode_secret_rotation_policy(old->value));
      out.schedule.created = prev.schedule.created;
    }
    out.schedule.updated = now;
    COFFER_RETURN_IF_ERROR(txn.put(keys::secret_policy(vault.id, name), encode_secret_rotation_policy(out)));
    // The Notify offset may have moved: the current version's expiry events follow it.
    COFFER_ASSIGN_OR_RETURN(auto current, kSecrets.latest(txn, vault, head));
    return schedule_expiry_events(txn, vault, "Secret", head.name, current.properties.version,
                                  current.properties.attributes, now);
  }));
  return out;
}

Result<Secret> SecretRotation::rotate(const VaultInfo& vault, const std::string& name,
                                      const std::string& idempotency_key) {
  if (!SecretService::valid_name(name)) return kSecrets.not_found(name);
  std::optional<SecretRotationPolicy> policy;
  SecretProperties current;
  COFFER_RETURN_IF_ERROR(store_.read([&](store::ReadTxn& txn) -> Status {
    COFFER_ASSIGN_OR_RETURN(ObjectHead head, kSecrets.live_head(txn, vault, name));
    if (head.managed) return kSecrets.managed_refusal("rotate");
    COFFER_ASSIGN_OR_RETURN(auto stored, txn.get(keys::secret_policy(vault.id, name)));
    if (!stored) return Status::Ok();
    COFFER_ASSIGN_OR_RETURN(policy, decode_secret_rotation_policy(stored->value));
    COFFER_ASSIGN_OR_RETURN(auto rec, kSecrets.latest(txn, vault, head));
    current = std::move(rec.properties);
    return Status::Ok();
  }));
  if (!policy) {
    return Status(Code::kBadParameter, "Secret " + name +
                                           " has no rotation policy: set one (its generator makes the new value) "
                                           "before rotating it.");
  }
  SecretDraft draft;
  draft.value = generate_secret(policy->generator);
  draft.content_type = policy->content_type ? policy->content_type : current.content_type;
  draft.tags = current.tags;
  if (policy->schedule.expiry_time) draft.expires = clock_.now() + policy->schedule.expiry_seconds;
  draft.idempotency_key = idempotency_key;
  return secrets_.set(vault, name, draft);
}

Result<std::size_t> SecretRotation::rotate_due(const std::vector<VaultInfo>& vaults, int64_t now) {
  return rotate_due_by_policy(
      store_, vaults, kSecrets, now, &keys::secret_policy_prefix,
      [](std::string_view record) -> Result<RotationPolicy> {
        COFFER_ASSIGN_OR_RETURN(SecretRotationPolicy policy, decode_secret_rotation_policy(record));
        return policy.schedule;
      },
      [this](const VaultInfo& vault, const std::string& name) { return rotate(vault, name).status(); },
      Code::kSecretNotFound);
}

}  // namespace coffer::vault
