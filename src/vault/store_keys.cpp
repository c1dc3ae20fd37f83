#include "vault/store_keys.hpp"

#include <cstdio>

namespace coffer::vault::keys {

std::string purge_queue_entry(int64_t when, std::string_view collection, std::string_view vault_id,
                              std::string_view name) {
  char ts[32];
  std::snprintf(ts, sizeof ts, "%020lld", static_cast<long long>(when < 0 ? 0 : when));
  return purge_queue_prefix() + ts + "/" + std::string(collection) + "/" + std::string(vault_id) + "/" +
         lower_ascii(name);
}

}  // namespace coffer::vault::keys
