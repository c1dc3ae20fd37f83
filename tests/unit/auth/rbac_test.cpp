// RBAC building blocks: wildcard matching, notDataActions, control-plane
// actions, scopes, the registry (persistence, validation, and the index
// staying coherent with every write), and vault access policies.
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <thread>

#include "auth/authorizer.hpp"
#include "auth/rbac_registry.hpp"
#include "crypto/random.hpp"

namespace coffer::auth {
namespace {

namespace fs = std::filesystem;

const std::string kGetSecret = "Microsoft.KeyVault/vaults/secrets/getSecret/action";
const std::string kSetSecret = "Microsoft.KeyVault/vaults/secrets/setSecret/action";
const std::string kPurgeSecret = "Microsoft.KeyVault/vaults/secrets/purge/action";

TEST(ActionMatch, AzureWildcards) {
  EXPECT_TRUE(action_matches("*", "anything/at/all"));
  EXPECT_TRUE(action_matches("Microsoft.KeyVault/vaults/*", kGetSecret));
  EXPECT_TRUE(action_matches("microsoft.keyvault/VAULTS/secrets/*", kGetSecret));
  EXPECT_TRUE(action_matches("Microsoft.KeyVault/vaults/*/read", "Microsoft.KeyVault/vaults/keys/read"));
  EXPECT_TRUE(action_matches("Microsoft.KeyVault/vaults/*/read", "Microsoft.KeyVault/vaults/storageaccounts/sas/read"));
  EXPECT_FALSE(
      action_matches("Microsoft.KeyVault/vaults/*/read", "Microsoft.KeyVault/vaults/secrets/readMetadata/action"));
  EXPECT_TRUE(action_matches("Microsoft.Authorization/*/read", "Microsoft.Authorization/roleAssignments/read"));
  EXPECT_FALSE(action_matches("Microsoft.Authorization/*/read", "Microsoft.Authorization/roleAssignments/write"));
  EXPECT_TRUE(action_matches("a*b*c", "aXXbYYc"));
  EXPECT_TRUE(action_matches("a*b*c", "abbbc"));
  EXPECT_FALSE(action_matches("a*b*c", "aXXbYY"));
  EXPECT_FALSE(action_matches("Microsoft.KeyVault/vaults/secrets", kGetSecret));
  EXPECT_FALSE(action_matches("Microsoft.KeyVault/vaults/secrets/getSecret/action/x", kGetSecret));
  EXPECT_TRUE(action_matches("Coffer/*", "Coffer/vaults/write"));
  EXPECT_FALSE(action_matches("Coffer/*", "Microsoft.KeyVault/vaults/secrets/delete"));
}

TEST(ActionMatch, NotDataActionsSubtractWithinTheSameRole) {
  RoleDefinition r;
  r.permissions.push_back(Permission{{}, {}, {"Microsoft.KeyVault/vaults/secrets/*"}, {"*/purge/action"}});
  EXPECT_TRUE(role_grants(r, kSetSecret));
  EXPECT_FALSE(role_grants(r, kPurgeSecret));
  // A second permission entry of the same role may grant it again: a subtraction, not a deny.
  r.permissions.push_back(Permission{{}, {}, {kPurgeSecret}, {}});
  EXPECT_TRUE(role_grants(r, kPurgeSecret));
}

TEST(ActionMatch, ActionsGrantTheControlPlaneAndDataActionsTheContents) {
  RoleDefinition r;
  r.permissions.push_back(Permission{{"Microsoft.KeyVault/vaults/*", "Microsoft.Authorization/*", "Coffer/*"},
                                     {"Microsoft.Authorization/roleDefinitions/*"},
                                     {},
                                     {}});
  EXPECT_FALSE(role_grants(r, kGetSecret));  // ARM actions never reach the data plane
  EXPECT_FALSE(role_grants(r, "Coffer/vaults/write")) << "Coffer's admin surface takes data actions";
  EXPECT_TRUE(role_grants(r, "Microsoft.KeyVault/vaults/write"));
  EXPECT_TRUE(role_grants(r, "Microsoft.KeyVault/vaults/accessPolicies/write"));
  EXPECT_TRUE(role_grants(r, "Microsoft.Authorization/roleAssignments/write"));
  EXPECT_FALSE(role_grants(r, "Microsoft.Authorization/roleDefinitions/write"));
  RoleDefinition data;
  data.permissions.push_back(Permission{{}, {}, {"*"}, {}});
  EXPECT_TRUE(role_grants(data, kGetSecret));
  EXPECT_TRUE(role_grants(data, "Coffer/vaults/write"));
  EXPECT_FALSE(role_grants(data, "Microsoft.KeyVault/vaults/write")) << "data actions never manage the vault";
  EXPECT_FALSE(role_grants(data, "Microsoft.Resources/subscriptions/resourceGroups/write"));
  for (const char* a : {"Microsoft.KeyVault/vaults/keys/read", "Microsoft.KeyVault/vaults/rng/action",
                        "microsoft.keyvault/VAULTS/secrets/getSecret/action", "Coffer/groups/read"}) {
    EXPECT_TRUE(is_data_action(a)) << a;
  }
  for (const char* a : {"Microsoft.KeyVault/vaults/read", "Microsoft.KeyVault/vaults/secrets",
                        "Microsoft.KeyVault/deletedVaults/read", "Microsoft.Resources/subscriptions/read"}) {
    EXPECT_FALSE(is_data_action(a)) << a;
  }
}

class RbacRegistryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("coffer-rbac-test-" + crypto::new_version_id());
    fs::create_directories(dir_);
    store_ = std::move(store::open_sqlite_store({(dir_ / "db").string()}).value());
    rbac_ = std::make_unique<RbacRegistry>(*store_);
    ASSERT_TRUE(rbac_->load().ok());
  }
  void TearDown() override {
    rbac_.reset();
    store_.reset();
    fs::remove_all(dir_);
  }
  bool allows(const std::string& who, const std::string& action, const std::string& scope) {
    return rbac_->index()->allows(who, action, scope);
  }
  RoleAssignment assign(const std::string& who, std::string_view role, const std::string& scope) {
    auto a = rbac_->create_assignment(RoleAssignment{crypto::new_guid(), scope, std::string(role), who});
    EXPECT_TRUE(a.ok()) << a.status().message();
    return a.ok() ? *a : RoleAssignment{};
  }

