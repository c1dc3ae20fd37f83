// SecretService over a real SQLite store and Keyring: semantics of versions,
// soft delete, purge, backup/restore, and the encryption barrier.
#include "vault/secret_service.hpp"

#include <gtest/gtest.h>

#include <filesystem>

#include <fstream>
#include <set>
#include <sstream>

#include "crypto/keyring.hpp"
#include "crypto/random.hpp"
#include "store/store.hpp"
#include "vault/store_keys.hpp"
#include "vault/vault_registry.hpp"
#include "vault_test_env.hpp"

namespace coffer::vault {
namespace {

namespace fs = std::filesystem;

class SecretServiceTest : public testing::VaultTest {
 protected:
  void SetUp() override {
    VaultTest::SetUp();
    secrets_ = std::make_unique<SecretService>(*store_, *keyring_, clock_);
  }
  void TearDown() override {
    secrets_.reset();
    VaultTest::TearDown();
  }

  SecretDraft draft(const std::string& value) {
    SecretDraft d;
    d.value = SecureString(value);
    return d;
  }

  std::unique_ptr<SecretService> secrets_;
};

TEST_F(SecretServiceTest, SetCreatesVersionsAndGetReturnsLatestOrNamed) {
  auto v1 = secrets_->set(vault_, "Name", draft("one")).value();
  clock_.advance(5);
  auto v2 = secrets_->set(vault_, "name", draft("two")).value();
  EXPECT_NE(v1.properties.version, v2.properties.version);
  EXPECT_EQ(v2.properties.name, "Name");  // first spelling kept
  EXPECT_EQ(secrets_->get(vault_, "NAME", "").value().value.view(), "two");
  EXPECT_EQ(secrets_->get(vault_, "name", v1.properties.version).value().value.view(), "one");
  EXPECT_EQ(v2.properties.attributes.created, 1'700'000'005);
}

TEST_F(SecretServiceTest, RejectsBadNamesSizesAndTags) {
  EXPECT_EQ(secrets_->set(vault_, "bad_name", draft("x")).status().code(), Code::kBadParameter);
  EXPECT_EQ(secrets_->set(vault_, std::string(128, 'a'), draft("x")).status().code(), Code::kBadParameter);
  EXPECT_TRUE(secrets_->set(vault_, std::string(127, 'a'), draft("x")).ok());
  EXPECT_EQ(secrets_->set(vault_, "big", draft(std::string(25 * 1024 + 1, 'x'))).status().code(), Code::kBadParameter);
  EXPECT_TRUE(secrets_->set(vault_, "big", draft(std::string(25 * 1024, 'x'))).ok());
  auto d = draft("x");
  for (int i = 0; i < 16; ++i) d.tags["t" + std::to_string(i)] = "v";
  EXPECT_EQ(secrets_->set(vault_, "tags", d).status().code(), Code::kBadParameter);
}

TEST_F(SecretServiceTest, MissingAndMalformedLookupsAreNotFound) {
  EXPECT_EQ(secrets_->get(vault_, "nope", "").status().code(), Code::kSecretNotFound);
  secrets_->set(vault_, "x", draft("v")).value();
  EXPECT_EQ(secrets_->get(vault_, "x", "not-a-version").status().code(), Code::kSecretNotFound);
  EXPECT_EQ(secrets_->get(vault_, "x", std::string(32, 'a')).status().code(), Code::kSecretNotFound);
}

// AKV lists the versions of a name that never existed as an empty page
// (200, {"value":[],"nextLink":null}), and so does a name whose object is
// soft-deleted: there is no live object to list.
TEST_F(SecretServiceTest, VersionsOfANameWithoutALiveObjectAreAnEmptyPage) {
  auto never = secrets_->list_versions(vault_, "never-set", {});
  ASSERT_TRUE(never.ok()) << never.status().message();
  EXPECT_TRUE(never->items.empty());
  EXPECT_TRUE(never->next.empty());
  secrets_->set(vault_, "gone", draft("v")).value();
  EXPECT_EQ(secrets_->list_versions(vault_, "gone", {}).value().items.size(), 1u);
  secrets_->remove(vault_, "gone").value();
  EXPECT_TRUE(secrets_->list_versions(vault_, "gone", {}).value().items.empty());
}

// An SDK that retries a set whose answer it lost sends the same client
// request id: the retry gets the version the first set made, not another.
TEST_F(SecretServiceTest, ARepeatedSetWithTheSameKeyReturnsTheFirstVersion) {
  auto d = draft("v1");
  d.idempotency_key = "request-1";
  auto first = secrets_->set(vault_, "x", d).value();
  auto again = secrets_->set(vault_, "x", d).value();
  EXPECT_EQ(again.properties.version, first.properties.version);
  EXPECT_EQ(again.value.view(), "v1");
  EXPECT_EQ(secrets_->list_versions(vault_, "x", {}).value().items.size(), 1u);
  d.idempotency_key = "request-2";
  auto other = secrets_->set(vault_, "x", d).value();
  EXPECT_NE(other.properties.version, first.properties.version);
  auto plain = secrets_->set(vault_, "x", draft("v3")).value();  // no key: always a new version
  EXPECT_EQ(secrets_->list_versions(vault_, "x", {}).value().items.size(), 3u);
  EXPECT_EQ(secrets_->get(vault_, "x", "").value().properties.version, plain.properties.version);
}

TEST_F(SecretServiceTest, DisabledVersionIsForbidden) {
  auto s = secrets_->set(vault_, "x", draft("v")).value();
  SecretPatch p;
  p.enabled = false;
  auto props = secrets_->update(vault_, "x", "", p).value();
  EXPECT_FALSE(props.attributes.enabled);
  auto got = secrets_->get(vault_, "x", s.properties.version);
  EXPECT_EQ(got.status().code(), Code::kForbidden);
  EXPECT_EQ(got.status().reason(), "SecretDisabled");
}

TEST_F(SecretServiceTest, SoftDeleteReservesNameUntilRecoverOrPurge) {
  secrets_->set(vault_, "x", draft("v")).value();
  auto deleted = secrets_->remove(vault_, "x").value();
  EXPECT_EQ(deleted.deletion.scheduled_purge_date - deleted.deletion.deleted_date, 90 * 86400);
  EXPECT_EQ(secrets_->get(vault_, "x", "").status().code(), Code::kSecretNotFound);
  auto conflict = secrets_->set(vault_, "x", draft("w"));
  EXPECT_EQ(conflict.status().code(), Code::kConflict);
  EXPECT_EQ(conflict.status().reason(), "ObjectIsDeletedButRecoverable");
  EXPECT_EQ(secrets_->list(vault_, {}).value().items.size(), 0u);
  EXPECT_EQ(secrets_->list_deleted(vault_, {}).value().items.size(), 1u);
  secrets_->recover(vault_, "x").value();
  EXPECT_EQ(secrets_->get(vault_, "x", "").value().value.view(), "v");
  secrets_->remove(vault_, "x").value();
  ASSERT_TRUE(secrets_->purge(vault_, "x").ok());
  EXPECT_EQ(secrets_->get_deleted(vault_, "x").status().code(), Code::kSecretNotFound);
  EXPECT_TRUE(secrets_->set(vault_, "x", draft("again")).ok());
}

TEST_F(SecretServiceTest, PurgeDueHonoursRetentionAndPurgeProtectionForbidsEarlyPurge) {
  VaultSettings guarded;
  guarded.retention_days = 7;
  guarded.purge_protection = true;
  auto protected_vault = registry_->create("guarded", guarded).value();
  secrets_->set(protected_vault, "x", draft("v")).value();
  secrets_->remove(protected_vault, "x").value();
  EXPECT_EQ(secrets_->purge(protected_vault, "x").code(), Code::kForbidden);
  EXPECT_EQ(secrets_->purge_due(clock_.now() + 7 * 86400 - 1).value(), 0u);
  EXPECT_TRUE(secrets_->get_deleted(protected_vault, "x").ok());
  EXPECT_EQ(secrets_->purge_due(clock_.now() + 7 * 86400).value(), 1u);
  EXPECT_EQ(secrets_->get_deleted(protected_vault, "x").status().code(), Code::kSecretNotFound);
}

TEST_F(SecretServiceTest, ListPagesWithCursor) {
  for (int i = 0; i < 30; ++i) secrets_->set(vault_, "s" + std::to_string(100 + i), draft("v")).value();
  secrets_->set(vault_, "gone", draft("v")).value();
  secrets_->remove(vault_, "gone").value();
  PageRequest page{7, ""};
  std::set<std::string> seen;
  int pages = 0;
  do {
    auto p = secrets_->list(vault_, page).value();
    ++pages;
    EXPECT_LE(p.items.size(), 7u);
    for (auto& s : p.items) EXPECT_TRUE(seen.insert(s.name).second);
    page.after = p.next;
  } while (!page.after.empty());
  EXPECT_EQ(seen.size(), 30u);
  EXPECT_EQ(pages, 5);
}

TEST_F(SecretServiceTest, BackupRestoresAllVersionsIntoAnotherVault) {
  secrets_->set(vault_, "b", draft("one")).value();
  secrets_->set(vault_, "b", draft("two")).value();
  auto blob = secrets_->backup(vault_, "b").value();
  EXPECT_EQ(blob.find("two"), std::string::npos);
  EXPECT_EQ(secrets_->restore(vault_, blob).status().code(), Code::kConflict);
  auto other = registry_->create("other", VaultSettings{}).value();
  auto restored = secrets_->restore(other, blob).value();
  EXPECT_EQ(restored.name, "b");
  EXPECT_EQ(secrets_->get(other, "b", "").value().value.view(), "two");
  EXPECT_EQ(secrets_->list_versions(other, "b", {}).value().items.size(), 2u);
  blob[blob.size() / 2] ^= 1;
  EXPECT_EQ(secrets_->restore(other, blob).status().code(), Code::kBadParameter);
}

TEST_F(SecretServiceTest, CiphertextSwappedBetweenRowsFailsToDecrypt) {
  auto a = secrets_->set(vault_, "a", draft("value-of-a")).value();
  auto b = secrets_->set(vault_, "b", draft("value-of-b")).value();
  const std::string ka = keys::secret_version(vault_.id, "a", a.properties.version);
  const std::string kb = keys::secret_version(vault_.id, "b", b.properties.version);
  ASSERT_TRUE(store_
                  ->write([&](store::WriteTxn& txn) -> Status {
                    auto ea = txn.get(ka).value();
                    auto eb = txn.get(kb).value();
                    if (!ea || !eb) return Status(Code::kInternal, "a version row is missing");
                    COFFER_RETURN_IF_ERROR(txn.put(ka, eb->value));
                    return txn.put(kb, ea->value);
                  })
                  .ok());
  auto got = secrets_->get(vault_, "a", a.properties.version);
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.status().code(), Code::kInternal);
}

TEST_F(SecretServiceTest, DataDirectoryHoldsNoPlaintext) {
  const std::string marker = "plaintext-marker-" + crypto::new_version_id();
  secrets_->set(vault_, "m", draft(marker)).value();
  secrets_.reset();
  registry_.reset();
  store_.reset();  // checkpoint and close
  for (const auto& entry : fs::recursive_directory_iterator(dir_)) {
    std::ifstream in(entry.path(), std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    EXPECT_EQ(ss.str().find(marker), std::string::npos) << entry.path();
  }
}

}  // namespace
}  // namespace coffer::vault
