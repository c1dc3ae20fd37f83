#include "vault/types.hpp"

namespace coffer::vault {

std::string VaultInfo::recovery_level() const {
  std::string level = retention_days < 90 ? "CustomizedRecoverable" : "Recoverable";
  if (!purge_protection) level += "+Purgeable";
  return level;
}

}  // namespace coffer::vault
