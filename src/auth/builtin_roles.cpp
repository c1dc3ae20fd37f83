// The built-in roles: Azure's Key Vault roles exactly as ARM publishes them
// (../shared/akv-api/RBAC-ROLES.md §1.1: names, GUIDs, descriptions, actions,
// dataActions), Azure's Owner, Contributor and Reader, plus Coffer
// Administrator.
#include <algorithm>

#include "auth/role_definition.hpp"

namespace coffer::auth {
namespace {

const std::string kRbacOnly =
    " Only works for key vaults that use the 'Azure role-based access control' permission model.";

std::vector<std::string> kvstd() {
  return {"Microsoft.Authorization/*/read",
          "Microsoft.Insights/alertRules/*",
          "Microsoft.Resources/deployments/*",
          "Microsoft.Resources/subscriptions/resourceGroups/read",
          "Microsoft.Support/*",
          "Microsoft.KeyVault/checkNameAvailability/read",
          "Microsoft.KeyVault/deletedVaults/read",
          "Microsoft.KeyVault/locations/*/read",
          "Microsoft.KeyVault/vaults/*/read",
          "Microsoft.KeyVault/operations/read"};
}

std::vector<std::string> v(std::initializer_list<const char*> tails) {
  std::vector<std::string> out;
  for (const char* t : tails) out.push_back(std::string("Microsoft.KeyVault/vaults/") + t);
  return out;
}

RoleDefinition role(std::string_view guid, std::string name, std::string description, std::vector<std::string> actions,
                    std::vector<std::string> data_actions) {
  RoleDefinition r;
  r.name = std::string(guid);
  r.role_name = std::move(name);
  r.description = std::move(description);
  r.built_in = true;
  r.permissions.push_back(Permission{std::move(actions), {}, std::move(data_actions), {}});
  r.assignable_scopes = {"/"};
  return r;
}

std::vector<RoleDefinition> make_builtin_roles() {
  std::vector<RoleDefinition> roles;
  roles.push_back(role(kKeyVaultAdministratorRoleId, "Key Vault Administrator",
                       "Perform all data plane operations on a key vault and all objects in it, including "
                       "certificates, keys, and secrets. Cannot manage key vault resources or manage role "
                       "assignments." +
                           kRbacOnly,
                       kvstd(), v({"*"})));
  roles.push_back(role("21090545-7ca7-4776-b22c-e363652d74d2", "Key Vault Reader",
                       "Read metadata of key vaults and its certificates, keys, and secrets. Cannot read sensitive "
                       "values such as secret contents or key material." +
                           kRbacOnly,
                       kvstd(), v({"*/read", "secrets/readMetadata/action"})));
  roles.push_back(role("b86a8fe4-44ce-4948-aee5-eccb2c155cd7", "Key Vault Secrets Officer",
                       "Perform any action on the secrets of a key vault, except manage permissions." + kRbacOnly,
                       kvstd(), v({"secrets/*"})));
  roles.push_back(role(kKeyVaultSecretsUserRoleId, "Key Vault Secrets User", "Read secret contents." + kRbacOnly, {},
                       v({"secrets/getSecret/action", "secrets/readMetadata/action"})));
  roles.push_back(role("14b46e9e-c2b7-41b4-b07b-48a6ebf60603", "Key Vault Crypto Officer",
                       "Perform any action on the keys of a key vault, except manage permissions." + kRbacOnly, kvstd(),
                       v({"keys/*", "keyrotationpolicies/*"})));
  roles.push_back(
      role("12338af0-0e69-4776-bea7-57ae8d297424", "Key Vault Crypto User",
           "Perform cryptographic operations using keys." + kRbacOnly, {},
           v({"keys/read", "keys/update/action", "keys/backup/action", "keys/encrypt/action", "keys/decrypt/action",
              "keys/wrap/action", "keys/unwrap/action", "keys/sign/action", "keys/verify/action"})));
  roles.push_back(role("e147488a-f6f5-4113-8e2d-b22465e65bf6", "Key Vault Crypto Service Encryption User",
                       "Read metadata of keys and perform wrap/unwrap operations." + kRbacOnly,
                       {"Microsoft.EventGrid/eventSubscriptions/write", "Microsoft.EventGrid/eventSubscriptions/read",
                        "Microsoft.EventGrid/eventSubscriptions/delete"},
                       v({"keys/read", "keys/wrap/action", "keys/unwrap/action"})));
  roles.push_back(role("08bbd89e-9f13-488c-ac41-acfcb10c90ab", "Key Vault Crypto Service Release User",
                       "Release keys." + kRbacOnly, {}, v({"keys/release/action"})));
  roles.push_back(role("a4417e6f-fecd-4de8-b567-7b0420556985", "Key Vault Certificates Officer",
                       "Perform any action on the certificates of a key vault, except manage permissions." + kRbacOnly,
                       kvstd(), v({"certificatecas/*", "certificates/*", "certificatecontacts/write"})));
  roles.push_back(role(
      "db79e9a7-68ee-4b58-9aeb-b90e7c24fcba", "Key Vault Certificate User", "Read certificate contents." + kRbacOnly,
      {}, v({"certificates/read", "secrets/getSecret/action", "secrets/readMetadata/action", "keys/read"})));
  RoleDefinition daa = role(
      kKeyVaultDataAccessAdministratorRoleId, "Key Vault Data Access Administrator",
      "Manage access to Azure Key Vault by adding or removing role assignments for the Key Vault Administrator, Key "
      "Vault Certificates Officer, Key Vault Crypto Officer, Key Vault Crypto Service Encryption User, Key Vault "
      "Crypto User, Key Vault Reader, Key Vault Secrets Officer, or Key Vault Secrets User roles. Includes an ABAC "
      "condition to constrain role assignments.",
      {"Microsoft.Authorization/roleAssignments/write", "Microsoft.Authorization/roleAssignments/delete",
       "Microsoft.Authorization/*/read", "Microsoft.Resources/deployments/*",
       "Microsoft.Resources/subscriptions/resourceGroups/read", "Microsoft.Resources/subscriptions/read",
       "Microsoft.Management/managementGroups/read", "Microsoft.Resources/deployments/*", "Microsoft.Support/*",
       "Microsoft.KeyVault/vaults/*/read"},
      {});
  daa.assignable_role_ids = {std::string(kKeyVaultAdministratorRoleId), "a4417e6f-fecd-4de8-b567-7b0420556985",
                             "14b46e9e-c2b7-41b4-b07b-48a6ebf60603",    "e147488a-f6f5-4113-8e2d-b22465e65bf6",
                             "12338af0-0e69-4776-bea7-57ae8d297424",    "21090545-7ca7-4776-b22c-e363652d74d2",
                             "b86a8fe4-44ce-4948-aee5-eccb2c155cd7",    std::string(kKeyVaultSecretsUserRoleId)};
  roles.push_back(std::move(daa));
  // Azure's general roles and Key Vault Contributor: the control plane (ARM) only.
  roles.push_back(role("8e3af657-a8ff-443c-a75c-2fe8c4bcb635", "Owner",
                       "Grants full access to manage all resources, including the ability to assign roles in Azure "
                       "RBAC.",
                       {"*"}, {}));
  RoleDefinition contributor =
      role("b24988ac-6180-42a0-ab88-20f7382dd24c", "Contributor",
           "Grants full access to manage all resources, but does not allow you to assign roles in Azure RBAC, manage "
           "assignments in Azure Blueprints, or share image galleries.",
           {"*"}, {});
  contributor.permissions[0].not_actions = {"Microsoft.Authorization/*/Delete",
                                            "Microsoft.Authorization/*/Write",
                                            "Microsoft.Authorization/elevateAccess/Action",
                                            "Microsoft.Blueprint/blueprintAssignments/write",
                                            "Microsoft.Blueprint/blueprintAssignments/delete",
                                            "Microsoft.Compute/galleries/share/action",
                                            "Microsoft.Purview/consents/write",
                                            "Microsoft.Purview/consents/delete"};
  roles.push_back(std::move(contributor));
  roles.push_back(role("acdd72a7-3385-48ef-bd42-f606fba81ae7", "Reader",
                       "View all resources, but does not allow you to make any changes.", {"*/read"}, {}));
  RoleDefinition kv_contributor =
      role(kKeyVaultContributorRoleId, "Key Vault Contributor", "Lets you manage key vaults, but not access to them.",
           {"Microsoft.Authorization/*/read", "Microsoft.Insights/alertRules/*", "Microsoft.KeyVault/*",
            "Microsoft.Resources/deployments/*", "Microsoft.Resources/subscriptions/resourceGroups/read",
            "Microsoft.Support/*"},
           {});
  kv_contributor.permissions[0].not_actions = {"Microsoft.KeyVault/locations/deletedVaults/purge/action",
                                               "Microsoft.KeyVault/hsmPools/*", "Microsoft.KeyVault/managedHsms/*"};
  roles.push_back(std::move(kv_contributor));
  roles.push_back(role(kCofferAdministratorRoleId, "Coffer Administrator",
                       "Manage a Coffer server: vaults, resource groups, service principals, groups, role "
                       "definitions and role assignments. Grants no access to the contents of vaults.",
                       {"Microsoft.Authorization/*", "Microsoft.Resources/*", "Microsoft.KeyVault/*"}, {"Coffer/*"}));
  return roles;
}

}  // namespace

const std::vector<RoleDefinition>& builtin_roles() {
  static const std::vector<RoleDefinition> roles = make_builtin_roles();
  return roles;
}

const RoleDefinition* find_builtin_role(std::string_view guid) {
  const std::string id = lower_ascii(guid);
  const auto& roles = builtin_roles();
  auto it = std::find_if(roles.begin(), roles.end(), [&](const RoleDefinition& r) { return r.name == id; });
  return it == roles.end() ? nullptr : &*it;
}

}  // namespace coffer::auth
