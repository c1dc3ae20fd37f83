#include "vault/types.hpp"

#include "common/time_format.hpp"

namespace coffer::vault {

std::string_view VaultInfo::recovery_level() const {
  if (retention_days < 90) return purge_protection ? "CustomizedRecoverable" : "CustomizedRecoverable+Purgeable";
  return purge_protection ? "Recoverable" : "Recoverable+Purgeable";
}

int64_t VaultInfo::scheduled_purge() const { return deleted + int64_t(retention_days) * kSecondsPerDay; }

}  // namespace coffer::vault