  fs::path dir_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<RbacRegistry> rbac_;
  const std::string alice_ = crypto::new_guid();
  const std::string bob_ = crypto::new_guid();
};

TEST_F(RbacRegistryTest, IndexFollowsAssignmentCreateAndDelete) {
  EXPECT_FALSE(allows(alice_, kGetSecret, "/vaults/app/secrets/db"));
  auto a = assign(alice_, kKeyVaultSecretsUserRoleId, "/vaults/App");
  EXPECT_EQ(a.scope, "/vaults/app");
  EXPECT_TRUE(allows(alice_, kGetSecret, "/vaults/app/secrets/db"));
  EXPECT_FALSE(allows(alice_, kSetSecret, "/vaults/app/secrets/db"));
  EXPECT_FALSE(allows(bob_, kGetSecret, "/vaults/app/secrets/db"));
  EXPECT_EQ(rbac_->index()->assignment_count(), 1u);
  ASSERT_TRUE(rbac_->delete_assignment(a.name).ok());
  EXPECT_FALSE(allows(alice_, kGetSecret, "/vaults/app/secrets/db"));
  EXPECT_EQ(rbac_->delete_assignment(a.name).status().reason(), "RoleAssignmentNotFound");
  EXPECT_EQ(rbac_->index()->assignment_count(), 0u);
}

// Two registries on one store stand for two servers sharing a database:
// what one grants or revokes, the other's fresh_index() reflects at once,
// and a write planned on a copy that another server changed meanwhile is
// refused unapplied.
TEST_F(RbacRegistryTest, AnotherServersChangesHoldAtTheNextCheck) {
  RbacRegistry other(*store_);
  ASSERT_TRUE(other.load().ok());
  auto fresh_allows = [&](RbacRegistry& r, const std::string& who) {
    auto index = r.fresh_index();
    EXPECT_TRUE(index.ok()) << index.status().message();
    return index.ok() && (*index)->allows(who, kGetSecret, "/vaults/app/secrets/db");
  };
  auto a = assign(alice_, kKeyVaultSecretsUserRoleId, "/vaults/app");
  EXPECT_TRUE(fresh_allows(other, alice_)) << "granted on one server, allowed on the other";
  ASSERT_TRUE(other.delete_assignment(a.name).ok());
  EXPECT_FALSE(fresh_allows(*rbac_, alice_)) << "revoked on the other server, denied here at once";
  // Unrelated writes move the store's generation; the copy is kept (one marker read, no reload).
  ASSERT_TRUE(store_->write([](store::WriteTxn& txn) { return txn.put("secret/x", "y"); }).ok());
  EXPECT_FALSE(fresh_allows(*rbac_, alice_));
  // Both servers create the same grant: one assignment, the second is told it exists.
  auto first = rbac_->create_assignment(
      RoleAssignment{crypto::new_guid(), "/vaults/app", std::string(kKeyVaultSecretsUserRoleId), bob_});
  ASSERT_TRUE(first.ok());
  auto second = other.create_assignment(
      RoleAssignment{crypto::new_guid(), "/vaults/app", std::string(kKeyVaultSecretsUserRoleId), bob_});
  EXPECT_EQ(second.status().reason(), "RoleAssignmentExists");
  EXPECT_EQ(other.list_assignments().size(), 1u);
}

