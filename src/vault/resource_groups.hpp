// ResourceGroupRegistry: Azure Resource Manager's resource groups, the
// containers `az group create` makes and every vault's ARM id names. Names
// keep their case and are matched without it; a group's location is fixed
// at creation (ARM's rule) and written in ARM's normal form ("East US" →
// "eastus"). One group is built in and always there: kBuiltInGroup, in
// kBuiltInLocation, home of the vaults made by Coffer's own admin API; it
// cannot be changed or deleted. Every call reads or writes the store, so all
// replicas agree at once. Thread-safe.
#pragma once

#include <string>
#include <vector>

#include "common/clock.hpp"
#include "common/status.hpp"
#include "store/store.hpp"
#include "vault/types.hpp"

namespace coffer::vault {

inline constexpr const char* kBuiltInGroup = "coffer";
inline constexpr const char* kBuiltInLocation = "local";

struct ResourceGroup {
  std::string name;      // as created
  std::string location;  // normal form
  Tags tags;
  int64_t created = 0;
};

class ResourceGroupRegistry {
 public:
  ResourceGroupRegistry(store::Store& store, const Clock& clock);

  // Creates the group or replaces its tags (created = true when it is new).
  // kBadParameter for a malformed name, location or tags; kConflict, reason
  // "InvalidResourceGroupLocation", when it exists in another location.
  struct Put {
    ResourceGroup group;
    bool created = false;
  };
  Result<Put> put(const std::string& name, const std::string& location, const Tags& tags);
  // kNotFound, reason "ResourceGroupNotFound", when absent.
  Result<ResourceGroup> find(const std::string& name);
  // The built-in group first, then the others by name.
  Result<std::vector<ResourceGroup>> list();
  // kConflict for the built-in group. The caller has deleted its vaults.
  Status remove(const std::string& name);

  // 1–90 of ASCII letters, digits, '_', '-', '.', '(' and ')', not ending in
  // '.' (ARM also allows other Unicode letters; Coffer does not, yet).
  static bool valid_name(const std::string& name);
  // "East US 2" → "eastus2"; empty when nothing usable is left.
  static std::string normal_location(const std::string& location);
  // ARM's limits for a resource's tags: at most 50, names 1–512 characters,
  // values at most 256 (kBadParameter otherwise).
  static Status check_tags(const Tags& tags);
  static bool is_built_in(const std::string& name);

 private:
  store::Store& store_;
  const Clock& clock_;
};

}  // namespace coffer::vault
