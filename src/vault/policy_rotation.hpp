// The maintenance job both rotation policies share (keys: AKV's; plain
// secrets: Coffer's): in each vault, read every stored policy, find the live
// objects whose Rotate action is due at `now` for their current version
// (lifetime_actions.hpp rotation_due), then rotate each with `rotate`, one
// transaction apiece. An object deleted or changed meanwhile (its kind's
// not-found code, kConflict) is skipped; any other error stops the job.
// Returns how many were rotated.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "common/status.hpp"
#include "store/store.hpp"
#include "vault/lifetime_actions.hpp"
#include "vault/record_scan.hpp"
#include "vault/types.hpp"

namespace coffer::vault {

template <typename Collection>
Result<std::size_t> rotate_due_by_policy(
    store::Store& store, const std::vector<VaultInfo>& vaults, const Collection& objects, int64_t now,
    std::string (*policy_prefix)(std::string_view vault_id),
    const std::function<Result<RotationPolicy>(std::string_view record)>& schedule_of,
    const std::function<Status(const VaultInfo&, const std::string& name)>& rotate, Code not_found) {
  std::size_t rotated = 0;
  for (const auto& vault : vaults) {
    std::vector<std::string> names;
    COFFER_RETURN_IF_ERROR(store.read([&](store::ReadTxn& txn) -> Status {
      names.clear();
      const std::string prefix = policy_prefix(vault.id);
      return for_each_entry(txn, prefix, [&](const store::Entry& e) -> Status {
        COFFER_ASSIGN_OR_RETURN(RotationPolicy schedule, schedule_of(e.value));
        const LifetimeAction* rot = rotate_action(schedule);
        if (!rot) return Status::Ok();
        COFFER_ASSIGN_OR_RETURN(auto head, objects.load_head(txn, vault, e.key.substr(prefix.size())));
        if (!head || head->deletion || head->managed) return Status::Ok();
        COFFER_ASSIGN_OR_RETURN(auto rec, objects.latest(txn, vault, *head));
        const auto& attrs = rec.properties.attributes;
        if (rotation_due(*rot, attrs.created, attrs.expires, now, repeat_jitter(*rot, head->name))) {
          names.push_back(head->name);
        }
        return Status::Ok();
      });
    }));
    for (const auto& name : names) {
      const Status st = rotate(vault, name);
      if (st.ok()) {
        ++rotated;
      } else if (st.code() != not_found && st.code() != Code::kConflict) {
        return st;
      }
    }
  }
  return rotated;
}

}  // namespace coffer::vault
