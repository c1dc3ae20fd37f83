#include "vault/types.hpp"

#include "common/time_format.hpp"

namespace coffer::vault {

std::string VaultInfo::recovery_level() const {
  std::string level = retention_days < 90 ? "CustomizedRecoverable" : "Recoverable";
  if (!purge_protection) level += "+Purgeable";
  return level;
}

int64_t VaultInfo::scheduled_purge() const { return deleted + int64_t(retention_days) * kSecondsPerDay; }

}  // namespace coffer::vault
