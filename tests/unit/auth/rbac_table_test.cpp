// The RBAC decision table: every operation of operation_actions() × every
// built-in role × where the role is assigned ("/", a vault, one secret) ×
// where the request lands (that vault, that secret, another secret, another
// vault, the root). The expected answers are written out by hand from
// RBAC-ROLES.md, independently of the wildcard code they check.
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "auth/access_index.hpp"
#include "auth/operation_actions.hpp"
#include "auth/role_definition.hpp"

namespace coffer::auth {
namespace {

const std::string kCaller = "11111111-2222-4333-8444-555555555555";

std::set<std::string> secret_ops() {
  return {"SecretList",
          "SecretRestore",
          "SecretSet",
          "SecretDelete",
          "SecretListVersions",
          "SecretBackup",
          "SecretGet",
          "SecretUpdate",
          "SecretListDeleted",
          "SecretGetDeleted",
          "SecretPurge",
          "SecretRecover",
          "SecretRotationPolicyGet",
          "SecretRotationPolicyUpdate",
          "SecretRotate",
          "SecretRotationGet",
          "SecretChangesRead"};
}
std::set<std::string> secret_metadata_ops() {
  return {"SecretList",        "SecretListVersions", "SecretListDeleted", "SecretGetDeleted", "SecretRotationPolicyGet",
          "SecretRotationGet", "SecretChangesRead"};
}
std::set<std::string> key_read_ops() {
  return {"KeyList",        "KeyListVersions", "KeyGet",        "KeyGetAttestation",
          "KeyListDeleted", "KeyGetDeleted",   "KeyChangesRead"};
}
std::set<std::string> key_ops() {
  return {"KeyList",
          "KeyRestore",
          "KeyListDeleted",
          "KeyCreate",
          "KeyImport",
          "KeyGet",
          "KeyGetAttestation",
          "KeyUpdate",
          "KeyDelete",
          "KeyListVersions",
          "KeyBackup",
          "KeyGetDeleted",
          "KeyRecover",
          "KeyPurge",
          "KeyRotate",
          "KeyRelease",
          "KeyEncrypt",
          "KeyDecrypt",
          "KeyWrap",
          "KeyUnwrap",
          "KeySign",
          "KeyVerify",
          "KeyRotationPolicyGet",
          "KeyRotationPolicyUpdate",
          "KeyChangesRead"};
}
std::set<std::string> certificate_read_ops() {
  return {"CertificateList",      "CertificateListDeleted", "CertificateGet",        "CertificateListVersions",
          "CertificatePolicyGet", "CertificatePendingGet",  "CertificateGetDeleted", "CertificateChangesRead"};
}
std::set<std::string> certificate_issuer_ops() {
  return {"CertificateIssuerList",   "CertificateIssuerGet",   "CertificateIssuerSet",   "CertificateIssuerUpdate",
          "CertificateIssuerDelete", "CertificateContactsGet", "CertificateContactsSet", "CertificateContactsDelete"};
}
std::set<std::string> certificate_ops() {
  auto s = certificate_read_ops();
  s.insert({"CertificateCreate", "CertificateDelete", "CertificateRecover", "CertificatePurge", "CertificateImport",
            "CertificateMerge", "CertificateUpdate", "CertificatePolicyUpdate", "CertificatePendingUpdate",
            "CertificatePendingDelete", "CertificateBackup", "CertificateRestore"});
  return s;
}
std::set<std::string> admin_ops() {
  return {"VaultList",
          "VaultCreate",
          "VaultDelete",
          "VaultGet",
          "ServicePrincipalList",
          "ServicePrincipalCreate",
          "ServicePrincipalDelete",
          "ServicePrincipalGet",
          "ServicePrincipalResetCredential",
          "UserList",
          "UserGet",
          "UserCreate",
          "UserDelete",
          "UserResetPassword",
          "UserTotpEnroll",
          "UserTotpDisable",
          "UserUnlock",
          "UserRevokeSignIns",
          "AuditSearch",
          "TestClockAdvance",
          "Seal",
          "RootKeyRotate",
          "RecoveryKeysGenerate",
          "RekeyStart",
          "RekeyCancel",
          "SealMigrate",
          "GroupList",
          "GroupGet",
          "GroupCreate",
          "GroupDelete",
          "GroupMemberAdd",
          "GroupMemberRemove",
          "ServicePrincipalFederatedCredentialList",
          "ServicePrincipalFederatedCredentialGet",
          "ServicePrincipalFederatedCredentialCreate",
          "ServicePrincipalFederatedCredentialDelete",
          "ServicePrincipalCertificateList",
          "ServicePrincipalCertificateAdd",
          "ServicePrincipalCertificateDelete",
          "EventSubscriptionList",
          "EventSubscriptionGet",
          "EventSubscriptionDeadLetterList",
          "EventSubscriptionDeadLetterReplay",
          "EventSubscriptionDeadLetterPurge",
          "EventSubscriptionCreateOrUpdate",
          "EventSubscriptionDelete"};
}
std::set<std::string> rbac_read_ops() {
  return {"RoleDefinitionList", "RoleDefinitionGet", "RoleAssignmentList", "RoleAssignmentGet"};
}
std::set<std::string> rbac_all_ops() {
  auto s = rbac_read_ops();
  s.insert({"RoleDefinitionCreateOrUpdate", "RoleDefinitionDelete", "RoleAssignmentCreate", "RoleAssignmentDelete"});
  return s;
}

std::set<std::string> join(std::initializer_list<std::set<std::string>> sets) {
  std::set<std::string> out;
  for (const auto& s : sets) out.insert(s.begin(), s.end());
  return out;
}

// Operations each built-in role allows (at a scope that covers the request).
std::set<std::string> expected_ops(const std::string& role_name) {
  const std::set<std::string> get = {"SecretGet"};
  const std::set<std::string> assign = {"RoleAssignmentCreate", "RoleAssignmentDelete"};
  if (role_name == "Key Vault Administrator") {
    return join(
        {secret_ops(), key_ops(), certificate_ops(), certificate_issuer_ops(), {"GetRandomBytes"}, rbac_read_ops()});
  }
  if (role_name == "Key Vault Reader") {
    return join({secret_metadata_ops(),
                 key_read_ops(),
                 certificate_read_ops(),
                 {"KeyRotationPolicyGet"},
                 {"CertificateIssuerList", "CertificateIssuerGet"},
                 rbac_read_ops()});
  }
  if (role_name == "Key Vault Secrets Officer") return join({secret_ops(), rbac_read_ops()});
  if (role_name == "Key Vault Secrets User") return join({secret_metadata_ops(), get});
  if (role_name == "Key Vault Crypto Officer") return join({key_ops(), rbac_read_ops()});
  if (role_name == "Key Vault Crypto User") {
    return join(
        {key_read_ops(),
         {"KeyUpdate", "KeyBackup", "KeyEncrypt", "KeyDecrypt", "KeyWrap", "KeyUnwrap", "KeySign", "KeyVerify"}});
  }
  if (role_name == "Key Vault Crypto Service Encryption User") return join({key_read_ops(), {"KeyWrap", "KeyUnwrap"}});
  if (role_name == "Key Vault Crypto Service Release User") return {"KeyRelease"};
  if (role_name == "Key Vault Certificates Officer") {
    return join({certificate_ops(), certificate_issuer_ops(), rbac_read_ops()});
  }
  if (role_name == "Key Vault Certificate User") {
    return join({secret_metadata_ops(), get, key_read_ops(), certificate_read_ops()});
  }
  if (role_name == "Key Vault Data Access Administrator") return join({rbac_read_ops(), assign});
  if (role_name == "Coffer Administrator") return join({admin_ops(), rbac_all_ops()});
  // Azure's general roles act on the control plane only: of the table's
  // operations, role management (Microsoft.Authorization/…) and no data action.
  if (role_name == "Owner") return rbac_all_ops();
  if (role_name == "Contributor" || role_name == "Reader" || role_name == "Key Vault Contributor") {
    return rbac_read_ops();
  }
  ADD_FAILURE() << "no expectations for role " << role_name;
  return {};
}

struct Target {
  const char* label;
  std::string vault;   // vault the request is addressed to
  std::string object;  // the secret it names (object-scoped operations)
};

// Where the request lands, for an operation of `kind`.
std::string request_scope(ScopeKind kind, const Target& t) {
  switch (kind) {
    case ScopeKind::kRoot: return "/";
    case ScopeKind::kVault:
    case ScopeKind::kRequest: return "/vaults/" + t.vault;
    case ScopeKind::kObject: return "/vaults/" + t.vault + "/secrets/" + t.object;
  }
  return "/";
}

// Hand-written coverage: does an assignment at `assigned` reach `requested`?
bool expected_cover(const std::string& assigned, const std::string& requested) {
  if (assigned == "/") return true;
  if (assigned == "/vaults/app") {
    return requested == "/vaults/APP" || requested == "/vaults/app" || requested.rfind("/vaults/APP/", 0) == 0 ||
           requested.rfind("/vaults/app/", 0) == 0;
  }
  if (assigned == "/vaults/app/secrets/db-password") {
    return requested == "/vaults/APP/secrets/DB-Password" || requested == "/vaults/app/secrets/db-password";
  }
  ADD_FAILURE() << "unknown assignment scope " << assigned;
  return false;
}

TEST(RbacTable, EveryOperationTimesEveryBuiltInRoleTimesScope) {
  const std::vector<std::string> assignment_scopes = {"/", "/vaults/app", "/vaults/app/secrets/db-password"};
  const std::vector<Target> targets = {
      {"same vault, assigned object", "APP", "DB-Password"},
      {"same vault, other object", "app", "api-key"},
      {"other vault, same object name", "other", "db-password"},
  };
  int checked = 0;
  ASSERT_EQ(builtin_roles().size(), 16u);
  for (const auto& role : builtin_roles()) {
    const auto allowed_ops = expected_ops(role.role_name);
    for (const auto& assigned : assignment_scopes) {
      AccessIndex index({}, {RoleAssignment{"aaaaaaaa-0000-4000-8000-000000000001", assigned, role.name, kCaller}}, {});
      for (const auto& target : targets) {
        for (const auto& op : operation_actions()) {
          const std::string scope = request_scope(op.scope, target);
          const bool expected = allowed_ops.count(std::string(op.operation)) && expected_cover(assigned, scope);
          EXPECT_EQ(index.allows(kCaller, op.action, scope), expected)
              << role.role_name << " at " << assigned << ": " << op.operation << " (" << op.action << ") on " << scope
              << " [" << target.label << "]";
          // Nobody else gains anything from this assignment.
          EXPECT_FALSE(index.allows("99999999-2222-4333-8444-555555555555", op.action, scope));
          ++checked;
        }
      }
    }
  }
  EXPECT_GT(checked, 1000);
}

TEST(RbacTable, EveryOperationHasExactlyOneActionAndAKnownRole) {
  std::set<std::string> names;
  for (const auto& op : operation_actions()) {
    EXPECT_TRUE(names.insert(std::string(op.operation)).second) << "duplicate operation " << op.operation;
    EXPECT_EQ(action_of(op.operation), op.action);
    // Every operation is allowed by at least one built-in role at "/".
    bool someone = false;
    for (const auto& role : builtin_roles()) someone = someone || role_grants(role, op.action);
    EXPECT_TRUE(someone) << op.operation;
  }
  EXPECT_TRUE(action_of("NoSuchOperation").empty());
}

TEST(RbacTable, NoAssignmentMeansNoAccess) {
  AccessIndex index({}, {}, {});
  for (const auto& op : operation_actions()) {
    EXPECT_FALSE(index.allows(kCaller, op.action, "/")) << op.operation;
    EXPECT_FALSE(index.allows(kCaller, op.action, "/vaults/app/secrets/x")) << op.operation;
  }
}

}  // namespace
}  // namespace coffer::auth