// The copy is checked against the store inside the committing transaction:
// a change another server commits between this server's check and its
// commit refuses the write, unapplied; the copy is reloaded and a retry works.
class InterposingStore : public store::Store {
 public:
  explicit InterposingStore(store::Store& inner) : inner_(inner) {}
  Status read(const std::function<Status(store::ReadTxn&)>& fn) override { return inner_.read(fn); }
  Status write(const std::function<Status(store::WriteTxn&)>& fn) override {
    if (interpose) {
      interpose = false;
      COFFER_RETURN_IF_ERROR(interpose_with());  // "another server" commits first
    }
    return inner_.write(fn);
  }
  std::uint64_t generation() const override { return inner_.generation(); }
  bool interpose = false;
  std::function<Status()> interpose_with;

 private:
  store::Store& inner_;
};

TEST_F(RbacRegistryTest, AWriteOnACopyChangedMeanwhileIsRefusedUnapplied) {
  InterposingStore racing(*store_);
  RbacRegistry mine(racing);
  ASSERT_TRUE(mine.load().ok());
  racing.interpose = true;
  racing.interpose_with = [&] { return rbac_->create_group("theirs").status(); };
  auto refused = mine.create_group("mine");
  EXPECT_EQ(refused.status().code(), Code::kConflict);
  EXPECT_EQ(refused.status().reason(), "RoleManagementConflict");
  ASSERT_TRUE(rbac_->fresh_index().ok());
  EXPECT_EQ(rbac_->list_groups().size(), 1u) << "nothing of the refused write was applied";
  auto retried = mine.create_group("mine");
  ASSERT_TRUE(retried.ok()) << retried.status().message();
  EXPECT_EQ(mine.list_groups().size(), 2u);
}

TEST_F(RbacRegistryTest, AssignmentsWithinAScopeGoTogether) {
  assign(alice_, kKeyVaultSecretsUserRoleId, "/vaults/app");
  assign(bob_, kKeyVaultSecretsUserRoleId, "/vaults/app/secrets/db");
  assign(bob_, kKeyVaultSecretsUserRoleId, "/vaults/apple");  // a longer name is not below /vaults/app
  const std::string carol = crypto::new_guid();
  assign(carol, kKeyVaultSecretsUserRoleId, "/");
  EXPECT_EQ(rbac_->delete_assignments_within("/vaults/App").value(), 2u);
  EXPECT_FALSE(allows(alice_, kGetSecret, "/vaults/app/secrets/db"));
  EXPECT_FALSE(allows(bob_, kGetSecret, "/vaults/app/secrets/db"));
  EXPECT_TRUE(allows(bob_, kGetSecret, "/vaults/apple/secrets/db"));
  EXPECT_EQ(rbac_->list_assignments().size(), 2u);
  EXPECT_EQ(rbac_->delete_assignments_within("/vaults/app").value(), 0u);
  RbacRegistry reloaded(*store_);  // gone from the store too
  ASSERT_TRUE(reloaded.load().ok());
  EXPECT_EQ(reloaded.list_assignments().size(), 2u);
  EXPECT_EQ(rbac_->delete_assignments_within("/teams/x").status().code(), Code::kBadParameter);
}

TEST_F(RbacRegistryTest, StateSurvivesAReload) {
  auto group = rbac_->create_group("team").value();
  ASSERT_TRUE(rbac_->add_member(group.object_id, bob_).ok());
  assign(group.object_id, kKeyVaultSecretsUserRoleId, "/vaults/app");
  assign(alice_, kKeyVaultAdministratorRoleId, "/");
  RoleDefinition custom;
  custom.name = crypto::new_guid();
  custom.role_name = "Purger";
  custom.permissions.push_back(Permission{{}, {}, {kPurgeSecret}, {}});
  ASSERT_TRUE(rbac_->put_role(custom).ok());

  RbacRegistry reloaded(*store_);
  ASSERT_TRUE(reloaded.load().ok());
  EXPECT_TRUE(reloaded.index()->allows(bob_, kGetSecret, "/vaults/app/secrets/x"));
  EXPECT_TRUE(reloaded.index()->allows(alice_, kSetSecret, "/vaults/other/secrets/x"));
  EXPECT_EQ(reloaded.list_assignments().size(), 2u);
  EXPECT_EQ(reloaded.get_group(group.object_id)->members, std::vector<std::string>{bob_});
  auto role = reloaded.get_role(custom.name);
  ASSERT_TRUE(role.ok());
  EXPECT_EQ(role->role_name, "Purger");
  EXPECT_EQ(role->permissions.at(0).data_actions, std::vector<std::string>{kPurgeSecret});
  EXPECT_EQ(role->assignable_scopes, std::vector<std::string>{"/"});
}

