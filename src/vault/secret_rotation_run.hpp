// The state of a secret's rotation by an external rotator (EVENTS-SPEC.md §4),
// one record per secret at secretrot/<vault-id>/<name>, kept across restarts:
// the PENDING version (the rotation's token), the next of the four steps,
// its failed attempts and when to try again, the deadline, who works on it
// (claim_until, taken by compare-and-set in a transaction) and, once a
// rotation finished, the version it moved to PREVIOUS.
// abort_rotation_run() ends a rotation in flight inside the caller's
// transaction: its PENDING version is disabled (never served), and
// Coffer.KeyVault.SecretRotationFailed carries the reason. SetSecret calls it
// (a client's new version wins), as do rotate --force and purge.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.hpp"
#include "store/store.hpp"
#include "vault/types.hpp"

namespace coffer::vault {

// The four steps, in order; kRotationDone once finishSecret succeeded.
enum RotationStep : int { kCreateSecret = 0, kSetSecret, kTestSecret, kFinishSecret, kRotationDone };
// "createSecret", "setSecret", "testSecret", "finishSecret".
std::string_view rotation_step_name(int step);

struct RotationRun {
  std::string token;  // the PENDING version while a rotation runs; empty when none does
  int step = kCreateSecret;
  int attempts = 0;  // failed tries of this step
  int64_t next_try = 0;
  int64_t started = 0;
  int64_t deadline = 0;  // when the rotation gives up (failed)
  bool failed = false;   // given up: resumed by a manual rotate, or by the schedule at next_try
  std::string last_error;
  int64_t claim_until = 0;  // a driver is posting this step until then
  std::string previous;     // PREVIOUS: the version the last finished rotation replaced

  bool in_flight() const { return !token.empty(); }
};

std::string encode_rotation_run(const RotationRun& r);
Result<RotationRun> decode_rotation_run(std::string_view data);

Result<std::optional<RotationRun>> load_rotation_run(store::ReadTxn& txn, std::string_view vault_id,
                                                     std::string_view name);
Status put_rotation_run(store::WriteTxn& txn, std::string_view vault_id, std::string_view name, const RotationRun& r);

// Ends the rotation in flight on `name`, if any (see above); `run` is kept
// with its PREVIOUS. No-op when none runs.
Status abort_rotation_run(store::WriteTxn& txn, const VaultInfo& vault, const std::string& name,
                          std::string_view reason, int64_t now);

}  // namespace coffer::vault
