// The change feed over a real SQLite store: what each kind of change
// records, cursors (continued, paged, reset when unusable), access changes
// per vault and everywhere, trimming, and a removed vault's log.
#include "vault/change_feed.hpp"

#include <gtest/gtest.h>

#include <set>

#include "vault/secret_service.hpp"
#include "vault_test_env.hpp"

namespace coffer::vault {
namespace {

class ChangeFeedTest : public testing::VaultTest {
 protected:
  void SetUp() override {
    VaultTest::SetUp();
    secrets_ = std::make_unique<SecretService>(*store_, *keyring_, clock_);
    feed_ = std::make_unique<ChangeFeed>(*store_);
  }
  void TearDown() override {
    feed_.reset();
    secrets_.reset();
    VaultTest::TearDown();
  }

  void set(const std::string& name) {
    SecretDraft d;
    d.value = SecureString("v");
    ASSERT_TRUE(secrets_->set(vault_, name, d).ok());
  }
  // The names of the changes after `cursor`, and the cursor moved on.
  std::vector<std::string> changes(std::string& cursor) {
    auto page = feed_->read(vault_, cursor).value();
    EXPECT_FALSE(page.reset) << cursor;
    cursor = page.cursor;
    std::vector<std::string> out;
    for (const auto& c : page.changes) out.push_back(c.type + ":" + c.name);
    return out;
  }
  Status write(const std::function<Status(store::WriteTxn&)>& fn) { return store_->write(fn); }

