// The Graph reads az makes, on a real store: /me for a service principal,
// the $filter forms (with OData quoting), groups, directoryObjects/getByIds,
// and refusals for anything else — malformed filters and bodies get Graph's
// 400, never a crash.
#include "api/graph_routes.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <filesystem>
#include <set>

#include "common/clock.hpp"
#include "crypto/random.hpp"
#include "store/store.hpp"

namespace coffer::api {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;

class GraphRoutesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("coffer-graph-test-" + crypto::new_version_id());
    fs::create_directories(dir_);
    store_ = std::move(store::open_sqlite_store({(dir_ / "db").string()}).value());
    principals_ = std::make_unique<auth::ServicePrincipalRegistry>(*store_, clock_, "tenant-1");
    alice_ = principals_->create("alice").value().principal;
    quoted_ = principals_->create("o'brien").value().principal;
    rbac_ = std::make_unique<auth::RbacRegistry>(*store_);
    ASSERT_TRUE(rbac_->load().ok());
    readers_ = rbac_->create_group("readers").value();
  }
  void TearDown() override {
    rbac_.reset();
    principals_.reset();
    store_.reset();
    fs::remove_all(dir_);
  }
  http::Response get(const std::string& target) {
    http::Request req;
    req.method = "GET";
    req.target = target;
    auto parsed = parse_target(target);
    EXPECT_TRUE(parsed.ok()) << target;
    return route_graph(req, *parsed, GraphContext{"https://localhost:8443", principals_.get(), rbac_.get()}).run();
  }
  http::Response post(const std::string& target, const std::string& body) {
    http::Request req;
    req.method = "POST";
    req.target = target;
    req.body = body;
    auto parsed = parse_target(target);
    EXPECT_TRUE(parsed.ok()) << target;
    return route_graph(req, *parsed, GraphContext{"https://localhost:8443", principals_.get(), rbac_.get()}).run();
  }
  std::vector<std::string> app_ids(const std::string& filter) {
    auto r = get("/v1.0/servicePrincipals?$filter=" + filter);
    EXPECT_EQ(r.status, 200) << filter << " " << r.body;
    std::vector<std::string> out;
    if (r.status != 200) return out;
    const json::value body = json::parse(r.body);
    for (const auto& v : body.at("value").as_array()) out.emplace_back(v.at("appId").as_string());
    return out;
  }
  std::string error_code(const http::Response& r) {
    return std::string(json::parse(r.body).at("error").at("code").as_string());
  }

  fs::path dir_;
  ManualClock clock_{1'700'000'000};
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<auth::ServicePrincipalRegistry> principals_;
  std::unique_ptr<auth::RbacRegistry> rbac_;
  auth::Group readers_;
  auth::Principal alice_, quoted_;
};

TEST_F(GraphRoutesTest, MeIsABadRequestForAServicePrincipal) {
  auto r = get("/v1.0/me");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(error_code(r), "BadRequest");
}

TEST_F(GraphRoutesTest, FilterFormsAzSends) {
  const std::vector<std::string> alice{alice_.app_id};
  EXPECT_EQ(app_ids("servicePrincipalNames/any(c:c%20eq%20'" + alice_.app_id + "')"), alice);
  EXPECT_EQ(app_ids("servicePrincipalNames/any(x:x%20eq%20'" + alice_.app_id + "')"), alice);
  EXPECT_EQ(app_ids("appId%20eq%20'" + alice_.app_id + "'"), alice);
  EXPECT_EQ(app_ids("displayName%20eq%20'alice'"), alice);
  EXPECT_EQ(app_ids("displayName%20eq%20'o''brien'"), std::vector<std::string>{quoted_.app_id});
  EXPECT_TRUE(app_ids("appId%20eq%20'nobody'").empty());
  EXPECT_EQ(app_ids("").size(), 2u);
}