TEST_F(RbacRegistryTest, GroupMembershipGrantsAndRevokes) {
  auto group = rbac_->create_group("readers").value();
  auto a = assign(group.object_id, kKeyVaultSecretsUserRoleId, "/vaults/app");
  EXPECT_FALSE(allows(bob_, kGetSecret, "/vaults/app/secrets/x"));
  ASSERT_TRUE(rbac_->add_member(group.object_id, bob_).ok());
  ASSERT_TRUE(rbac_->add_member(group.object_id, bob_).ok());  // twice is fine
  EXPECT_EQ(rbac_->get_group(group.object_id)->members.size(), 1u);
  EXPECT_TRUE(allows(bob_, kGetSecret, "/vaults/app/secrets/x"));
  EXPECT_FALSE(allows(bob_, kGetSecret, "/vaults/other/secrets/x"));
  ASSERT_TRUE(rbac_->remove_member(group.object_id, bob_).ok());
  EXPECT_FALSE(allows(bob_, kGetSecret, "/vaults/app/secrets/x"));
  ASSERT_TRUE(rbac_->add_member(group.object_id, bob_).ok());
  ASSERT_TRUE(rbac_->delete_group(group.object_id).ok());
  EXPECT_FALSE(allows(bob_, kGetSecret, "/vaults/app/secrets/x"));
  EXPECT_EQ(rbac_->get_assignment(a.name).status().code(), Code::kNotFound);  // went with the group
  EXPECT_EQ(rbac_->add_member(group.object_id, bob_).status().reason(), "GroupNotFound");
  EXPECT_EQ(rbac_->add_member(rbac_->create_group("g2")->object_id, "not-a-guid").status().code(), Code::kBadParameter);
}

TEST_F(RbacRegistryTest, AssignmentValidationAndConflicts) {
  const std::string name = crypto::new_guid();
  RoleAssignment a{name, "/vaults/app", std::string(kKeyVaultSecretsUserRoleId), alice_};
  ASSERT_TRUE(rbac_->create_assignment(a).ok());
  EXPECT_TRUE(rbac_->create_assignment(a).ok());  // same PUT again: idempotent
  a.scope = "/vaults/other";
  EXPECT_EQ(rbac_->create_assignment(a).status().code(), Code::kConflict);
  RoleAssignment dup{crypto::new_guid(), "/vaults/APP", std::string(kKeyVaultSecretsUserRoleId), alice_};
  EXPECT_EQ(rbac_->create_assignment(dup).status().reason(), "RoleAssignmentExists");
  EXPECT_EQ(rbac_->create_assignment({"x", "/", std::string(kKeyVaultSecretsUserRoleId), alice_}).status().code(),
            Code::kBadParameter);
  EXPECT_EQ(rbac_->create_assignment({crypto::new_guid(), "/keys", std::string(kKeyVaultSecretsUserRoleId), alice_})
                .status()
                .code(),
            Code::kBadParameter);
  EXPECT_EQ(rbac_->create_assignment({crypto::new_guid(), "/", crypto::new_guid(), alice_}).status().reason(),
            "RoleDefinitionNotFound");
  EXPECT_EQ(rbac_->create_assignment({crypto::new_guid(), "/", std::string(kKeyVaultSecretsUserRoleId), "bob"})
                .status()
                .code(),
            Code::kBadParameter);
  EXPECT_EQ(rbac_->list_assignments().size(), 1u);
}

TEST_F(RbacRegistryTest, EnsureAssignmentIsIdempotent) {
  ASSERT_TRUE(grant_administrator(*rbac_, alice_).ok());
  ASSERT_TRUE(grant_administrator(*rbac_, alice_).ok());
  EXPECT_EQ(rbac_->list_assignments().size(), 2u);
  EXPECT_TRUE(allows(alice_, "Coffer/vaults/write", "/vaults/new"));
  EXPECT_TRUE(allows(alice_, kGetSecret, "/vaults/any/secrets/x"));
  EXPECT_TRUE(allows(alice_, "Microsoft.Authorization/roleAssignments/write", "/"));
}

TEST_F(RbacRegistryTest, CustomRoles) {
  RoleDefinition r;
  r.name = crypto::new_guid();
  r.role_name = "Secret Writer";
  r.permissions.push_back(Permission{{}, {}, {"Microsoft.KeyVault/vaults/secrets/*"}, {kGetSecret}});
  r.assignable_scopes = {"/vaults/App"};
  auto stored = rbac_->put_role(r);
  ASSERT_TRUE(stored.ok()) << stored.status().message();
  EXPECT_EQ(stored->assignable_scopes, std::vector<std::string>{"/vaults/app"});
  auto a = assign(alice_, r.name, "/vaults/app/secrets/s");
  EXPECT_TRUE(allows(alice_, kSetSecret, "/vaults/app/secrets/s"));
  EXPECT_FALSE(allows(alice_, kGetSecret, "/vaults/app/secrets/s"));
  // Not assignable outside its assignable scopes.
  EXPECT_EQ(rbac_->create_assignment({crypto::new_guid(), "/vaults/other", r.name, alice_}).status().code(),
            Code::kBadParameter);
  // Updating the role changes decisions at once.
  r.permissions[0].not_data_actions.clear();
  ASSERT_TRUE(rbac_->put_role(r).ok());
  EXPECT_TRUE(allows(alice_, kGetSecret, "/vaults/app/secrets/s"));
  // In use: cannot be deleted.
  EXPECT_EQ(rbac_->delete_role(r.name).status().reason(), "RoleDefinitionHasAssignments");
  ASSERT_TRUE(rbac_->delete_assignment(a.name).ok());
  ASSERT_TRUE(rbac_->delete_role(r.name).ok());
  EXPECT_EQ(rbac_->get_role(r.name).status().code(), Code::kNotFound);
  EXPECT_EQ(rbac_->find_role_by_name("key vault secrets user")->name, kKeyVaultSecretsUserRoleId);

  RoleDefinition bad = r;
  bad.name = std::string(kKeyVaultAdministratorRoleId);
  EXPECT_EQ(rbac_->put_role(bad).status().code(), Code::kBadParameter);
  bad.name = crypto::new_guid();
  bad.role_name = "Key Vault Reader";
  EXPECT_EQ(rbac_->put_role(bad).status().code(), Code::kConflict);
  bad.role_name = "Empty";
  bad.permissions = {Permission{}};
  EXPECT_EQ(rbac_->put_role(bad).status().code(), Code::kBadParameter);
  bad.permissions = {Permission{{}, {}, {"has space"}, {}}};
  EXPECT_EQ(rbac_->put_role(bad).status().code(), Code::kBadParameter);
  EXPECT_EQ(rbac_->delete_role(kKeyVaultAdministratorRoleId).status().code(), Code::kBadParameter);
}

