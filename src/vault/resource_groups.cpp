#include "vault/resource_groups.hpp"

#include "common/ascii.hpp"
#include "common/record_codec.hpp"
#include "vault/record_scan.hpp"
#include "vault/store_keys.hpp"

namespace coffer::vault {
namespace {

enum ResourceGroupField : uint8_t { kGroupName = 1, kGroupLocation, kGroupTags, kGroupCreated };

constexpr std::size_t kMaxResourceTags = 50;
constexpr std::size_t kMaxResourceTagName = 512;
constexpr std::size_t kMaxResourceTagValue = 256;

std::string encode(const ResourceGroup& g) {
  RecordWriter w;
  w.bytes(kGroupName, g.name).bytes(kGroupLocation, g.location).map(kGroupTags, g.tags).i64(kGroupCreated, g.created);
  return w.take();
}

Result<ResourceGroup> decode(std::string_view data) {
  auto r = RecordReader::parse(data);
  if (!r) return Status(Code::kInternal, "corrupt resource group record");
  return ResourceGroup{r->bytes(kGroupName), r->bytes(kGroupLocation), r->map(kGroupTags), r->i64(kGroupCreated)};
}

Status group_not_found(const std::string& name) {
  return Status(Code::kNotFound, "Resource group '" + name.substr(0, 90) + "' could not be found.",
                "ResourceGroupNotFound");
}

ResourceGroup built_in_group() { return ResourceGroup{kBuiltInGroup, kBuiltInLocation, {}, 0}; }

Status built_in_refused() {
  return Status(Code::kConflict,
                std::string("The resource group '") + kBuiltInGroup +
                    "' is built in: it holds the vaults made by Coffer's admin API and cannot be changed or deleted.",
                "ResourceGroupBuiltIn");
}

}  // namespace

Status ResourceGroupRegistry::check_tags(const Tags& tags) {
  if (tags.size() > kMaxResourceTags) return bad_parameter("A resource takes at most 50 tags.");
  for (const auto& [k, v] : tags) {
    if (k.empty() || k.size() > kMaxResourceTagName || v.size() > kMaxResourceTagValue) {
      return bad_parameter("Tag names must be 1-512 characters and tag values at most 256.");
    }
  }
  return Status::Ok();
}

bool ResourceGroupRegistry::is_built_in(const std::string& name) { return iequals_ascii(name, kBuiltInGroup); }

ResourceGroupRegistry::ResourceGroupRegistry(store::Store& store, const Clock& clock) : store_(store), clock_(clock) {}

bool ResourceGroupRegistry::valid_name(const std::string& name) {
  if (name.empty() || name.size() > 90 || name.back() == '.') return false;
  for (char c : name) {
    if (!ascii_alnum(c) && c != '_' && c != '-' && c != '.' && c != '(' && c != ')') return false;
  }
  return true;
}

std::string ResourceGroupRegistry::normal_location(const std::string& location) {
  std::string out;
  for (char c : location) {
    if (ascii_alnum(c))
      out += ascii_lower(c);
    else if (c != ' ')
      return {};
  }
  return out.size() <= 64 ? out : std::string();
}

Result<ResourceGroupRegistry::Put> ResourceGroupRegistry::put(const std::string& name, const std::string& location,
                                                              const Tags& tags) {
  if (!valid_name(name)) {
    return bad_parameter("Resource group name '" + name.substr(0, 100) +
                         "' is invalid: use 1-90 letters, digits, underscores, hyphens, periods and parentheses, "
                         "not ending in a period.");
  }
  const std::string where = normal_location(location);
  if (where.empty()) return bad_parameter("Location '" + location.substr(0, 100) + "' is not a location name.");
  COFFER_RETURN_IF_ERROR(check_tags(tags));
  if (is_built_in(name)) return built_in_refused();
  Put out;
  COFFER_RETURN_IF_ERROR(store_.write([&](store::WriteTxn& txn) -> Status {
    COFFER_ASSIGN_OR_RETURN(auto existing, txn.get(keys::resource_group(name)));
    if (existing) {
      COFFER_ASSIGN_OR_RETURN(out.group, decode(existing->value));
      if (out.group.location != where) {
        return Status(Code::kConflict,
                      "Invalid resource group location '" + where + "'. The resource group '" + out.group.name +
                          "' already exists in location '" + out.group.location + "'.",
                      "InvalidResourceGroupLocation");
      }
      out.group.tags = tags;
      out.created = false;
    } else {
      out.group = ResourceGroup{name, where, tags, clock_.now()};
      out.created = true;
    }
    return txn.put(keys::resource_group(name), encode(out.group));
  }));
  return out;
}

Result<ResourceGroup> ResourceGroupRegistry::find(const std::string& name) {
  if (!valid_name(name)) return group_not_found(name);
  if (is_built_in(name)) return built_in_group();
  std::optional<store::Entry> entry;
  COFFER_RETURN_IF_ERROR(store_.read([&](store::ReadTxn& txn) -> Status {
    COFFER_ASSIGN_OR_RETURN(entry, txn.get(keys::resource_group(name)));
    return Status::Ok();
  }));
  if (!entry) return group_not_found(name);
  return decode(entry->value);
}

Result<std::vector<ResourceGroup>> ResourceGroupRegistry::list() {
  std::vector<ResourceGroup> out{built_in_group()};
  COFFER_RETURN_IF_ERROR(store_.read([&](store::ReadTxn& txn) -> Status {
    return for_each_entry(txn, keys::resource_group_prefix(), [&](const store::Entry& e) -> Status {
      COFFER_ASSIGN_OR_RETURN(ResourceGroup g, decode(e.value));
      out.push_back(std::move(g));
      return Status::Ok();
    });
  }));
  return out;
}

Status ResourceGroupRegistry::remove(const std::string& name) {
  if (!valid_name(name)) return group_not_found(name);
  if (is_built_in(name)) return built_in_refused();
  return store_.write([&](store::WriteTxn& txn) -> Status {
    COFFER_ASSIGN_OR_RETURN(auto existing, txn.get(keys::resource_group(name)));
    if (!existing) return group_not_found(name);
    return txn.erase(keys::resource_group(name));
  });
}

}  // namespace coffer::vault
