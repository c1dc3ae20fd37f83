// Key Vault's legacy access policies: the second authorization model of a
// vault (enableRbacAuthorization false). A vault's policies list what each
// principal — a user, an application or a group, by object id — may do with
// its keys, secrets, certificates and storage accounts; a request is allowed
// when a policy for the caller or one of its groups holds the operation's
// permission (or "all" of its kind). Permission names are AKV's ("get",
// "wrapKey", "managecontacts"), matched without case, stored as given.
// Plain data and pure functions; RbacRegistry stores the policies.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.hpp"

namespace coffer::auth {

struct AccessPolicy {
  std::string tenant_id;       // lower case
  std::string object_id;       // lower case GUID
  std::string application_id;  // AKV's compound identity; empty for most policies
  std::vector<std::string> keys;
  std::vector<std::string> secrets;
  std::vector<std::string> certificates;
  std::vector<std::string> storage;
};

// At most this many policies per vault (AKV's limit).
inline constexpr std::size_t kMaxAccessPolicies = 1024;

// kBadParameter, naming what is wrong: GUIDs, and each permission one of its
// kind's (AKV's enumerations). Lower-cases the ids.
Status normalise_access_policy(AccessPolicy& policy);
// Whether `policy` holds `permission` ("secrets/get"; kind/name).
bool policy_grants(const AccessPolicy& policy, std::string_view permission);

// ARM's accessPolicies/{add|replace|remove}: add merges the permissions of
// each change into the policy for the same (tenant, object, application) or
// appends it; replace sets that policy's permissions; remove takes the named
// permissions away, and the policy once it holds none. Names match without
// case. kBadParameter for a malformed change (normalise_access_policy).
enum class PolicyEdit { kAdd, kReplace, kRemove };
std::optional<PolicyEdit> policy_edit_named(std::string_view name);  // "add", "replace", "remove"
Result<std::vector<AccessPolicy>> edit_access_policies(std::vector<AccessPolicy> current,
                                                       std::vector<AccessPolicy> changes, PolicyEdit edit);

// The record form, for the store.
std::string encode_access_policies(const std::vector<AccessPolicy>& policies);
std::optional<std::vector<AccessPolicy>> decode_access_policies(std::string_view data);

}  // namespace coffer::auth
