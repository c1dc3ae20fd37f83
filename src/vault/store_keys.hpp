// The store key layout of the vault layer, in one place:
//   vault/<name-lc>                                  VaultInfo
//   secret/<vault-id>/<name-lc>                      SecretHead (latest version, deletion state)
//   secretver/<vault-id>/<name-lc>/<version>         one secret version (value sealed)
//   purgeq/<20-digit purge time>/secret/<vault-id>/<name-lc>   soft-deleted, due for purge
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace coffer::vault::keys {

std::string lower(std::string_view s);

inline std::string vault(std::string_view name) { return "vault/" + lower(name); }
inline std::string vault_prefix() { return "vault/"; }

inline std::string secret_prefix(std::string_view vault_id) { return "secret/" + std::string(vault_id) + "/"; }
inline std::string secret_head(std::string_view vault_id, std::string_view name) {
  return secret_prefix(vault_id) + lower(name);
}
inline std::string secret_versions_prefix(std::string_view vault_id, std::string_view name) {
  return "secretver/" + std::string(vault_id) + "/" + lower(name) + "/";
}
inline std::string secret_version(std::string_view vault_id, std::string_view name,
                                  std::string_view version) {
  return secret_versions_prefix(vault_id, name) + std::string(version);
}

inline std::string purge_queue_prefix() { return "purgeq/"; }
std::string purge_queue_entry(int64_t when, std::string_view collection, std::string_view vault_id,
                              std::string_view name);

// Associated data binding a sealed value to its place.
inline std::string secret_ad(std::string_view vault_id, std::string_view name, std::string_view version) {
  return std::string(vault_id) + "/secrets/" + lower(name) + "/" + std::string(version);
}

}  // namespace coffer::vault::keys