TEST_F(GraphRoutesTest, OtherFiltersAreUnsupportedQueries) {
  for (const char* f : {"startswith(appId,'a')", "appId%20eq%20'", "appId%20eq%20'a'%20or%20true", "appId%20eq%20a",
                        "servicePrincipalNames/any(", "servicePrincipalNames/any(:%20eq%20'a')",
                        "servicePrincipalNames/any(c:d%20eq%20'a')", "servicePrincipalNames/any(c:c%20eq%20'a'",
                        "displayName%20eq%20'a''"}) {
    auto r = get(std::string("/v1.0/servicePrincipals?$filter=") + f);
    EXPECT_EQ(r.status, 400) << f;
    EXPECT_EQ(error_code(r), "Request_UnsupportedQuery") << f;
  }
}

TEST_F(GraphRoutesTest, ByObjectIdAndRefusals) {
  auto one = get("/v1.0/servicePrincipals/" + alice_.object_id);
  ASSERT_EQ(one.status, 200);
  EXPECT_EQ(json::parse(one.body).at("appId").as_string(), alice_.app_id);
  auto none = get("/v1.0/servicePrincipals/00000000-0000-0000-0000-000000000000");
  EXPECT_EQ(none.status, 404);
  EXPECT_EQ(error_code(none), "Request_ResourceNotFound");
  EXPECT_EQ(get("/v1.0/users").status, 400);

  http::Request post;
  post.method = "POST";
  post.target = "/v1.0/servicePrincipals";
  auto refused =
      route_graph(post, parse_target(post.target).value(), GraphContext{"x", principals_.get(), nullptr}).run();
  EXPECT_EQ(refused.status, 405);
}

TEST_F(GraphRoutesTest, GroupsByFilterAndId) {
  ASSERT_TRUE(rbac_->create_group("writers").ok());
  auto all = get("/v1.0/groups");
  ASSERT_EQ(all.status, 200);
  EXPECT_EQ(json::parse(all.body).at("value").as_array().size(), 2u);
  auto one = get("/v1.0/groups?$filter=displayName%20eq%20'readers'");
  ASSERT_EQ(one.status, 200) << one.body;
  const json::value found = json::parse(one.body);
  ASSERT_EQ(found.at("value").as_array().size(), 1u);
  EXPECT_EQ(found.at("value").at(0).at("id").as_string(), readers_.object_id);
  EXPECT_EQ(found.at("value").at(0).at("@odata.type").as_string(), "#microsoft.graph.group");
  EXPECT_EQ(json::parse(get("/v1.0/groups/" + readers_.object_id).body).at("displayName").as_string(), "readers");
  EXPECT_EQ(error_code(get("/v1.0/groups/" + alice_.object_id)), "Request_ResourceNotFound");
  EXPECT_EQ(error_code(get("/v1.0/groups?$filter=appId%20eq%20'x'")), "Request_UnsupportedQuery");
}

TEST_F(GraphRoutesTest, GetByIdsFindsPrincipalsAndGroupsOfTheAskedTypes) {
  auto ids_of = [&](const http::Response& r) {
    EXPECT_EQ(r.status, 200) << r.body;
    std::set<std::string> out;
    if (r.status != 200) return out;
    const json::value body = json::parse(r.body);
    for (const auto& v : body.at("value").as_array()) out.emplace(v.at("id").as_string());
    return out;
  };
  const std::string nobody = "00000000-0000-4000-8000-000000000000";
  const std::string ids = "[\"" + alice_.object_id + "\", \"" + readers_.object_id + "\", \"" + nobody + "\"]";
  EXPECT_EQ(ids_of(post("/v1.0/directoryObjects/getByIds", "{\"ids\": " + ids + "}")),
            (std::set<std::string>{alice_.object_id, readers_.object_id}));
  EXPECT_EQ(
      ids_of(post("/v1.0/directoryObjects/getByIds", "{\"ids\": " + ids + ", \"types\": [\"servicePrincipal\"]}")),
      (std::set<std::string>{alice_.object_id}));
  EXPECT_EQ(ids_of(post("/v1.0/directoryObjects/getByIds", "{\"ids\": []}")), std::set<std::string>{});
  for (const char* bad : {"", "[]", "{\"ids\": \"x\"}", "{\"types\": []}", "{\"ids\": [1]}"}) {
    auto r = post("/v1.0/directoryObjects/getByIds", bad);
    EXPECT_EQ(r.status, 400) << bad;
  }
}

}  // namespace
}  // namespace coffer::api
