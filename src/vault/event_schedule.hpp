// Scheduled events (EVENTS-SPEC.md §3): a version written with an expiry
// gets two entries in the store — NearExpiry 30 days before its exp (at
// once when exp is closer; a key's or secret's rotation policy with a Notify
// action "timeBeforeExpiry" sets that offset instead) and Expired at exp — in the
// transaction that wrote it (schedule_expiry_events). fire_due() turns each entry that came
// due into an outbox event and removes it, one transaction each, after
// checking again that the version is still its object's current one, the
// object is not deleted and its exp is the one scheduled: a new version, an
// exp moved by an update (which schedules afresh) or a deletion silences
// the old entries; so does a Notify offset changed since (setting the
// policy schedules afresh). After downtime, overdue entries fire in due
// order, Near before Expired. Certificates: Certificate* events only. Thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "common/clock.hpp"
#include "common/status.hpp"
#include "store/store.hpp"
#include "vault/types.hpp"

namespace coffer::vault {

inline constexpr int64_t kNearExpirySeconds = 30 * 86400;

// `object_type`: "Secret", "Key" or "Certificate"; nothing when `attributes` has no exp.
Status schedule_expiry_events(store::WriteTxn& txn, const VaultInfo& vault, std::string_view object_type,
                              const std::string& name, const std::string& version, const Attributes& attributes,
                              int64_t now);
// How long before exp an object's NearExpiry comes: its rotation policy's
// Notify timeBeforeExpiry (keys and secrets), else 30 days (read in `txn`).
Result<int64_t> near_expiry_offset(store::ReadTxn& txn, const std::string& vault_id, std::string_view object_type,
                                   const std::string& name);

class EventSchedule {
 public:
  EventSchedule(store::Store& store, const Clock& clock);
  // Fires the entries due at `now`; returns how many events it appended.
  Result<std::size_t> fire_due(int64_t now);

 private:
  store::Store& store_;
  const Clock& clock_;
};

}  // namespace coffer::vault