  std::unique_ptr<SecretService> secrets_;
  std::unique_ptr<ChangeFeed> feed_;
};

using Names = std::vector<std::string>;

TEST_F(ChangeFeedTest, EveryKindOfChangeAppearsOnceInCommitOrder) {
  auto start = feed_->read(vault_, "").value();
  EXPECT_TRUE(start.reset) << "no cursor: read everything once, then follow";
  std::string cursor = start.cursor;
  EXPECT_EQ(changes(cursor), Names{});
  set("Alpha");
  set("beta");
  set("alpha");
  EXPECT_EQ(changes(cursor), (Names{"secret:beta", "secret:alpha"})) << "each object once, where it last changed";
  EXPECT_EQ(changes(cursor), Names{}) << "nothing new";
  SecretPatch tag;
  tag.tags = Tags{{"a", "b"}};
  ASSERT_TRUE(secrets_->update(vault_, "beta", "", tag).ok());
  EXPECT_EQ(changes(cursor), Names{"secret:beta"}) << "an update";
  ASSERT_TRUE(secrets_->remove(vault_, "beta").ok());
  EXPECT_EQ(changes(cursor), Names{"secret:beta"}) << "a deletion";
  ASSERT_TRUE(secrets_->recover(vault_, "beta").ok());
  EXPECT_EQ(changes(cursor), Names{"secret:beta"}) << "a recovery";
  ASSERT_TRUE(secrets_->remove(vault_, "beta").ok());
  ASSERT_TRUE(secrets_->purge(vault_, "beta").ok());
  EXPECT_EQ(changes(cursor), Names{"secret:beta"}) << "a purge";
  const auto failed = write([&](store::WriteTxn& txn) -> Status {
    COFFER_RETURN_IF_ERROR(record_change(txn, vault_.id, "secret", "never"));
    return Status(Code::kInternal, "rolled back");
  });
  EXPECT_FALSE(failed.ok());
  EXPECT_EQ(changes(cursor), Names{}) << "a rolled-back change is not in the feed";
}

TEST_F(ChangeFeedTest, PagesContinueWhereTheyStopped) {
  std::string cursor = feed_->read(vault_, "").value().cursor;
  for (const char* n : {"a", "b", "c", "d", "e"}) set(n);
  auto first = feed_->read(vault_, cursor, 3).value();
  EXPECT_TRUE(first.more);
  auto second = feed_->read(vault_, first.cursor, 1000).value();
  EXPECT_FALSE(second.more);
  std::set<std::string> seen;
  for (const auto& c : first.changes) seen.insert(c.name);
  for (const auto& c : second.changes) seen.insert(c.name);
  EXPECT_EQ(seen, (std::set<std::string>{"a", "b", "c", "d", "e"}));
}

TEST_F(ChangeFeedTest, AccessChangesAtTheVaultAndEverywhere) {
  auto other = registry_->create("other", VaultSettings{}).value();
  std::string cursor = feed_->read(vault_, "").value().cursor;
  std::string other_cursor = feed_->read(other, "").value().cursor;
  ASSERT_TRUE(write([&](store::WriteTxn& txn) { return record_access_change(txn, vault_.id); }).ok());
  EXPECT_EQ(changes(cursor), Names{"access:"});
  EXPECT_TRUE(feed_->read(other, other_cursor).value().changes.empty()) << "another vault's access is not this one's";
  ASSERT_TRUE(write([&](store::WriteTxn& txn) { return record_global_access_change(txn); }).ok());
  EXPECT_EQ(changes(cursor), Names{"access:"});
  EXPECT_EQ(feed_->read(other, other_cursor).value().changes.size(), 1u) << "a change above every vault is everyone's";
  EXPECT_EQ(changes(cursor), Names{});
  ASSERT_TRUE(registry_
                  ->update("unit",
                           [](VaultInfo& v) {
                             v.rbac_authorization = !v.rbac_authorization;
                             return Status::Ok();
                           })
                  .ok());
  EXPECT_EQ(changes(cursor), Names{"access:"}) << "switching the permission model";
}

TEST_F(ChangeFeedTest, UnusableCursorsResetAndBadOnesAreRefused) {
  for (const char* bad : {"x", "1", "1.", ".1", "-1.0", "1.2.3", "1.-2"}) {
    EXPECT_EQ(feed_->read(vault_, bad).status().code(), Code::kBadParameter) << bad;
  }
  set("a");
  EXPECT_TRUE(feed_->read(vault_, "999.0").value().reset) << "a cursor from the future (another store)";
  EXPECT_TRUE(feed_->read(vault_, "0.5").value().reset);
  EXPECT_FALSE(feed_->read(vault_, "0.0").value().reset) << "the beginning, while nothing is trimmed";
}

TEST_F(ChangeFeedTest, TrimKeepsTheNewestEntriesAndOlderCursorsReset) {
  const std::string early = feed_->read(vault_, "").value().cursor;
  ASSERT_TRUE(write([&](store::WriteTxn& txn) -> Status {
                for (int i = 0; i < kRetainedChanges + 1500; ++i) {
                  COFFER_RETURN_IF_ERROR(record_change(txn, vault_.id, "secret", "n" + std::to_string(i)));
                }
                return Status::Ok();
              }).ok());
  const std::string late = feed_->read(vault_, "").value().cursor;
  EXPECT_EQ(feed_->trim().value(), 1500u);
  EXPECT_EQ(feed_->trim().value(), 0u) << "idempotent";
  EXPECT_TRUE(feed_->read(vault_, early).value().reset) << "its changes were trimmed away";
  EXPECT_FALSE(feed_->read(vault_, late).value().reset);
  set("after");
  std::string cursor = late;
  EXPECT_EQ(changes(cursor), Names{"secret:after"});
}

TEST_F(ChangeFeedTest, ARemovedVaultTakesItsLogAlong) {
  auto doomed = registry_->create("doomed", VaultSettings{}).value();
  SecretDraft d;
  d.value = SecureString("v");
  ASSERT_TRUE(secrets_->set(doomed, "s", d).ok());
  ASSERT_TRUE(secrets_->erase_all(doomed).ok());
  ASSERT_TRUE(registry_->remove("doomed").ok());
  std::size_t left = 0;
  ASSERT_TRUE(store_
                  ->read([&](store::ReadTxn& txn) -> Status {
                    COFFER_ASSIGN_OR_RETURN(auto entries, txn.scan("chg/" + doomed.id + "/", "", 100));
                    left = entries.size();
                    return Status::Ok();
                  })
                  .ok());
  EXPECT_EQ(left, 0u);
}

}  // namespace
}  // namespace coffer::vault
