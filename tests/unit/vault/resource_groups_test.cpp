// ResourceGroupRegistry: ARM's resource groups on a real store — create and
// replace, names matched without case, the location fixed at creation,
// refusals for malformed input and absent groups.
#include "vault/resource_groups.hpp"

#include "vault_test_env.hpp"

namespace coffer::vault::testing {
namespace {

class ResourceGroupsTest : public VaultTest {
 protected:
  void SetUp() override {
    VaultTest::SetUp();
    groups_ = std::make_unique<ResourceGroupRegistry>(*store_, clock_);
  }
  void TearDown() override {
    groups_.reset();
    VaultTest::TearDown();
  }
  std::unique_ptr<ResourceGroupRegistry> groups_;
};

TEST_F(ResourceGroupsTest, CreateThenReplaceTagsKeepingNameCaseAndLocation) {
  auto made = groups_->put("myResourceGroup", "East US", {{"env", "dev"}});
  ASSERT_TRUE(made.ok()) << made.status().message();
  EXPECT_TRUE(made->created);
  EXPECT_EQ(made->group.name, "myResourceGroup");
  EXPECT_EQ(made->group.location, "eastus");
  EXPECT_EQ(made->group.created, clock_.now());

  auto again = groups_->put("MYRESOURCEGROUP", "eastus", {{"team", "a"}});
  ASSERT_TRUE(again.ok()) << again.status().message();
  EXPECT_FALSE(again->created);
  EXPECT_EQ(again->group.name, "myResourceGroup") << "the name keeps the case it was created with";
  EXPECT_EQ(again->group.tags, (Tags{{"team", "a"}}));

  auto found = groups_->find("myresourcegroup");
  ASSERT_TRUE(found.ok());
  EXPECT_EQ(found->tags, (Tags{{"team", "a"}}));
  auto all = groups_->list();
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].name, kBuiltInGroup) << "the built-in group comes first";
  EXPECT_EQ((*all)[1].name, "myResourceGroup");
}

TEST_F(ResourceGroupsTest, TheBuiltInGroupIsAlwaysThereAndFixed) {
  auto found = groups_->find("COFFER");
  ASSERT_TRUE(found.ok());
  EXPECT_EQ(found->name, kBuiltInGroup);
  EXPECT_EQ(found->location, kBuiltInLocation);
  for (const Status& st : {groups_->put("coffer", "local", {{"a", "b"}}).status(), groups_->remove("Coffer")}) {
    EXPECT_EQ(st.code(), Code::kConflict);
    EXPECT_EQ(st.reason(), "ResourceGroupBuiltIn");
  }
  EXPECT_TRUE(groups_->find("coffer").ok());
}

TEST_F(ResourceGroupsTest, TheLocationCannotChange) {
  ASSERT_TRUE(groups_->put("g1", "westeurope", {}).ok());
  auto moved = groups_->put("g1", "eastus", {});
  ASSERT_FALSE(moved.ok());
  EXPECT_EQ(moved.status().code(), Code::kConflict);
  EXPECT_EQ(moved.status().reason(), "InvalidResourceGroupLocation");
  EXPECT_EQ(groups_->find("g1")->location, "westeurope");
}

TEST_F(ResourceGroupsTest, RemoveAndAbsentGroups) {
  ASSERT_TRUE(groups_->put("gone", "eastus", {}).ok());
  ASSERT_TRUE(groups_->remove("GONE").ok());
  for (const Status& st : {groups_->find("gone").status(), groups_->remove("gone")}) {
    EXPECT_EQ(st.code(), Code::kNotFound);
    EXPECT_EQ(st.reason(), "ResourceGroupNotFound");
  }
  EXPECT_EQ(groups_->list()->size(), 1u) << "only the built-in group is left";
}

TEST_F(ResourceGroupsTest, MalformedInputIsRefused) {
  for (const std::string& bad : {std::string(), std::string(91, 'a'), std::string("ends.with.dot."),
                                 std::string("has space"), std::string("slash/"), std::string("caf\xc3\xa9")}) {
    auto r = groups_->put(bad, "eastus", {});
    EXPECT_EQ(r.status().code(), Code::kBadParameter) << bad;
    EXPECT_EQ(groups_->find(bad).status().code(), Code::kNotFound) << bad;
  }
  EXPECT_TRUE(groups_->put("ok_name-(1).x", "eastus", {}).ok());
  EXPECT_TRUE(groups_->put(std::string(90, 'a'), "eastus", {}).ok());
  for (const char* where : {"", "   ", "east-us", "east/us"}) {
    EXPECT_EQ(groups_->put("g", where, {}).status().code(), Code::kBadParameter) << where;
  }
  Tags many;
  for (int i = 0; i < 51; ++i) many["t" + std::to_string(i)] = "v";
  EXPECT_EQ(groups_->put("g", "eastus", many).status().code(), Code::kBadParameter);
  EXPECT_EQ(groups_->put("g", "eastus", {{"k", std::string(257, 'v')}}).status().code(), Code::kBadParameter);
  EXPECT_EQ(groups_->put("g", "eastus", {{"", "v"}}).status().code(), Code::kBadParameter);
  EXPECT_FALSE(groups_->find("g").ok()) << "nothing refused was stored";
}

}  // namespace
}  // namespace coffer::vault::testing