TEST_F(RbacRegistryTest, AuthorizerDeniesWithAkvBody) {
  Authorizer authz("tenant", *rbac_);
  Principal p{"tenant", alice_, "app-id", "alice", ""};
  Status st = authz.authorize(p, kGetSecret, "/vaults/App/secrets/DB");
  EXPECT_EQ(st.code(), Code::kForbidden);
  EXPECT_EQ(st.reason(), "ForbiddenByRbac");
  EXPECT_NE(st.message().find("Caller: appid=app-id;oid=" + alice_ + "\r\n"), std::string::npos);
  EXPECT_NE(st.message().find("Action: '" + kGetSecret + "'\r\n"), std::string::npos);
  EXPECT_NE(st.message().find("Resource: '/vaults/app/secrets/db'\r\n"), std::string::npos);
  EXPECT_NE(st.message().find("Assignment: (not found)\r\n"), std::string::npos);
  EXPECT_NE(st.message().find("DecisionReason: 'DeniedWithNoValidRBAC' \r\n"), std::string::npos);
  assign(alice_, kKeyVaultSecretsUserRoleId, "/vaults/app/secrets/db");
  EXPECT_TRUE(authz.authorize(p, kGetSecret, "/vaults/App/secrets/DB").ok());
  // Another tenant's token never passes, whatever the assignments.
  EXPECT_FALSE(
      authz.authorize(Principal{"other", alice_, "app-id", "", ""}, kGetSecret, "/vaults/app/secrets/db").ok());
}

TEST_F(RbacRegistryTest, DataAccessAdministratorConditionLimitsAssignableRoles) {
  Authorizer authz("tenant", *rbac_);
  Principal p{"tenant", alice_, "app-id", "alice", ""};
  assign(alice_, kKeyVaultDataAccessAdministratorRoleId, "/vaults/app");
  const std::string write = "Microsoft.Authorization/roleAssignments/write";
  EXPECT_TRUE(authz.authorize(p, write, "/vaults/app").ok());
  EXPECT_TRUE(authz.authorize_assignment(p, write, "/vaults/app", kKeyVaultSecretsUserRoleId).ok());
  EXPECT_FALSE(authz.authorize_assignment(p, write, "/vaults/app", kCofferAdministratorRoleId).ok());
  EXPECT_FALSE(authz.authorize_assignment(p, write, "/vaults/app", "db79e9a7-68ee-4b58-9aeb-b90e7c24fcba").ok());
  EXPECT_FALSE(authz.authorize_assignment(p, write, "/vaults/other", kKeyVaultSecretsUserRoleId).ok());
  // Coffer Administrator has no condition.
  assign(bob_, kCofferAdministratorRoleId, "/");
  Principal b{"tenant", bob_, "b", "bob", ""};
  EXPECT_TRUE(authz.authorize_assignment(b, write, "/", kCofferAdministratorRoleId).ok());
}

TEST_F(RbacRegistryTest, DecisionsDuringWritesSeeWholeSnapshots) {
  // Readers never block on the store and always see a consistent index while
  // grants come and go; after the writer stops, the last state is what they see.
  std::atomic<bool> stop{false};
  std::atomic<long> decisions{0};
  std::vector<std::thread> readers;
  for (int i = 0; i < 4; ++i) {
    readers.emplace_back([&] {
      while (!stop) {
        auto index = rbac_->index();
        // Alice's grant comes and goes; bob never holds anything.
        EXPECT_FALSE(index->allows(bob_, kGetSecret, "/vaults/app/secrets/x"));
        (void)index->allows(alice_, kGetSecret, "/vaults/app/secrets/x");
        ++decisions;
      }
    });
  }
  for (int i = 0; i < 20; ++i) {
    auto a = assign(alice_, kKeyVaultSecretsUserRoleId, "/vaults/app");
    EXPECT_TRUE(allows(alice_, kGetSecret, "/vaults/app/secrets/x"));
    ASSERT_TRUE(rbac_->delete_assignment(a.name).ok());
    EXPECT_FALSE(allows(alice_, kGetSecret, "/vaults/app/secrets/x"));
  }
  stop = true;
  for (auto& t : readers) t.join();
  EXPECT_GT(decisions.load(), 0);
  EXPECT_EQ(rbac_->index()->assignment_count(), 0u);
}

}  // namespace
}  // namespace coffer::auth

