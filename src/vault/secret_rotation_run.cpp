#include "vault/secret_rotation_run.hpp"

#include "common/record_codec.hpp"
#include "vault/events.hpp"
#include "vault/object_kinds.hpp"
#include "vault/secret_records.hpp"
#include "vault/store_keys.hpp"

namespace coffer::vault {
namespace {

enum RotationRunField : uint8_t {
  kRunToken = 1,
  kRunStep,
  kRunAttempts,
  kRunNextTry,
  kRunStarted,
  kRunDeadline,
  kRunFailed,
  kRunLastError,
  kRunClaimUntil,
  kRunPrevious,
};

}  // namespace

std::string_view rotation_step_name(int step) {
  switch (step) {
    case kCreateSecret: return "createSecret";
    case kSetSecret: return "setSecret";
    case kTestSecret: return "testSecret";
    case kFinishSecret: return "finishSecret";
    default: return "done";
  }
}

std::string encode_rotation_run(const RotationRun& r) {
  RecordWriter w;
  w.bytes(kRunToken, r.token).i64(kRunStep, r.step).i64(kRunAttempts, r.attempts).i64(kRunNextTry, r.next_try);
  w.i64(kRunStarted, r.started).i64(kRunDeadline, r.deadline).boolean(kRunFailed, r.failed);
  w.bytes(kRunLastError, r.last_error).i64(kRunClaimUntil, r.claim_until).bytes(kRunPrevious, r.previous);
  return w.take();
}

Result<RotationRun> decode_rotation_run(std::string_view data) {
  auto r = RecordReader::parse(data);
  if (!r) return Status(Code::kInternal, "corrupt secret rotation record");
  RotationRun run;
  run.token = r->bytes(kRunToken);
  run.step = static_cast<int>(r->i64(kRunStep));
  if (run.step < kCreateSecret || run.step > kRotationDone) return Status(Code::kInternal, "corrupt rotation step");
  run.attempts = static_cast<int>(r->i64(kRunAttempts));
  run.next_try = r->i64(kRunNextTry);
  run.started = r->i64(kRunStarted);
  run.deadline = r->i64(kRunDeadline);
  run.failed = r->boolean(kRunFailed);
  run.last_error = r->bytes(kRunLastError);
  run.claim_until = r->i64(kRunClaimUntil);
  run.previous = r->bytes(kRunPrevious);
  return run;
}

Result<std::optional<RotationRun>> load_rotation_run(store::ReadTxn& txn, std::string_view vault_id,
                                                     std::string_view name) {
  COFFER_ASSIGN_OR_RETURN(auto stored, txn.get(keys::secret_rotation_run(vault_id, name)));
  if (!stored) return std::optional<RotationRun>();
  COFFER_ASSIGN_OR_RETURN(RotationRun run, decode_rotation_run(stored->value));
  return std::optional<RotationRun>(std::move(run));
}

Status put_rotation_run(store::WriteTxn& txn, std::string_view vault_id, std::string_view name, const RotationRun& r) {
  return txn.put(keys::secret_rotation_run(vault_id, name), encode_rotation_run(r));
}

Status abort_rotation_run(store::WriteTxn& txn, const VaultInfo& vault, const std::string& name,
                          std::string_view reason, int64_t now) {
  COFFER_ASSIGN_OR_RETURN(auto run, load_rotation_run(txn, vault.id, name));
  if (!run || !run->in_flight()) return Status::Ok();
  COFFER_ASSIGN_OR_RETURN(auto head, kSecrets.load_head(txn, vault, name));
  if (head) {
    COFFER_ASSIGN_OR_RETURN(auto pending, kSecrets.load_version(txn, vault, *head, run->token));
    if (pending && pending->properties.pending) {
      pending->properties.attributes.enabled = false;
      pending->properties.attributes.updated = now;
      COFFER_RETURN_IF_ERROR(kSecrets.put_version(txn, vault, head->name, *pending));
    }
  }
  COFFER_RETURN_IF_ERROR(
      append_event(txn, secret_rotation_event(event_types::kSecretRotationFailed, vault, head ? head->name : name,
                                              run->token, std::string(reason), now)));
  RotationRun ended;
  ended.previous = run->previous;
  return put_rotation_run(txn, vault.id, name, ended);
}

}  // namespace coffer::vault
