#include "auth/authorizer.hpp"

#include "common/ascii.hpp"

namespace coffer::auth {

Status Authorizer::denied(const Principal& principal, std::string_view action, std::string_view scope) {
  const std::string resource = lower_ascii(scope);
  std::string vault_line;
  if (resource.rfind("/vaults/", 0) == 0) {
    const std::string rest = resource.substr(8);
    vault_line = "Vault: " + rest.substr(0, rest.find('/')) + ";location=coffer\r\n";
  }
  return Status(Code::kForbidden,
                "Caller is not authorized to perform action on resource.\r\nIf role assignments, deny "
                "assignments or role definitions were changed recently, please observe propagation time.\r\n"
                "Caller: appid=" +
                    principal.app_id + ";oid=" + principal.object_id + "\r\nAction: '" + std::string(action) +
                    "'\r\nResource: '" + resource +
                    "'\r\nAssignment: (not found)\r\nDenyAssignmentId: null\r\nDecisionReason: "
                    "'DeniedWithNoValidRBAC' \r\n" +
                    vault_line,
                "ForbiddenByRbac");
}

std::string Authorizer::group_scope(std::string_view scope) const {
  constexpr std::string_view kVaults = "/vaults/";
  if (!group_of_ || !istarts_with_ascii(scope, kVaults)) return {};
  const std::string_view rest = scope.substr(kVaults.size());
  const std::string group = group_of_(rest.substr(0, rest.find('/')));
  return group.empty() ? std::string() : "/resourcegroups/" + lower_ascii(group);
}

Status Authorizer::authorize(const Principal& principal, std::string_view action, std::string_view scope) const {
  if (principal.tenant_id != tenant_id_) return denied(principal, action, scope);
  COFFER_ASSIGN_OR_RETURN(auto index, rbac_.fresh_index());
  if (index->allows(principal.object_id, action, scope)) return Status::Ok();
  // Only then the vault's resource group (a lookup the common case never makes).
  if (const std::string group = group_scope(scope);
      !group.empty() && index->allows(principal.object_id, action, group)) {
    return Status::Ok();
  }
  return denied(principal, action, scope);
}

Status Authorizer::authorize_assignment(const Principal& principal, std::string_view action, std::string_view scope,
                                        std::string_view role_id) const {
  if (principal.tenant_id != tenant_id_) return denied(principal, action, scope);
  COFFER_ASSIGN_OR_RETURN(auto index, rbac_.fresh_index());
  if (index->allows_assignment(principal.object_id, action, scope, role_id)) return Status::Ok();
  if (const std::string group = group_scope(scope);
      !group.empty() && index->allows_assignment(principal.object_id, action, group, role_id)) {
    return Status::Ok();
  }
  return denied(principal, action, scope);
}

Status Authorizer::authorize_by_access_policy(const Principal& principal, std::string_view operation,
                                              std::string_view vault_id, std::string_view vault_label) const {
  const std::string_view permission = access_policy_permission_of(operation);
  if (principal.tenant_id == tenant_id_ && !permission.empty()) {
    COFFER_ASSIGN_OR_RETURN(auto index, rbac_.fresh_index());
    if (index->policy_allows(vault_id, principal.object_id, permission)) return Status::Ok();
  }
  // "secrets/get" → "secrets get"
  std::string wording(permission.empty() ? std::string_view("this") : permission);
  if (auto slash = wording.find('/'); slash != std::string::npos) wording[slash] = ' ';
  return Status(Code::kForbidden,
                "The user, group or application 'appid=" + principal.app_id + ";oid=" + principal.object_id +
                    "' does not have " + wording + " permission on key vault '" + std::string(vault_label) +
                    "'. For help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125287",
                "AccessDenied");
}

}  // namespace coffer::auth