namespace coffer::auth {
namespace {

AccessPolicy policy(const std::string& tenant, const std::string& object, std::vector<std::string> secrets,
                    std::vector<std::string> keys = {}) {
  AccessPolicy p;
  p.tenant_id = tenant;
  p.object_id = object;
  p.secrets = std::move(secrets);
  p.keys = std::move(keys);
  return p;
}

const std::string kTenant = "72f988bf-86f1-41af-91ab-2d7cd011db47";

TEST(AccessPolicy, PermissionsAreAkvsMatchedWithoutCase) {
  AccessPolicy p = policy(kTenant, "AAAAAAAA-0000-4000-8000-000000000001", {"Get", "LIST"}, {"wrapKey"});
  ASSERT_TRUE(normalise_access_policy(p).ok());
  EXPECT_EQ(p.object_id, "aaaaaaaa-0000-4000-8000-000000000001");
  EXPECT_EQ(p.secrets, (std::vector<std::string>{"Get", "LIST"})) << "names are kept as given";
  EXPECT_TRUE(policy_grants(p, "secrets/get"));
  EXPECT_TRUE(policy_grants(p, "secrets/list"));
  EXPECT_FALSE(policy_grants(p, "secrets/set"));
  EXPECT_TRUE(policy_grants(p, "keys/wrapKey"));
  EXPECT_FALSE(policy_grants(p, "keys/unwrapKey"));
  EXPECT_FALSE(policy_grants(p, "certificates/get"));
  EXPECT_FALSE(policy_grants(p, "get")) << "a permission names its kind";
  AccessPolicy all = policy(kTenant, crypto::new_guid(), {"all"});
  EXPECT_TRUE(policy_grants(all, "secrets/purge"));
  EXPECT_FALSE(policy_grants(all, "keys/get")) << "'all' covers its own kind only";
}

TEST(AccessPolicy, MalformedPoliciesAreRefusedNamingTheFault) {
  auto refused = [](AccessPolicy p) {
    Status st = normalise_access_policy(p);
    EXPECT_EQ(st.code(), Code::kBadParameter);
    return st.message();
  };
  EXPECT_NE(refused(policy("tenant", crypto::new_guid(), {"get"})).find("tenantId"), std::string::npos);
  EXPECT_NE(refused(policy(kTenant, "me", {"get"})).find("objectId"), std::string::npos);
  EXPECT_NE(refused(policy(kTenant, crypto::new_guid(), {"fly"})).find("'fly' is not a secret permission"),
            std::string::npos);
  EXPECT_NE(refused(policy(kTenant, crypto::new_guid(), {}, {"set"})).find("not a key permission"), std::string::npos);
  AccessPolicy compound = policy(kTenant, crypto::new_guid(), {"get"});
  compound.application_id = "app";
  EXPECT_NE(refused(compound).find("applicationId"), std::string::npos);
}

TEST(AccessPolicy, RecordsRoundTrip) {
  AccessPolicy a = policy(kTenant, crypto::new_guid(), {"get", "list"}, {"sign"});
  a.certificates = {"managecontacts"};
  a.storage = {"getsas"};
  AccessPolicy b = policy(kTenant, crypto::new_guid(), {});
  b.application_id = crypto::new_guid();
  auto back = decode_access_policies(encode_access_policies({a, b}));
  ASSERT_TRUE(back.has_value());
  ASSERT_EQ(back->size(), 2u);
  EXPECT_EQ((*back)[0].object_id, a.object_id);
  EXPECT_EQ((*back)[0].secrets, a.secrets);
  EXPECT_EQ((*back)[0].keys, a.keys);
  EXPECT_EQ((*back)[0].certificates, a.certificates);
  EXPECT_EQ((*back)[0].storage, a.storage);
  EXPECT_EQ((*back)[1].application_id, b.application_id);
  EXPECT_FALSE(decode_access_policies("\x01garbage").has_value());
}

TEST(AccessPolicy, EditsMergeReplaceAndRemoveByPrincipal) {
  const std::string alice = crypto::new_guid(), bob = crypto::new_guid();
  std::vector<AccessPolicy> current{policy(kTenant, alice, {"get"}, {"sign"})};
  ASSERT_EQ(policy_edit_named("add"), PolicyEdit::kAdd);
  EXPECT_FALSE(policy_edit_named("merge").has_value());
  auto added = edit_access_policies(current, {policy(kTenant, alice, {"GET", "list"}), policy(kTenant, bob, {"set"})},
                                    PolicyEdit::kAdd);
  ASSERT_TRUE(added.ok()) << added.status().message();
  ASSERT_EQ(added->size(), 2u);
  EXPECT_EQ((*added)[0].secrets, (std::vector<std::string>{"get", "list"})) << "merged without case";
  EXPECT_EQ((*added)[0].keys, (std::vector<std::string>{"sign"})) << "kinds the change leaves out stay";
  EXPECT_EQ((*added)[1].object_id, bob);
  auto replaced = edit_access_policies(*added, {policy(kTenant, alice, {"purge"})}, PolicyEdit::kReplace);
  ASSERT_TRUE(replaced.ok());
  EXPECT_EQ((*replaced)[0].secrets, (std::vector<std::string>{"purge"}));
  EXPECT_TRUE((*replaced)[0].keys.empty()) << "replace sets every kind";
  auto removed =
      edit_access_policies(*replaced, {policy(kTenant, alice, {"PURGE"}), policy(kTenant, crypto::new_guid(), {"get"})},
                           PolicyEdit::kRemove);
  ASSERT_TRUE(removed.ok());
  ASSERT_EQ(removed->size(), 1u) << "a policy left with nothing goes; removing from nobody changes nothing";
  EXPECT_EQ((*removed)[0].object_id, bob);
  EXPECT_EQ(edit_access_policies(*removed, {policy(kTenant, bob, {"fly"})}, PolicyEdit::kAdd).status().code(),
            Code::kBadParameter);
}

// Every data-plane operation of a vault takes one access-policy permission,
// and every one of those is a permission AKV knows; only /rng has none.
TEST(AccessPolicy, EveryVaultOperationTakesAKnownPermission) {
  int mapped = 0;
  for (const auto& op : operation_actions()) {
    if (!is_data_action(op.action) || op.action.starts_with("Coffer/")) continue;
    if (op.operation == "GetRandomBytes") {
      EXPECT_TRUE(op.access_policy_permission.empty());
      continue;
    }
    ASSERT_FALSE(op.access_policy_permission.empty()) << op.operation;
    const std::string perm(op.access_policy_permission);
    const std::string kind = perm.substr(0, perm.find('/'));
    AccessPolicy p = policy(kTenant, crypto::new_guid(), {});
    std::vector<std::string> one{perm.substr(perm.find('/') + 1)};
    if (kind == "secrets")
      p.secrets = one;
    else if (kind == "keys")
      p.keys = one;
    else if (kind == "certificates")
      p.certificates = one;
    else
      ADD_FAILURE() << op.operation << ": " << perm;
    EXPECT_TRUE(normalise_access_policy(p).ok()) << op.operation << ": " << perm;
    EXPECT_TRUE(policy_grants(p, perm)) << op.operation;
    // The kind agrees with the action's collection.
    EXPECT_NE(op.action.find(kind == "certificates" ? "/certificate"
                             : kind == "keys"       ? "/key"
                                                    : "/secrets/"),
              std::string_view::npos)
        << op.operation;
    ++mapped;
  }
  EXPECT_GT(mapped, 60);
  EXPECT_EQ(access_policy_permission_of("SecretGet"), "secrets/get");
  EXPECT_EQ(access_policy_permission_of("SecretGetDeleted"), "secrets/list");  // AKV: "requires secrets/list"
  EXPECT_EQ(access_policy_permission_of("KeyWrap"), "keys/wrapKey");
  EXPECT_EQ(access_policy_permission_of("VaultList"), "");
}

TEST_F(RbacRegistryTest, AccessPoliciesAreStoredIndexedAndSharedAcrossServers) {
  const std::string vault = crypto::new_guid();
  auto set = rbac_->set_access_policies(vault, {policy(kTenant, alice_, {"get"})});
  ASSERT_TRUE(set.ok()) << set.status().message();
  EXPECT_TRUE(rbac_->index()->policy_allows(vault, alice_, "secrets/get"));
  EXPECT_FALSE(rbac_->index()->policy_allows(vault, alice_, "secrets/set"));
  EXPECT_FALSE(rbac_->index()->policy_allows(vault, bob_, "secrets/get"));
  EXPECT_FALSE(rbac_->index()->policy_allows(crypto::new_guid(), alice_, "secrets/get")) << "other vaults: nothing";
  // A policy for a group holds for its members; a compound one (application on behalf of a user) for no token.
  auto group = rbac_->create_group("readers").value();
  ASSERT_TRUE(rbac_->add_member(group.object_id, bob_).ok());
  AccessPolicy compound = policy(kTenant, alice_, {"set"});
  compound.application_id = crypto::new_guid();
  ASSERT_TRUE(rbac_->set_access_policies(vault, {policy(kTenant, group.object_id, {"list"}), compound}).ok());
  EXPECT_TRUE(rbac_->index()->policy_allows(vault, bob_, "secrets/list"));
  EXPECT_FALSE(rbac_->index()->policy_allows(vault, alice_, "secrets/get")) << "replaced, not merged";
  EXPECT_FALSE(rbac_->index()->policy_allows(vault, alice_, "secrets/set"));
  // Another server sees them at its next check, and after a reload.
  RbacRegistry other(*store_);
  ASSERT_TRUE(other.load().ok());
  EXPECT_EQ(other.access_policies(vault)->size(), 2u);
  ASSERT_TRUE(other.set_access_policies(vault, {}).ok());
  auto fresh = rbac_->fresh_index();
  ASSERT_TRUE(fresh.ok());
  EXPECT_FALSE((*fresh)->policy_allows(vault, bob_, "secrets/list")) << "removed on one server, gone on the other";
  EXPECT_TRUE(rbac_->access_policies(vault)->empty());
  // Bad input changes nothing.
  EXPECT_EQ(rbac_->set_access_policies("not-a-guid", {}).status().code(), Code::kBadParameter);
  EXPECT_EQ(rbac_->set_access_policies(vault, {policy(kTenant, alice_, {"fly"})}).status().code(), Code::kBadParameter);
  EXPECT_TRUE(rbac_->access_policies(vault)->empty());
}

TEST_F(RbacRegistryTest, AResourceGroupAssignmentCoversTheVaultsInTheGroup) {
  EXPECT_EQ(*normalize_scope("/resourceGroups/My(Group).1"), "/resourcegroups/my(group).1");
  EXPECT_FALSE(normalize_scope("/resourceGroups/a/b").ok());
  EXPECT_FALSE(normalize_scope("/resourceGroups/ends.").ok());
  assign(alice_, kKeyVaultSecretsUserRoleId, "/resourceGroups/Team");
  int lookups = 0;
  Authorizer authorizer(kTenant, *rbac_, [&](std::string_view vault) {
    ++lookups;
    return vault == "app" ? std::string("team") : vault == "elsewhere" ? std::string("other") : std::string();
  });
  const Principal alice{kTenant, alice_, "app-a", "alice", ""};
  EXPECT_TRUE(authorizer.authorize(alice, kGetSecret, "/vaults/app/secrets/db").ok());
  EXPECT_FALSE(authorizer.authorize(alice, kGetSecret, "/vaults/elsewhere/secrets/db").ok());
  EXPECT_FALSE(authorizer.authorize(alice, kGetSecret, "/vaults/gone/secrets/db").ok());
  EXPECT_FALSE(authorizer.authorize(alice, kSetSecret, "/vaults/app/secrets/db").ok()) << "the role still decides";
  EXPECT_EQ(lookups, 4);
  assign(alice_, kKeyVaultSecretsUserRoleId, "/");
  EXPECT_TRUE(authorizer.authorize(alice, kGetSecret, "/vaults/elsewhere/secrets/db").ok());
  EXPECT_EQ(lookups, 4) << "no lookup when the scope itself is covered";
  Authorizer without_groups(kTenant, *rbac_);
  ASSERT_TRUE(rbac_->delete_assignments_within("/").ok());
  assign(alice_, kKeyVaultSecretsUserRoleId, "/resourceGroups/Team");
  EXPECT_FALSE(without_groups.authorize(alice, kGetSecret, "/vaults/app/secrets/db").ok());
}

TEST_F(RbacRegistryTest, AuthorizerAppliesAccessPoliciesWithAkvsRefusal) {
  const std::string vault = crypto::new_guid();
  ASSERT_TRUE(rbac_->set_access_policies(vault, {policy(kTenant, alice_, {"get"})}).ok());
  Authorizer authorizer(kTenant, *rbac_);
  const Principal alice{kTenant, alice_, "app-a", "alice", ""};
  EXPECT_TRUE(authorizer.authorize_by_access_policy(alice, "SecretGet", vault, "kv;location=eastus").ok());
  Status denied = authorizer.authorize_by_access_policy(alice, "SecretSet", vault, "kv;location=eastus");
  EXPECT_EQ(denied.code(), Code::kForbidden);
  EXPECT_EQ(denied.reason(), "AccessDenied");
  EXPECT_EQ(denied.message(),
            "The user, group or application 'appid=app-a;oid=" + alice_ +
                "' does not have secrets set permission on key vault 'kv;location=eastus'. For help resolving this "
                "issue, please see https://go.microsoft.com/fwlink/?linkid=2125287");
  const Principal stranger{"11111111-2222-4333-8444-555555555555", alice_, "app-a", "alice", ""};
  EXPECT_EQ(authorizer.authorize_by_access_policy(stranger, "SecretGet", vault, "kv").code(), Code::kForbidden)
      << "another tenant's token never matches";
  EXPECT_EQ(authorizer.authorize_by_access_policy(alice, "GetRandomBytes", vault, "kv").code(), Code::kForbidden);
}

}  // namespace
}  // namespace coffer::auth
