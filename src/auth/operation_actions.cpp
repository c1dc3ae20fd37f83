#include "auth/operation_actions.hpp"

#include <array>

namespace coffer::auth {
namespace {

constexpr std::array kTable = {
    // Secrets (AKV data plane; RBAC-ROLES.md §2.3).
    OperationAction{"SecretList", "Microsoft.KeyVault/vaults/secrets/readMetadata/action", ScopeKind::kVault,
                    "secrets/list"},
    OperationAction{"SecretRestore", "Microsoft.KeyVault/vaults/secrets/restore/action", ScopeKind::kVault,
                    "secrets/restore"},
    OperationAction{"SecretSet", "Microsoft.KeyVault/vaults/secrets/setSecret/action", ScopeKind::kObject,
                    "secrets/set"},
    OperationAction{"SecretDelete", "Microsoft.KeyVault/vaults/secrets/delete", ScopeKind::kObject, "secrets/delete"},
    OperationAction{"SecretListVersions", "Microsoft.KeyVault/vaults/secrets/readMetadata/action", ScopeKind::kObject,
                    "secrets/list"},
    OperationAction{"SecretBackup", "Microsoft.KeyVault/vaults/secrets/backup/action", ScopeKind::kObject,
                    "secrets/backup"},
    OperationAction{"SecretGet", "Microsoft.KeyVault/vaults/secrets/getSecret/action", ScopeKind::kObject,
                    "secrets/get"},
    OperationAction{"SecretUpdate", "Microsoft.KeyVault/vaults/secrets/update/action", ScopeKind::kObject,
                    "secrets/set"},
    OperationAction{"SecretListDeleted", "Microsoft.KeyVault/vaults/secrets/readMetadata/action", ScopeKind::kVault,
                    "secrets/list"},
    OperationAction{"SecretGetDeleted", "Microsoft.KeyVault/vaults/secrets/readMetadata/action", ScopeKind::kObject,
                    "secrets/list"},
    OperationAction{"SecretPurge", "Microsoft.KeyVault/vaults/secrets/purge/action", ScopeKind::kObject,
                    "secrets/purge"},
    OperationAction{"SecretRecover", "Microsoft.KeyVault/vaults/secrets/recover/action", ScopeKind::kObject,
                    "secrets/recover"},
    // Coffer's secret rotation (EVENTS-SPEC.md §4): reading a policy is reading metadata; setting one or
    // rotating makes new versions, as SetSecret does.
    OperationAction{"SecretRotationPolicyGet", "Microsoft.KeyVault/vaults/secrets/readMetadata/action",
                    ScopeKind::kObject, "secrets/list"},
    OperationAction{"SecretRotationPolicyUpdate", "Microsoft.KeyVault/vaults/secrets/setSecret/action",
                    ScopeKind::kObject, "secrets/set"},
    OperationAction{"SecretRotate", "Microsoft.KeyVault/vaults/secrets/setSecret/action", ScopeKind::kObject,
                    "secrets/set"},
    OperationAction{"SecretRotationGet", "Microsoft.KeyVault/vaults/secrets/readMetadata/action", ScopeKind::kObject,
                    "secrets/list"},
    // Coffer's change feed (api/change_feed_routes.hpp): reading it is listing that object type.
    OperationAction{"SecretChangesRead", "Microsoft.KeyVault/vaults/secrets/readMetadata/action", ScopeKind::kVault,
                    "secrets/list"},
    OperationAction{"KeyChangesRead", "Microsoft.KeyVault/vaults/keys/read", ScopeKind::kVault, "keys/list"},
    OperationAction{"CertificateChangesRead", "Microsoft.KeyVault/vaults/certificates/read", ScopeKind::kVault,
                    "certificates/list"},
    // Certificates (AKV data plane; RBAC-ROLES.md §2.3, api/certificate_routes.cpp).
    OperationAction{"CertificateList", "Microsoft.KeyVault/vaults/certificates/read", ScopeKind::kVault,
                    "certificates/list"},
    OperationAction{"CertificateListDeleted", "Microsoft.KeyVault/vaults/certificates/read", ScopeKind::kVault,
                    "certificates/list"},
    OperationAction{"CertificateCreate", "Microsoft.KeyVault/vaults/certificates/create/action", ScopeKind::kObject,
                    "certificates/create"},
    OperationAction{"CertificateIssuerList", "Microsoft.KeyVault/vaults/certificatecas/read", ScopeKind::kVault,
                    "certificates/listissuers"},
    OperationAction{"CertificateIssuerGet", "Microsoft.KeyVault/vaults/certificatecas/read", ScopeKind::kVault,
                    "certificates/getissuers"},
    OperationAction{"CertificateIssuerSet", "Microsoft.KeyVault/vaults/certificatecas/write", ScopeKind::kVault,
                    "certificates/setissuers"},
    OperationAction{"CertificateIssuerUpdate", "Microsoft.KeyVault/vaults/certificatecas/write", ScopeKind::kVault,
                    "certificates/setissuers"},
    OperationAction{"CertificateIssuerDelete", "Microsoft.KeyVault/vaults/certificatecas/delete", ScopeKind::kVault,
                    "certificates/deleteissuers"},
    OperationAction{"CertificateContactsGet", "Microsoft.KeyVault/vaults/certificatecontacts/write", ScopeKind::kVault,
                    "certificates/managecontacts"},
    OperationAction{"CertificateContactsSet", "Microsoft.KeyVault/vaults/certificatecontacts/write", ScopeKind::kVault,
                    "certificates/managecontacts"},
    OperationAction{"CertificateContactsDelete", "Microsoft.KeyVault/vaults/certificatecontacts/write",
                    ScopeKind::kVault, "certificates/managecontacts"},
    OperationAction{"CertificateRestore", "Microsoft.KeyVault/vaults/certificates/restore/action", ScopeKind::kVault,
                    "certificates/restore"},
    OperationAction{"CertificateBackup", "Microsoft.KeyVault/vaults/certificates/backup/action", ScopeKind::kObject,
                    "certificates/backup"},
    OperationAction{"CertificateImport", "Microsoft.KeyVault/vaults/certificates/import/action", ScopeKind::kObject,
                    "certificates/import"},
    OperationAction{"CertificateMerge", "Microsoft.KeyVault/vaults/certificates/create/action", ScopeKind::kObject,
                    "certificates/create"},
    OperationAction{"CertificateUpdate", "Microsoft.KeyVault/vaults/certificates/update/action", ScopeKind::kObject,
                    "certificates/update"},
    OperationAction{"CertificatePolicyUpdate", "Microsoft.KeyVault/vaults/certificates/update/action",
                    ScopeKind::kObject, "certificates/update"},
    OperationAction{"CertificatePendingUpdate", "Microsoft.KeyVault/vaults/certificates/update/action",
                    ScopeKind::kObject, "certificates/update"},
    OperationAction{"CertificatePendingDelete", "Microsoft.KeyVault/vaults/certificates/update/action",
                    ScopeKind::kObject, "certificates/delete"},
    OperationAction{"CertificateGet", "Microsoft.KeyVault/vaults/certificates/read", ScopeKind::kObject,
                    "certificates/get"},
    OperationAction{"CertificateListVersions", "Microsoft.KeyVault/vaults/certificates/read", ScopeKind::kObject,
                    "certificates/list"},
    OperationAction{"CertificatePolicyGet", "Microsoft.KeyVault/vaults/certificates/read", ScopeKind::kObject,
                    "certificates/get"},
    OperationAction{"CertificatePendingGet", "Microsoft.KeyVault/vaults/certificates/read", ScopeKind::kObject,
                    "certificates/get"},
    OperationAction{"CertificateDelete", "Microsoft.KeyVault/vaults/certificates/delete", ScopeKind::kObject,
                    "certificates/delete"},
    OperationAction{"CertificateGetDeleted", "Microsoft.KeyVault/vaults/certificates/read", ScopeKind::kObject,
                    "certificates/get"},
    OperationAction{"CertificateRecover", "Microsoft.KeyVault/vaults/certificates/recover/action", ScopeKind::kObject,
                    "certificates/recover"},
    OperationAction{"CertificatePurge", "Microsoft.KeyVault/vaults/certificates/purge/action", ScopeKind::kObject,
                    "certificates/purge"},
    // Keys (AKV data plane; RBAC-ROLES.md §2.3, api/key_routes.cpp).
    OperationAction{"KeyList", "Microsoft.KeyVault/vaults/keys/read", ScopeKind::kVault, "keys/list"},
    OperationAction{"KeyRestore", "Microsoft.KeyVault/vaults/keys/restore/action", ScopeKind::kVault, "keys/restore"},
    OperationAction{"KeyListDeleted", "Microsoft.KeyVault/vaults/keys/read", ScopeKind::kVault, "keys/list"},
    OperationAction{"KeyCreate", "Microsoft.KeyVault/vaults/keys/create/action", ScopeKind::kObject, "keys/create"},
    OperationAction{"KeyImport", "Microsoft.KeyVault/vaults/keys/import/action", ScopeKind::kObject, "keys/import"},
    OperationAction{"KeyGet", "Microsoft.KeyVault/vaults/keys/read", ScopeKind::kObject, "keys/get"},
    OperationAction{"KeyGetAttestation", "Microsoft.KeyVault/vaults/keys/read", ScopeKind::kObject, "keys/get"},
    OperationAction{"KeyUpdate", "Microsoft.KeyVault/vaults/keys/update/action", ScopeKind::kObject, "keys/update"},
    OperationAction{"KeyDelete", "Microsoft.KeyVault/vaults/keys/delete", ScopeKind::kObject, "keys/delete"},
    OperationAction{"KeyListVersions", "Microsoft.KeyVault/vaults/keys/read", ScopeKind::kObject, "keys/list"},
    OperationAction{"KeyBackup", "Microsoft.KeyVault/vaults/keys/backup/action", ScopeKind::kObject, "keys/backup"},
    OperationAction{"KeyGetDeleted", "Microsoft.KeyVault/vaults/keys/read", ScopeKind::kObject, "keys/get"},
    OperationAction{"KeyRecover", "Microsoft.KeyVault/vaults/keys/recover/action", ScopeKind::kObject, "keys/recover"},
    OperationAction{"KeyPurge", "Microsoft.KeyVault/vaults/keys/purge/action", ScopeKind::kObject, "keys/purge"},
    OperationAction{"KeyRotate", "Microsoft.KeyVault/vaults/keys/rotate/action", ScopeKind::kObject, "keys/rotate"},
    OperationAction{"KeyRelease", "Microsoft.KeyVault/vaults/keys/release/action", ScopeKind::kObject, "keys/release"},
    OperationAction{"KeyEncrypt", "Microsoft.KeyVault/vaults/keys/encrypt/action", ScopeKind::kObject, "keys/encrypt"},
    OperationAction{"KeyDecrypt", "Microsoft.KeyVault/vaults/keys/decrypt/action", ScopeKind::kObject, "keys/decrypt"},
    OperationAction{"KeyWrap", "Microsoft.KeyVault/vaults/keys/wrap/action", ScopeKind::kObject, "keys/wrapKey"},
    OperationAction{"KeyUnwrap", "Microsoft.KeyVault/vaults/keys/unwrap/action", ScopeKind::kObject, "keys/unwrapKey"},
    OperationAction{"KeySign", "Microsoft.KeyVault/vaults/keys/sign/action", ScopeKind::kObject, "keys/sign"},
    OperationAction{"KeyVerify", "Microsoft.KeyVault/vaults/keys/verify/action", ScopeKind::kObject, "keys/verify"},
    OperationAction{"KeyRotationPolicyGet", "Microsoft.KeyVault/vaults/keyrotationpolicies/read", ScopeKind::kObject,
                    "keys/getrotationpolicy"},
    OperationAction{"KeyRotationPolicyUpdate", "Microsoft.KeyVault/vaults/keyrotationpolicies/write",
                    ScopeKind::kObject, "keys/setrotationpolicy"},
    // POST /rng needs no key; no built-in role but the Administrator grants it (Managed HSM's rng/action).
    OperationAction{"GetRandomBytes", "Microsoft.KeyVault/vaults/rng/action", ScopeKind::kVault},
    // Coffer's admin API (api/admin_routes.cpp).
    OperationAction{"VaultList", "Coffer/vaults/read", ScopeKind::kRoot},
    OperationAction{"VaultCreate", "Coffer/vaults/write", ScopeKind::kVault},
    OperationAction{"VaultDelete", "Coffer/vaults/delete", ScopeKind::kVault},
    OperationAction{"VaultGet", "Coffer/vaults/read", ScopeKind::kVault},
    OperationAction{"ServicePrincipalList", "Coffer/servicePrincipals/read", ScopeKind::kRoot},
    OperationAction{"ServicePrincipalCreate", "Coffer/servicePrincipals/write", ScopeKind::kRoot},
    OperationAction{"ServicePrincipalDelete", "Coffer/servicePrincipals/delete", ScopeKind::kRoot},
    OperationAction{"ServicePrincipalGet", "Coffer/servicePrincipals/read", ScopeKind::kRoot},
    OperationAction{"ServicePrincipalResetCredential", "Coffer/servicePrincipals/write", ScopeKind::kRoot},
    // Workload credentials of a service principal (api/credential_routes.cpp).
    OperationAction{"ServicePrincipalFederatedCredentialList", "Coffer/servicePrincipals/read", ScopeKind::kRoot},
    OperationAction{"ServicePrincipalFederatedCredentialGet", "Coffer/servicePrincipals/read", ScopeKind::kRoot},
    OperationAction{"ServicePrincipalFederatedCredentialCreate", "Coffer/servicePrincipals/write", ScopeKind::kRoot},
    OperationAction{"ServicePrincipalFederatedCredentialDelete", "Coffer/servicePrincipals/write", ScopeKind::kRoot},
    OperationAction{"ServicePrincipalCertificateList", "Coffer/servicePrincipals/read", ScopeKind::kRoot},
    OperationAction{"ServicePrincipalCertificateAdd", "Coffer/servicePrincipals/write", ScopeKind::kRoot},
    OperationAction{"ServicePrincipalCertificateDelete", "Coffer/servicePrincipals/write", ScopeKind::kRoot},
    OperationAction{"TestClockAdvance", "Coffer/maintenance/action", ScopeKind::kRoot},
    OperationAction{"Seal", "Coffer/seal/action", ScopeKind::kRoot},
    OperationAction{"RootKeyRotate", "Coffer/rootKey/rotate/action", ScopeKind::kRoot},
    OperationAction{"RecoveryKeysGenerate", "Coffer/recoveryKeys/generate/action", ScopeKind::kRoot},
    OperationAction{"RekeyStart", "Coffer/rekey/action", ScopeKind::kRoot},
    OperationAction{"RekeyCancel", "Coffer/rekey/action", ScopeKind::kRoot},
    OperationAction{"SealMigrate", "Coffer/seal/migrate/action", ScopeKind::kRoot},
    // A vault's event subscriptions (api/event_subscription_routes.cpp).
    OperationAction{"EventSubscriptionList", "Coffer/eventSubscriptions/read", ScopeKind::kVault},
    OperationAction{"EventSubscriptionGet", "Coffer/eventSubscriptions/read", ScopeKind::kVault},
    OperationAction{"EventSubscriptionDeadLetterList", "Coffer/eventSubscriptions/read", ScopeKind::kVault},
    OperationAction{"EventSubscriptionDeadLetterReplay", "Coffer/eventSubscriptions/write", ScopeKind::kVault},
    OperationAction{"EventSubscriptionDeadLetterPurge", "Coffer/eventSubscriptions/delete", ScopeKind::kVault},
    OperationAction{"EventSubscriptionCreateOrUpdate", "Coffer/eventSubscriptions/write", ScopeKind::kVault},
    OperationAction{"EventSubscriptionDelete", "Coffer/eventSubscriptions/delete", ScopeKind::kVault},
    OperationAction{"GroupList", "Coffer/groups/read", ScopeKind::kRoot},
    OperationAction{"GroupGet", "Coffer/groups/read", ScopeKind::kRoot},
    OperationAction{"GroupCreate", "Coffer/groups/write", ScopeKind::kRoot},
    OperationAction{"GroupDelete", "Coffer/groups/delete", ScopeKind::kRoot},
    OperationAction{"GroupMemberAdd", "Coffer/groups/members/write", ScopeKind::kRoot},
    OperationAction{"GroupMemberRemove", "Coffer/groups/members/delete", ScopeKind::kRoot},
    // Role management (rbac.json; api/rbac_routes.cpp).
    OperationAction{"RoleDefinitionList", "Microsoft.Authorization/roleDefinitions/read", ScopeKind::kRequest},
    OperationAction{"RoleDefinitionGet", "Microsoft.Authorization/roleDefinitions/read", ScopeKind::kRequest},
    OperationAction{"RoleDefinitionCreateOrUpdate", "Microsoft.Authorization/roleDefinitions/write",
                    ScopeKind::kRequest},
    OperationAction{"RoleDefinitionDelete", "Microsoft.Authorization/roleDefinitions/delete", ScopeKind::kRequest},
    OperationAction{"RoleAssignmentList", "Microsoft.Authorization/roleAssignments/read", ScopeKind::kRequest},
    OperationAction{"RoleAssignmentGet", "Microsoft.Authorization/roleAssignments/read", ScopeKind::kRequest},
    OperationAction{"RoleAssignmentCreate", "Microsoft.Authorization/roleAssignments/write", ScopeKind::kRequest},
    OperationAction{"RoleAssignmentDelete", "Microsoft.Authorization/roleAssignments/delete", ScopeKind::kRequest},
};

}  // namespace

std::span<const OperationAction> operation_actions() { return kTable; }

std::string_view action_of(std::string_view operation) {
  for (const auto& e : kTable) {
    if (e.operation == operation) return e.action;
  }
  return {};
}

std::string_view access_policy_permission_of(std::string_view operation) {
  for (const auto& e : kTable) {
    if (e.operation == operation) return e.access_policy_permission;
  }
  return {};
}

}  // namespace coffer::auth
