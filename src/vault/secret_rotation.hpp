// SecretRotation: rotation policies of plain secrets and the rotations they
// drive (EVENTS-SPEC.md §4, generator rotation).
// - A policy is kept per secret name next to the secret; setting one needs a
//   live secret that no certificate manages, and reschedules the current
//   version's expiry events (its Notify offset may have moved). Without a
//   stored policy, get_policy() answers the default (Notify 30 days before
//   expiry, no Rotate, the default password generator; stored = false).
// - rotate() makes a new version with a freshly generated value, the current
//   version's tags, the policy's contentType (else the current one's) and
//   exp = now + expiryTime when the policy has one, through SecretService::set
//   (one transaction: version, NewVersionCreated event, expiry events;
//   idempotent on the request's key). A secret without a stored policy is
//   refused (kBadParameter), as are deleted and certificate-managed ones.
// - rotate_due() rotates every live secret whose Rotate action is due for its
//   current version (timeAfterCreate from its created; timeBeforeExpiry from
//   its exp); the next rotation counts from the new version, so a run after
//   downtime rotates once, not once per missed period. Soft-deleted secrets
//   are skipped (recovering resumes them); a purge removes the policy.
// Thread-safe.
#pragma once

#include <string>
#include <vector>

#include "common/clock.hpp"
#include "common/status.hpp"
#include "store/store.hpp"
#include "vault/secret_rotation_policy.hpp"
#include "vault/secret_service.hpp"
#include "vault/types.hpp"

namespace coffer::vault {

class SecretRotation {
 public:
  SecretRotation(store::Store& store, SecretService& secrets, const Clock& clock);

  Result<SecretRotationPolicy> get_policy(const VaultInfo& vault, const std::string& name);
  Result<SecretRotationPolicy> set_policy(const VaultInfo& vault, const std::string& name,
                                          const SecretRotationPolicy& policy);
  Result<Secret> rotate(const VaultInfo& vault, const std::string& name, const std::string& idempotency_key = {});
  // Returns how many secrets it rotated.
  Result<std::size_t> rotate_due(const std::vector<VaultInfo>& vaults, int64_t now);

 private:
  store::Store& store_;
  SecretService& secrets_;
  const Clock& clock_;
};

}  // namespace coffer::vault
