// SecretRotation: rotation policies of plain secrets and the rotations they
// drive (EVENTS-SPEC.md §4).
// - A policy is kept per secret name next to the secret; setting one needs a
//   live secret that no certificate manages, and reschedules the current
//   version's expiry events (its Notify offset may have moved). A signed
//   rotator keeps its secret across sets unless a new one is asked for (the
//   answer's rotator->signing.revealed shows a new one once). Without a
//   stored policy, get_policy() answers the default (Notify 30 days before
//   expiry, no Rotate, the default password generator; stored = false).
// - Without a rotator, rotate() makes a new version with a freshly generated
//   value, the current version's tags, the policy's contentType (else the
//   current one's) and exp = now + expiryTime when the policy has one,
//   through SecretService::set (one transaction; idempotent on the key).
// - With a rotator, rotate() starts a rotation (secret_rotation_run.hpp): a
//   PENDING version with the generated value (none for generator "none"),
//   Coffer.KeyVault.SecretRotationStarted, and the four steps for the
//   server's driver, which claims each due step (claim_due_steps), posts it
//   and reports step_succeeded / step_failed. A createSecret answer may give
//   the value (and tags). finishSecret's success makes PENDING current in one
//   transaction (SecretService::promote: NewVersionCreated then, never
//   before); the old current becomes PREVIOUS. A failed step is retried on
//   Event Grid's schedule until the policy's rotationTimeout; then the
//   rotation is Failed (event), PENDING kept but never served, and resumed
//   with the same token by a manual rotate or by the schedule 12 h later.
//   rotate() while one is in flight resumes it at once; force = abort it
//   (PENDING disabled) and start over.
// - rotate_due() starts the rotations whose Rotate action is due for the
//   current version (timeAfterCreate from its created; timeBeforeExpiry from
//   its exp); the next counts from the new version, so a run after downtime
//   rotates once. Soft-deleted secrets are skipped (recovering resumes them);
//   a purge removes the policy and the rotation's state.
// A secret without a stored policy is refused (kBadParameter), as are deleted
// and certificate-managed ones. Thread-safe.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/clock.hpp"
#include "common/secure_memory.hpp"
#include "common/status.hpp"
#include "store/store.hpp"
#include "vault/secret_rotation_policy.hpp"
#include "vault/secret_rotation_run.hpp"
#include "vault/secret_service.hpp"
#include "vault/types.hpp"

namespace coffer::vault {

// How long a driver may post one step before another may take it over.
inline constexpr int64_t kRotatorClaimSeconds = 90;
// A Failed rotation is resumed by the schedule this long after it failed.
inline constexpr int64_t kFailedRotationPauseSeconds = 12 * 3600;

struct RotationStatus {
  std::string state = "Idle";              // "Idle", "InProgress" or "Failed"
  std::string current, pending, previous;  // the versions in each stage (pending empty when Idle)
  std::string step;                        // the next step while a rotation runs
  int attempts = 0;                        // failed tries of that step
  int64_t next_try = 0, started = 0, deadline = 0;
  std::string last_error;
};

struct RotateResult {
  std::optional<Secret> rotated;  // generator rotation: the new current version
  RotationStatus status;          // rotator: the rotation started or resumed
};

// One step for the server's driver to post.
struct RotatorCall {
  VaultInfo vault;
  std::string name;   // stored spelling
  std::string token;  // the PENDING version (ClientRequestToken)
  int step = kCreateSecret;
  SecretRotator rotator;
  std::string current, previous;
  std::string credential_id;                   // alternating: PREVIOUS's CredentialId tag
  std::optional<SecureString> signing_secret;  // when the rotator's requests are signed
};

// What a rotator's createSecret answer may carry.
struct RotatorAnswer {
  std::optional<SecureString> value;
  std::optional<Tags> tags;
};

class SecretRotation {
 public:
  // `keyring` seals and opens the rotators' signing secrets.
  SecretRotation(store::Store& store, SecretService& secrets, crypto::Keyring& keyring, const Clock& clock);

  Result<SecretRotationPolicy> get_policy(const VaultInfo& vault, const std::string& name);
  Result<SecretRotationPolicy> set_policy(const VaultInfo& vault, const std::string& name,
                                          const SecretRotationPolicy& policy);
  Result<RotateResult> rotate(const VaultInfo& vault, const std::string& name, const std::string& idempotency_key = {},
                              bool force = false);
  // The stages and the rotation in flight.
  Result<RotationStatus> status(const VaultInfo& vault, const std::string& name);
  // Returns how many secrets it rotated or started rotating.
  Result<std::size_t> rotate_due(const std::vector<VaultInfo>& vaults, int64_t now);

  // The driver's side: steps due at `now`, each claimed for kRotatorClaimSeconds.
  Result<std::vector<RotatorCall>> claim_due_steps(const std::vector<VaultInfo>& vaults, int64_t now);
  Status step_succeeded(const RotatorCall& call, const RotatorAnswer& answer);
  // `retry_after`: seconds the rotator asked to wait (0: none).
  Status step_failed(const RotatorCall& call, const std::string& error, int64_t retry_after);

 private:
  Result<RotationStatus> start(const VaultInfo& vault, const std::string& name, const SecretRotationPolicy& policy,
                               const SecretProperties& current, bool force);
  Result<RotationStatus> resume(const VaultInfo& vault, const std::string& name, int64_t timeout_seconds);
  Status start_scheduled(const VaultInfo& vault, const std::string& name);
  // The run of `call` within `txn`, still at its token and step; else kConflict.
  Result<RotationRun> claimed_run(store::ReadTxn& txn, const RotatorCall& call);

  store::Store& store_;
  SecretService& secrets_;
  Barrier barrier_;
  const Clock& clock_;
};

}  // namespace coffer::vault
