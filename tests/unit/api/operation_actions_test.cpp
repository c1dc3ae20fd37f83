// The routes and auth/operation_actions.hpp agree: every operation a route
// produces carries exactly the action (and the kind of scope) the table
// gives for its name, so the RBAC table test covers what the server checks.
#include <gtest/gtest.h>

#include <filesystem>
#include <set>

#include "api/admin_routes.hpp"
#include "api/change_feed_routes.hpp"
#include "api/group_routes.hpp"
#include "api/key_routes.hpp"
#include "api/rbac_routes.hpp"
#include "api/secret_routes.hpp"
#include "auth/operation_actions.hpp"
#include "crypto/random.hpp"

namespace coffer::api {
namespace {

namespace fs = std::filesystem;

class OperationActionsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("coffer-opact-test-" + crypto::new_version_id());
    fs::create_directories(dir_);
    store_ = std::move(store::open_sqlite_store({(dir_ / "db").string()}).value());
    keyring_ = std::make_unique<crypto::Keyring>(crypto::random_bytes(32));
    vaults_ = std::make_unique<vault::VaultRegistry>(*store_, *keyring_, clock_);
    secrets_ = std::make_unique<vault::SecretService>(*store_, *keyring_, clock_);
    secret_rotation_ = std::make_unique<vault::SecretRotation>(*store_, *secrets_, *keyring_, clock_);
    keys_ = std::make_unique<vault::KeyService>(*store_, *keyring_, clock_);
    maintenance_ = std::make_unique<vault::MaintenanceScheduler>(*secrets_, clock_, std::chrono::seconds(3600));
    principals_ = std::make_unique<auth::ServicePrincipalRegistry>(*store_, clock_, "tenant");
    rbac_ = std::make_unique<auth::RbacRegistry>(*store_);
    authorizer_ = std::make_unique<auth::Authorizer>("tenant", *rbac_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  void check(const std::optional<Operation>& op, const std::string& what, const std::string& expected_scope) {
    ASSERT_TRUE(op) << what << " did not route";
    EXPECT_FALSE(op->action.empty()) << what;
    EXPECT_EQ(op->action, auth::action_of(op->name)) << what << " → " << op->name;
    EXPECT_EQ(op->scope, expected_scope) << what;
    seen_.insert(op->name);
    for (const auto& e : auth::operation_actions()) {
      if (e.operation != op->name) continue;
      switch (e.scope) {
        case auth::ScopeKind::kRoot: EXPECT_EQ(op->scope, "/") << what; break;
        case auth::ScopeKind::kVault: EXPECT_EQ(op->scope, "/vaults/app") << what; break;
        case auth::ScopeKind::kObject:
          EXPECT_TRUE(op->scope.find("/secrets/") != std::string::npos || op->scope.find("/keys/") != std::string::npos)
              << what;
          break;
        case auth::ScopeKind::kRequest: break;
      }
    }
  }

  fs::path dir_;
  ManualClock clock_{1'700'000'000};
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<crypto::Keyring> keyring_;
  std::unique_ptr<vault::VaultRegistry> vaults_;
  std::unique_ptr<vault::SecretService> secrets_;
  std::unique_ptr<vault::SecretRotation> secret_rotation_;
  std::unique_ptr<vault::KeyService> keys_;
  std::unique_ptr<vault::MaintenanceScheduler> maintenance_;
  std::unique_ptr<auth::ServicePrincipalRegistry> principals_;
  std::unique_ptr<auth::RbacRegistry> rbac_;
  std::unique_ptr<auth::Authorizer> authorizer_;
  std::set<std::string> seen_;
};

TEST_F(OperationActionsTest, RoutesUseTheTable) {
  vault::VaultInfo v;
  v.name = "app";
  const std::pair<const char*, const char*> secret_requests[] = {{"GET", "/secrets"},
                                                                 {"POST", "/secrets/restore"},
                                                                 {"PUT", "/secrets/s"},
                                                                 {"DELETE", "/secrets/s"},
                                                                 {"GET", "/secrets/s/versions"},
                                                                 {"POST", "/secrets/s/backup"},
                                                                 {"GET", "/secrets/s/"},
                                                                 {"GET", "/secrets/s/0123"},
                                                                 {"PATCH", "/secrets/s/0123"},
                                                                 {"GET", "/secrets/s/rotationpolicy"},
                                                                 {"PUT", "/secrets/s/rotationpolicy"},
                                                                 {"POST", "/secrets/s/rotate"},
                                                                 {"GET", "/secrets/s/rotation"},
                                                                 {"GET", "/deletedsecrets"},
                                                                 {"GET", "/deletedsecrets/s"},
                                                                 {"DELETE", "/deletedsecrets/s"},
                                                                 {"POST", "/deletedsecrets/s/recover"}};
  for (const auto& [method, path] : secret_requests) {
    http::Request req;
    req.method = method;
    req.target = std::string(path) + "?api-version=7.4";
    auto target = parse_target(req.target).value();
    VaultRequest vreq{req, target, v, "https://app.vault.localhost", {}};
    const std::string p(path);
    const bool object = p.find("/s/") != std::string::npos || p.ends_with("/s");
    check(route_secret_operation(vreq, *secrets_, secret_rotation_.get()), std::string(method) + " " + path,
          object ? "/vaults/app/secrets/s" : "/vaults/app");
  }

  const std::pair<const char*, const char*> key_requests[] = {{"GET", "/keys"},
                                                              {"POST", "/keys/restore"},
                                                              {"PUT", "/keys/k"},
                                                              {"DELETE", "/keys/k"},
                                                              {"POST", "/keys/k/create"},
                                                              {"POST", "/keys/k/rotate"},
                                                              {"POST", "/keys/k/backup"},
                                                              {"GET", "/keys/k/versions"},
                                                              {"GET", "/keys/k/rotationpolicy"},
                                                              {"PUT", "/keys/k/rotationpolicy"},
                                                              {"GET", "/keys/k/"},
                                                              {"GET", "/keys/k/0123"},
                                                              {"PATCH", "/keys/k/0123"},
                                                              {"POST", "/keys/k/0123/encrypt"},
                                                              {"POST", "/keys/k/0123/decrypt"},
                                                              {"POST", "/keys/k/0123/wrapkey"},
                                                              {"POST", "/keys/k/0123/unwrapkey"},
                                                              {"POST", "/keys/k/0123/sign"},
                                                              {"POST", "/keys/k/0123/verify"},
                                                              {"POST", "/keys/k/0123/release"},
                                                              {"GET", "/deletedkeys"},
                                                              {"GET", "/deletedkeys/k"},
                                                              {"DELETE", "/deletedkeys/k"},
                                                              {"POST", "/deletedkeys/k/recover"},
                                                              {"POST", "/keys/k//sign"},
                                                              {"POST", "/rng"},
                                                              {"GET", "/keys/k/attestation"},
                                                              {"GET", "/keys/k/0123/attestation"}};
  for (const auto& [method, path] : key_requests) {
    http::Request req;
    req.method = method;
    req.target = std::string(path) + "?api-version=7.4";
    auto target = parse_target(req.target).value();
    VaultRequest vreq{req, target, v, "https://app.vault.localhost", {}};
    const std::string p(path);
    const bool object = p.find("/k/") != std::string::npos || p.ends_with("/k");
    check(route_key_operation(vreq, *keys_), std::string(method) + " " + path,
          object ? "/vaults/app/keys/k" : "/vaults/app");
  }

  vault::ChangeFeed feed(*store_);
  ConcurrencyGate waiters(1, 0);
  for (const char* type : {"secret", "key", "certificate"}) {
    http::Request req;
    req.method = "GET";
    req.target = std::string("/coffer/changes?api-version=7.4&objectType=") + type;
    auto target = parse_target(req.target).value();
    VaultRequest vreq{req, target, v, "https://app.vault.localhost", {}};
    check(route_change_feed_operation(vreq, feed, waiters), req.target, "/vaults/app");
  }

  vault::VaultRemoval removal(*vaults_, *secrets_, nullptr, nullptr, nullptr);
  int seal_requests = 0;
  SealAdmin seal_admin{
      [&seal_requests] { ++seal_requests; },
      [&seal_requests]() -> Result<RootRotation> {
        ++seal_requests;
        return RootRotation{};
      },
      [&seal_requests](int, int) -> Result<RecoveryShares> {
        ++seal_requests;
        return RecoveryShares{};
      },
      [&seal_requests](const ShareCounts&) -> Result<RekeyProgress> {
        ++seal_requests;
        return RekeyProgress{};
      },
      [&seal_requests] {
        ++seal_requests;
        return RekeyProgress{};
      },
      [&seal_requests](const std::string&, const std::optional<ShareCounts>&) -> Result<SealMigration> {
        ++seal_requests;
        return SealMigration{};
      }};
  AdminContext admin{*vaults_,     removal, *maintenance_,
                     *principals_, &clock_, [](const std::string& n) { return "https://" + n; },
                     seal_admin};
  GroupContext groups{*rbac_, *principals_};
  const std::tuple<const char*, std::vector<std::string>, const char*> admin_requests[] = {
      {"GET", {"vaults"}, "/"},
      {"PUT", {"vaults", "app"}, "/vaults/app"},
      {"GET", {"vaults", "app"}, "/vaults/app"},
      {"DELETE", {"vaults", "app"}, "/vaults/app"},
      {"GET", {"service-principals"}, "/"},
      {"POST", {"service-principals"}, "/"},
      {"GET", {"service-principals", "id"}, "/"},
      {"DELETE", {"service-principals", "id"}, "/"},
      {"POST", {"service-principals", "id", "reset-credential"}, "/"},
      {"POST", {"clock", "advance"}, "/"},
      {"POST", {"seal"}, "/"},
      {"POST", {"rotate-root"}, "/"},
      {"POST", {"recovery-keys"}, "/"},
      {"POST", {"rekey"}, "/"},
      {"DELETE", {"rekey"}, "/"},
      {"POST", {"seal", "migrate"}, "/"},
      {"GET", {"groups"}, "/"},
      {"POST", {"groups"}, "/"},
      {"GET", {"groups", "g"}, "/"},
      {"DELETE", {"groups", "g"}, "/"},
      {"PUT", {"groups", "g", "members", "m"}, "/"},
      {"DELETE", {"groups", "g", "members", "m"}, "/"}};
  for (const auto& [method, segments, scope] : admin_requests) {
    http::Request req;
    req.method = method;
    auto op = route_admin(req, segments, admin);
    if (!op) op = route_groups(req, segments, groups);
    check(op, std::string(method) + " admin/" + segments[0], scope);
  }
  EXPECT_EQ(seal_requests, 0) << "routing does not run the operation";

  auth::Principal caller{"tenant", "oid", "appid", "", ""};
  const std::tuple<const char*, const char*, const char*, const char*> rbac_requests[] = {
      {"GET", "//providers/Microsoft.Authorization/roleDefinitions", "", "/"},
      {"GET", "/vaults/App/providers/Microsoft.Authorization/roleDefinitions/x", "", "/vaults/app"},
      {"PUT", "//providers/Microsoft.Authorization/roleDefinitions/x", "", "/"},
      {"DELETE", "//providers/Microsoft.Authorization/roleDefinitions/x", "", "/"},
      {"GET", "///providers/Microsoft.Authorization/roleAssignments", "/vaults/app", "/vaults/app"},
      {"GET", "/secrets/s/providers/Microsoft.Authorization/roleAssignments/x", "/vaults/app", "/vaults/app/secrets/s"},
      {"PUT", "/vaults/app/secrets/s/providers/Microsoft.Authorization/roleAssignments/x", "", "/vaults/app/secrets/s"},
      {"DELETE", "//providers/Microsoft.Authorization/roleAssignments/x", "", "/"}};
  for (const auto& [method, path, prefix, scope] : rbac_requests) {
    http::Request req;
    req.method = method;
    req.target = std::string(path) + "?api-version=7.4";
    auto target = parse_target(req.target).value();
    ASSERT_TRUE(is_rbac_path(target)) << path;
    const ScopeForm form = coffer_scope_form(prefix);
    RbacContext rctx{*rbac_, *authorizer_, caller, form};
    check(route_rbac(req, target, rctx), std::string(method) + " " + path, scope);
  }

  // Every secret, key, vault, group and role operation of the table has a route.
  for (const auto& e : auth::operation_actions()) {
    const std::string name(e.operation);
    for (const char* prefix : {"Secret", "Key", "GetRandomBytes", "Vault", "Group", "Role"}) {
      if (name.rfind(prefix, 0) == 0) {
        EXPECT_TRUE(seen_.count(name)) << name << " has no route in this test";
      }
    }
  }
}

}  // namespace
}  // namespace coffer::api
