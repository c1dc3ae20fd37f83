#include "vault/secret_rotation.hpp"

#include <algorithm>

#include "vault/event_schedule.hpp"
#include "vault/events.hpp"
#include "vault/object_kinds.hpp"
#include "vault/policy_rotation.hpp"
#include "vault/record_scan.hpp"
#include "vault/secret_generator.hpp"
#include "vault/secret_records.hpp"
#include "vault/store_keys.hpp"
#include "vault/version_ids.hpp"
#include "vault/webhook_retry.hpp"

namespace coffer::vault {
namespace {

SecretRotationPolicy default_policy() {
  SecretRotationPolicy p;
  p.schedule.lifetime_actions.push_back(
      LifetimeAction{"Notify", std::nullopt, "P30D", 0, kNearExpirySeconds, std::nullopt, 0, 0});
  return p;
}

// The secret's stored policy, if any.
Result<std::optional<SecretRotationPolicy>> load_policy(store::ReadTxn& txn, std::string_view vault_id,
                                                        std::string_view name) {
  COFFER_ASSIGN_OR_RETURN(auto stored, txn.get(keys::secret_policy(vault_id, name)));
  if (!stored) return std::optional<SecretRotationPolicy>();
  COFFER_ASSIGN_OR_RETURN(SecretRotationPolicy policy, decode_secret_rotation_policy(stored->value));
  return std::optional<SecretRotationPolicy>(std::move(policy));
}

// A rotation's next version with `value`: the policy's contentType (else
// `base`'s), `base`'s tags, exp = now + expiryTime when the policy has one.
SecretDraft next_version(const SecretRotationPolicy& policy, const SecretProperties& base, SecureString value,
                         int64_t now) {
  SecretDraft draft;
  draft.value = std::move(value);
  draft.content_type = policy.content_type ? policy.content_type : base.content_type;
  draft.tags = base.tags;
  if (policy.schedule.expiry_time) draft.expires = now + policy.schedule.expiry_seconds;
  return draft;
}

}  // namespace

SecretRotation::SecretRotation(store::Store& store, SecretService& secrets, crypto::Keyring& keyring,
                               const Clock& clock)
    : store_(store), secrets_(secrets), barrier_(keyring), clock_(clock) {}

Result<SecretRotationPolicy> SecretRotation::get_policy(const VaultInfo& vault, const std::string& name) {
  if (!SecretService::valid_name(name)) return kSecrets.not_found(name);
  SecretRotationPolicy out = default_policy();
  COFFER_RETURN_IF_ERROR(store_.read([&](store::ReadTxn& txn) -> Status {
    COFFER_RETURN_IF_ERROR(kSecrets.live_head(txn, vault, name).status());
    COFFER_ASSIGN_OR_RETURN(auto stored, load_policy(txn, vault.id, name));
    if (stored) out = std::move(*stored);
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
    COFFER_ASSIGN_OR_RETURN(auto prev, load_policy(txn, vault.id, name));
    const int64_t now = clock_.now();
    out.schedule.created = prev ? prev->schedule.created : now;
    if (policy.rotator) {  // settled from the request each time (the transaction may run again)
      const WebhookSigning* kept = prev && prev->rotator ? &prev->rotator->signing : nullptr;
      COFFER_ASSIGN_OR_RETURN(out.rotator->signing,
                              settle_webhook_signing(barrier_, vault, ObjectPlace::rotator_secret(head.name),
                                                     policy.rotator->signing, kept));
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

Result<RotateResult> SecretRotation::rotate(const VaultInfo& vault, const std::string& name,
                                            const std::string& idempotency_key, bool force) {
  if (!SecretService::valid_name(name)) return kSecrets.not_found(name);
  std::optional<SecretRotationPolicy> policy;
  std::optional<RotationRun> run;
  SecretProperties current;
  COFFER_RETURN_IF_ERROR(store_.read([&](store::ReadTxn& txn) -> Status {
    COFFER_ASSIGN_OR_RETURN(ObjectHead head, kSecrets.live_head(txn, vault, name));
    if (head.managed) return kSecrets.managed_refusal("rotate");
    COFFER_ASSIGN_OR_RETURN(policy, load_policy(txn, vault.id, name));
    if (!policy) return Status::Ok();
    COFFER_ASSIGN_OR_RETURN(run, load_rotation_run(txn, vault.id, name));
    COFFER_ASSIGN_OR_RETURN(auto rec, kSecrets.latest(txn, vault, head));
    current = std::move(rec.properties);
    return Status::Ok();
  }));
  if (!policy) {
    return Status(Code::kBadParameter, "Secret " + name +
                                           " has no rotation policy: set one (its generator makes the new value) "
                                           "before rotating it.");
  }
  RotateResult out;
  if (policy->rotator) {
    if (run && run->in_flight() && !force) {
      COFFER_ASSIGN_OR_RETURN(out.status, resume(vault, name, policy->rotator->timeout_seconds));
    } else {
      COFFER_ASSIGN_OR_RETURN(out.status, start(vault, name, *policy, current, force));
    }
    return out;
  }
  SecretDraft draft = next_version(*policy, current, generate_secret(policy->generator), clock_.now());
  draft.idempotency_key = idempotency_key;
  COFFER_ASSIGN_OR_RETURN(out.rotated, secrets_.set(vault, name, draft));
  out.status.current = out.rotated->properties.version;
  return out;
}

Result<RotationStatus> SecretRotation::start(const VaultInfo& vault, const std::string& name,
                                             const SecretRotationPolicy& policy, const SecretProperties& current,
                                             bool force) {
  const std::string token = new_object_version_id();
  const int64_t now = clock_.now();
  const SecretService::PendingWrite begin = [&](store::WriteTxn& txn, const ObjectHead& head) -> Status {
    COFFER_ASSIGN_OR_RETURN(auto run, load_rotation_run(txn, vault.id, head.name));
    if (run && run->in_flight()) {
      if (!force) {
        return Status(Code::kConflict,
                      "A rotation of " + head.name + " is already in progress (pending version " + run->token + ").");
      }
      COFFER_RETURN_IF_ERROR(abort_rotation_run(txn, vault, head.name, "Restarted by rotate --force.", now));
    }
    RotationRun fresh;
    fresh.previous = run ? run->previous : std::string();
    fresh.token = token;
    fresh.next_try = fresh.started = now;
    fresh.deadline = now + policy.rotator->timeout_seconds;
    COFFER_RETURN_IF_ERROR(put_rotation_run(txn, vault.id, head.name, fresh));
    return append_event(txn,
                        secret_rotation_event(event_types::kSecretRotationStarted, vault, head.name, token, {}, now));
  };
  if (policy.generator.type == SecretGenerator::Type::kNone) {  // the rotator's createSecret answer brings the value
    COFFER_RETURN_IF_ERROR(store_.write([&](store::WriteTxn& txn) -> Status {
      COFFER_ASSIGN_OR_RETURN(ObjectHead head, kSecrets.live_head(txn, vault, name));
      if (head.managed) return kSecrets.managed_refusal("rotate");
      return begin(txn, head);
    }));
  } else {
    COFFER_RETURN_IF_ERROR(secrets_.put_pending(
        vault, name, token, next_version(policy, current, generate_secret(policy.generator), now), begin));
  }
  return status(vault, name);
}

Result<RotationStatus> SecretRotation::resume(const VaultInfo& vault, const std::string& name,
                                              int64_t timeout_seconds) {
  const int64_t now = clock_.now();
  COFFER_RETURN_IF_ERROR(store_.write([&](store::WriteTxn& txn) -> Status {
    COFFER_ASSIGN_OR_RETURN(ObjectHead head, kSecrets.live_head(txn, vault, name));
    COFFER_ASSIGN_OR_RETURN(auto run, load_rotation_run(txn, vault.id, head.name));
    if (!run || !run->in_flight()) return Status(Code::kConflict, "The rotation of " + head.name + " just ended.");
    run->failed = false;
    run->attempts = 0;
    run->next_try = now;
    run->deadline = now + timeout_seconds;
    return put_rotation_run(txn, vault.id, head.name, *run);
  }));
  return status(vault, name);
}

Result<RotationStatus> SecretRotation::status(const VaultInfo& vault, const std::string& name) {
  if (!SecretService::valid_name(name)) return kSecrets.not_found(name);
  RotationStatus out;
  COFFER_RETURN_IF_ERROR(store_.read([&](store::ReadTxn& txn) -> Status {
    COFFER_ASSIGN_OR_RETURN(ObjectHead head, kSecrets.live_head(txn, vault, name));
    out.current = head.latest_version;
    COFFER_ASSIGN_OR_RETURN(auto run, load_rotation_run(txn, vault.id, head.name));
    if (!run) return Status::Ok();
    out.previous = run->previous;
    if (!run->in_flight()) return Status::Ok();
    out.state = run->failed ? "Failed" : "InProgress";
    out.pending = run->token;
    out.step = std::string(rotation_step_name(run->step));
    out.attempts = run->attempts;
    out.next_try = run->next_try;
    out.started = run->started;
    out.deadline = run->deadline;
    out.last_error = run->last_error;
    return Status::Ok();
  }));
  return out;
}

Status SecretRotation::start_scheduled(const VaultInfo& vault, const std::string& name) {
  const int64_t now = clock_.now();
  std::optional<RotationRun> run;
  COFFER_RETURN_IF_ERROR(store_.read([&](store::ReadTxn& txn) -> Status {
    COFFER_ASSIGN_OR_RETURN(run, load_rotation_run(txn, vault.id, name));
    return Status::Ok();
  }));
  // Due means "the current version is old enough"; while a rotation runs it stays due, and the rotation goes on.
  if (run && run->in_flight() && (!run->failed || run->next_try > now)) {
    return Status(Code::kConflict, "a rotation is in progress");
  }
  return rotate(vault, name).status();
}

Result<std::size_t> SecretRotation::rotate_due(const std::vector<VaultInfo>& vaults, int64_t now) {
  return rotate_due_by_policy(
      store_, vaults, kSecrets, now, &keys::secret_policy_prefix,
      [](std::string_view record) -> Result<RotationPolicy> {
        COFFER_ASSIGN_OR_RETURN(SecretRotationPolicy policy, decode_secret_rotation_policy(record));
        return policy.schedule;
      },
      [this](const VaultInfo& vault, const std::string& name) { return start_scheduled(vault, name); },
      Code::kSecretNotFound);
}

Result<std::vector<RotatorCall>> SecretRotation::claim_due_steps(const std::vector<VaultInfo>& vaults, int64_t now) {
  std::vector<RotatorCall> out;
  for (const auto& vault : vaults) {
    std::vector<std::string> due;
    const std::string prefix = std::string(keys::kSecretRotationRunRoot) + vault.id + "/";
    COFFER_RETURN_IF_ERROR(store_.read([&](store::ReadTxn& txn) -> Status {
      due.clear();
      return for_each_entry(txn, prefix, [&](const store::Entry& e) -> Status {
        COFFER_ASSIGN_OR_RETURN(RotationRun run, decode_rotation_run(e.value));
        if (run.in_flight() && !run.failed && run.next_try <= now && run.claim_until <= now) {
          due.push_back(e.key.substr(prefix.size()));
        }
        return Status::Ok();
      });
    }));
    for (const auto& name : due) {
      std::optional<RotatorCall> call;
      COFFER_RETURN_IF_ERROR(store_.write([&](store::WriteTxn& txn) -> Status {
        call.reset();
        COFFER_ASSIGN_OR_RETURN(auto run, load_rotation_run(txn, vault.id, name));
        if (!run || !run->in_flight() || run->failed || run->next_try > now || run->claim_until > now) {
          return Status::Ok();  // taken or changed meanwhile
        }
        COFFER_ASSIGN_OR_RETURN(auto head, kSecrets.load_head(txn, vault, name));
        if (!head || head->deletion) return Status::Ok();  // soft-deleted: suspended until recovered
        COFFER_ASSIGN_OR_RETURN(auto policy, load_policy(txn, vault.id, name));
        if (!policy || !policy->rotator) {
          return abort_rotation_run(txn, vault, head->name, "The rotation policy no longer names a rotator.", now);
        }
        if (now >= run->deadline) {  // gave up: Failed until resumed
          run->failed = true;
          run->next_try = now + kFailedRotationPauseSeconds;
          COFFER_RETURN_IF_ERROR(append_event(
              txn, secret_rotation_event(event_types::kSecretRotationFailed, vault, head->name, run->token,
                                         "The rotation timed out at step " +
                                             std::string(rotation_step_name(run->step)) + ": " + run->last_error,
                                         now)));
          return put_rotation_run(txn, vault.id, name, *run);
        }
        run->claim_until = now + kRotatorClaimSeconds;
        COFFER_RETURN_IF_ERROR(put_rotation_run(txn, vault.id, name, *run));
        RotatorCall c{vault,         head->name, run->token, run->step, *policy->rotator, head->latest_version,
                      run->previous, {},         {}};
        COFFER_ASSIGN_OR_RETURN(
            c.signing_secret,
            open_webhook_secret(barrier_, vault, ObjectPlace::rotator_secret(head->name), policy->rotator->signing));
        if (c.rotator.strategy == "alternating" && !run->previous.empty()) {
          COFFER_ASSIGN_OR_RETURN(auto prev, kSecrets.load_version(txn, vault, *head, run->previous));
          if (prev) {
            if (auto it = prev->properties.tags.find("CredentialId"); it != prev->properties.tags.end()) {
              c.credential_id = it->second;
            }
          }
        }
        call = std::move(c);
        return Status::Ok();
      }));
      if (call) out.push_back(std::move(*call));
    }
  }
  return out;
}

Result<RotationRun> SecretRotation::claimed_run(store::ReadTxn& txn, const RotatorCall& call) {
  COFFER_ASSIGN_OR_RETURN(auto run, load_rotation_run(txn, call.vault.id, call.name));
  if (!run || run->token != call.token || run->step != call.step || run->failed) {
    return Status(Code::kConflict, "The rotation of " + call.name + " moved on (aborted or restarted) meanwhile.");
  }
  return std::move(*run);
}

Status SecretRotation::step_succeeded(const RotatorCall& call, const RotatorAnswer& answer) {
  const int64_t now = clock_.now();
  const auto advance = [&](store::WriteTxn& txn, const ObjectHead&) -> Status {
    COFFER_ASSIGN_OR_RETURN(RotationRun run, claimed_run(txn, call));
    run.step = call.step + 1;
    run.attempts = 0;
    run.next_try = now;
    run.claim_until = 0;
    run.last_error.clear();
    return put_rotation_run(txn, call.vault.id, call.name, run);
  };
  if (call.step == kFinishSecret) {
    std::optional<int64_t> expires;
    COFFER_RETURN_IF_ERROR(store_.read([&](store::ReadTxn& txn) -> Status {
      COFFER_ASSIGN_OR_RETURN(auto policy, load_policy(txn, call.vault.id, call.name));
      if (policy && policy->schedule.expiry_time) expires = now + policy->schedule.expiry_seconds;
      return Status::Ok();
    }));
    return secrets_.promote(call.vault, call.name, call.token, expires,
                            [&](store::WriteTxn& txn, const ObjectHead& head) -> Status {
                              COFFER_RETURN_IF_ERROR(claimed_run(txn, call).status());
                              RotationRun done;
                              done.previous = head.latest_version;  // CURRENT → PREVIOUS
                              return put_rotation_run(txn, call.vault.id, call.name, done);
                            });
  }
  if (call.step != kCreateSecret) {
    return store_.write([&](store::WriteTxn& txn) -> Status { return advance(txn, ObjectHead{}); });
  }
  // createSecret: the answer's value (or the generated one already PENDING).
  std::optional<SecretVersionRecord> pending;
  SecretProperties current;
  std::optional<SecretRotationPolicy> policy;
  COFFER_RETURN_IF_ERROR(store_.read([&](store::ReadTxn& txn) -> Status {
    COFFER_ASSIGN_OR_RETURN(ObjectHead head, kSecrets.live_head(txn, call.vault, call.name));
    COFFER_ASSIGN_OR_RETURN(pending, kSecrets.load_version(txn, call.vault, head, call.token));
    COFFER_ASSIGN_OR_RETURN(auto rec, kSecrets.latest(txn, call.vault, head));
    current = std::move(rec.properties);
    COFFER_ASSIGN_OR_RETURN(policy, load_policy(txn, call.vault.id, call.name));
    return Status::Ok();
  }));
  if (!answer.value) {
    if (pending) return store_.write([&](store::WriteTxn& txn) -> Status { return advance(txn, ObjectHead{}); });
    return step_failed(call,
                       "createSecret answered without a value, and the policy's generator is none: the answer must "
                       "be {\"value\": \"<the new secret value>\"}.",
                       0);
  }
  if (!policy) return step_failed(call, "The secret's rotation policy is gone.", 0);
  SecretDraft draft = next_version(*policy, pending ? pending->properties : current, *answer.value, now);
  if (answer.tags) draft.tags = *answer.tags;
  const Status written = secrets_.put_pending(call.vault, call.name, call.token, draft, advance);
  if (written.code() == Code::kBadParameter) {  // a value or tags the secret cannot take
    return step_failed(call, "createSecret's answer was refused: " + written.message(), 0);
  }
  return written;
}

Status SecretRotation::step_failed(const RotatorCall& call, const std::string& error, int64_t retry_after) {
  const int64_t now = clock_.now();
  return store_.write([&](store::WriteTxn& txn) -> Status {
    COFFER_ASSIGN_OR_RETURN(RotationRun run, claimed_run(txn, call));
    run.last_error = error.substr(0, 1024);
    run.claim_until = 0;
    const int64_t next = now + std::max(webhook_retry_delay(run.attempts), retry_after);
    ++run.attempts;
    if (next < run.deadline) {
      run.next_try = next;
      return put_rotation_run(txn, call.vault.id, call.name, run);
    }
    run.failed = true;  // the retries would end past the deadline: give up now
    run.next_try = now + kFailedRotationPauseSeconds;
    COFFER_RETURN_IF_ERROR(append_event(
        txn, secret_rotation_event(event_types::kSecretRotationFailed, call.vault, call.name, call.token,
                                   std::string(rotation_step_name(call.step)) + " failed: " + run.last_error, now)));
    return put_rotation_run(txn, call.vault.id, call.name, run);
  });
}

}  // namespace coffer::vault
