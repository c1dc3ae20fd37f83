// Domain values of the vault layer: vaults, object attributes, secrets and
// their soft-deleted form, and paging. Plain data; no JSON, no HTTP.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/secure_memory.hpp"

namespace coffer::vault {

using Tags = std::map<std::string, std::string>;

struct VaultInfo {
  std::string name;         // as created (case kept); matched case-insensitively
  std::string id;           // GUID; owner of the vault's KEK and its records
  int retention_days = 90;  // soft-delete retention, 7–90
  bool purge_protection = false;
  int64_t created = 0;
  std::string wrapped_kek;  // the vault KEK, wrapped by the root key
  // Azure Resource Manager's view of the vault. Vaults made by Coffer's own
  // admin API live in the built-in group (resource_groups.hpp).
  std::string resource_group;
  std::string location;  // ARM normal form ("eastus")
  Tags tags;
  std::string sku = "standard";  // "standard" or "premium"
  // true: role assignments authorize the data plane; false: the vault's
  // access policies do (AKV's enableRbacAuthorization).
  bool rbac_authorization = true;
  int64_t deleted = 0;  // when it was soft-deleted; 0 while it is live

  // AKV's recoveryLevel for objects in this vault.
  std::string_view recovery_level() const;
  // When a soft-deleted vault is purged by the server.
  int64_t scheduled_purge() const;
};

// Timestamps are Unix seconds (UTC).
struct Attributes {
  bool enabled = true;
  std::optional<int64_t> not_before;
  std::optional<int64_t> expires;
  int64_t created = 0;
  int64_t updated = 0;
};

struct SecretProperties {
  std::string name;     // stored spelling
  std::string version;  // 32 hex
  Attributes attributes;
  std::optional<std::string> content_type;
  Tags tags;
  bool managed = false;
  // Of a certificate's secret: the version its certificate version followed
  // (AKV's previousVersion); empty for the first and for plain secrets.
  std::string previous_version;
  // Made by a rotation still in flight (EVENTS-SPEC.md §4 PENDING): readable by
  // its version id only, never the latest, never listed or backed up.
  bool pending = false;
};

struct Secret {
  SecretProperties properties;
  SecureString value;
};

struct DeletionInfo {
  int64_t deleted_date = 0;
  int64_t scheduled_purge_date = 0;
};

struct DeletedSecret {
  SecretProperties properties;  // of the latest version
  DeletionInfo deletion;
};

// What a caller may set on a new secret version.
struct SecretDraft {
  SecureString value;
  std::optional<std::string> content_type;
  Tags tags;
  bool enabled = true;
  std::optional<int64_t> not_before;
  std::optional<int64_t> expires;
  std::string idempotency_key;  // vault/idempotency.hpp; empty = not identified
};

// A partial update of one version's metadata; unset fields stay as they are.
struct SecretPatch {
  std::optional<std::string> content_type;
  std::optional<Tags> tags;
  std::optional<bool> enabled;
  std::optional<std::optional<int64_t>> not_before;  // set → replace (nullopt inside clears)
  std::optional<std::optional<int64_t>> expires;
};

// Paging: a page of at most `max` items following the opaque cursor `after`
// (empty = from the start). `next` is empty on the last page.
struct PageRequest {
  std::size_t max = 25;
  std::string after;
};

template <typename T>
struct Page {
  std::vector<T> items;
  std::string next;
};

}  // namespace coffer::vault
