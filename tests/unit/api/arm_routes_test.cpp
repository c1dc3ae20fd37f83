// The ARM routes served before any resource exists: the cloud metadata, the
// tenant's one subscription, ARM's errors for what is refused, and how ARM
// writes role-management scopes.
#include "api/arm_routes.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <cctype>

#include "common/ascii.hpp"

namespace coffer::api {
namespace {

namespace json = boost::json;

const ArmContext kCtx{
    "https://localhost:8443", "72f988bf-86f1-41af-91ab-2d7cd011db47", nullptr, nullptr, nullptr, nullptr, nullptr};

http::Response answer(const std::string& method, const std::string& target) {
  http::Request req;
  req.method = method;
  req.target = target;
  auto parsed = parse_target(target);
  EXPECT_TRUE(parsed.ok());
  return route_arm(req, *parsed, kCtx).run();
}

json::object body_of(const http::Response& r) { return json::parse(r.body).as_object(); }

std::string error_code(const http::Response& r) { return std::string(body_of(r).at("error").at("code").as_string()); }

TEST(ArmRoutes, SubscriptionIdIsAStableVersion8Guid) {
  const std::string id = subscription_id_of(kCtx.tenant_id);
  EXPECT_EQ(id, subscription_id_of(kCtx.tenant_id));
  EXPECT_NE(id, subscription_id_of("00000000-0000-0000-0000-000000000001"));
  ASSERT_EQ(id.size(), 36u);
  for (std::size_t i : {8u, 13u, 18u, 23u}) EXPECT_EQ(id[i], '-') << id;
  EXPECT_EQ(id[14], '8') << id;                                    // version 8
  EXPECT_NE(std::string("89ab").find(id[19]), std::string::npos);  // RFC 9562 variant
  EXPECT_EQ(id, lower_ascii(id));
}

TEST(ArmRoutes, ListsAndGetsTheTenantsSubscription) {
  const std::string id = subscription_id_of(kCtx.tenant_id);
  auto list = answer("GET", "/subscriptions?api-version=2019-11-01");
  ASSERT_EQ(list.status, 200);
  const json::object listed = body_of(list);
  const auto& value = listed.at("value").as_array();
  ASSERT_EQ(value.size(), 1u);
  EXPECT_EQ(value[0].at("id").as_string(), "/subscriptions/" + id);
  EXPECT_EQ(value[0].at("subscriptionId").as_string(), id);
  EXPECT_EQ(value[0].at("tenantId").as_string(), kCtx.tenant_id);
  EXPECT_EQ(value[0].at("state").as_string(), "Enabled");

  auto one = answer("GET", "/subscriptions/" + id + "?api-version=2022-12-01");
  ASSERT_EQ(one.status, 200);
  EXPECT_EQ(body_of(one).at("subscriptionId").as_string(), id);
  // Resource names are matched without regard to case, as ARM does.
  std::string upper = id;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  EXPECT_EQ(answer("GET", "/subscriptions/" + upper + "?api-version=2022-12-01").status, 200);
}

TEST(ArmRoutes, CloudMetadataNamesTheLoginEndpointAndAudience) {
  auto r = answer("GET", "/metadata/endpoints?api-version=2015-01-01");
  ASSERT_EQ(r.status, 200);
  auto b = body_of(r);
  EXPECT_EQ(b.at("authentication").at("loginEndpoint").as_string(), "https://localhost:8443/adfs");
  EXPECT_EQ(b.at("authentication").at("audiences").as_array().at(0).as_string(), "https://localhost:8443/");
  EXPECT_EQ(b.at("graphEndpoint").as_string(), "https://localhost:8443/");
}

TEST(ArmRoutes, RefusalsHaveArmErrorShapes) {
  auto missing = answer("GET", "/subscriptions");
  EXPECT_EQ(missing.status, 400);
  EXPECT_EQ(error_code(missing), "MissingApiVersionParameter");
  for (const char* bad : {"7.4", "2022-7-01", "2022-07-01x", "latest", "20220701"}) {
    auto r = answer("GET", std::string("/subscriptions?api-version=") + bad);
    EXPECT_EQ(r.status, 400) << bad;
    EXPECT_EQ(error_code(r), "InvalidApiVersionParameter") << bad;
  }
  EXPECT_EQ(answer("GET", "/subscriptions?api-version=2021-04-01-preview").status, 200);

  auto other = answer("GET", "/subscriptions/00000000-0000-0000-0000-000000000000?api-version=2022-12-01");
  EXPECT_EQ(other.status, 404);
  EXPECT_EQ(error_code(other), "SubscriptionNotFound");

  const std::string id = subscription_id_of(kCtx.tenant_id);
  auto unknown = answer("GET", "/subscriptions/" + id + "/providers/Microsoft.Nothing/things?api-version=2022-12-01");
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(error_code(unknown), "InvalidResourceType");

  auto post = answer("POST", "/subscriptions?api-version=2019-11-01");
  EXPECT_EQ(post.status, 405);
  EXPECT_EQ(error_code(post), "MethodNotAllowed");
}

TEST(ArmRoutes, OnlyArmPathsAreClaimedAndOnlyTheMetadataIsPublic) {
  auto t = [](const char* target) { return parse_target(target).value(); };
  EXPECT_TRUE(is_arm_path(t("/subscriptions")));
  EXPECT_TRUE(is_arm_path(t("/Subscriptions/x/resourcegroups")));
  EXPECT_TRUE(is_arm_path(t("/metadata/endpoints")));
  EXPECT_FALSE(is_arm_path(t("/secrets/x")));
  EXPECT_FALSE(is_arm_path(t("/coffer/admin/vaults")));
  EXPECT_TRUE(is_public_arm_path(t("/metadata/endpoints")));
  EXPECT_FALSE(is_public_arm_path(t("/subscriptions")));
}

TEST(ArmRoutes, RoleManagementScopesMapBothWays) {
  const ScopeForm form = arm_scope_form(kCtx);
  const std::string sub = "/subscriptions/" + subscription_id_of(kCtx.tenant_id);
  const std::pair<std::string, std::string> both_ways[] = {
      {sub, "/"},
      {sub + "/resourceGroups/my-group", "/resourcegroups/my-group"},
      // With no vault registry, a vault shows in the built-in group.
      {sub + "/resourceGroups/coffer/providers/Microsoft.KeyVault/vaults/app", "/vaults/app"},
      {sub + "/resourceGroups/coffer/providers/Microsoft.KeyVault/vaults/app/secrets/db", "/vaults/app/secrets/db"},
  };
  for (const auto& [arm, coffer] : both_ways) {
    auto parsed = form.parse(arm);
    ASSERT_TRUE(parsed.ok()) << arm << ": " << parsed.status().message();
    EXPECT_EQ(*parsed, coffer);
    EXPECT_EQ(form.show(coffer), arm);
  }
  EXPECT_EQ(*form.parse(sub + "/RESOURCEGROUPS/G/providers/microsoft.keyvault/VAULTS/App/Keys/K"),
            "/vaults/app/keys/k");
  EXPECT_EQ(form.definitions_prefix, sub);
  EXPECT_EQ(form.parse("/subscriptions/00000000-0000-0000-0000-000000000000").status().reason(),
            "SubscriptionNotFound");
  EXPECT_EQ(form.parse("/").status().reason(), "SubscriptionNotFound");
  for (const std::string& other : {sub + "/resourceGroups/g/providers/Microsoft.Web/sites/x",
                                   sub + "/resourceGroups/g/providers/Microsoft.KeyVault/vaults/v/storage/s",
                                   sub + "/providers/Microsoft.KeyVault"}) {
    EXPECT_EQ(form.parse(other).status().code(), Code::kBadParameter) << other;
  }
  EXPECT_EQ(form.parse(sub + "/resourceGroups/bad%20name").status().code(), Code::kBadParameter);
}

}  // namespace
}  // namespace coffer::api
