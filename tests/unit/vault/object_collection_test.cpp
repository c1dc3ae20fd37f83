// What the secret and key services share through ObjectCollection, checked
// through both over a real store: an object a certificate manages refuses
// changes through its own API with AKV's 403 (set/update/delete/backup),
// a backup of one kind cannot be restored as another, and the not-found and
// conflict errors name the kind.
#include "vault/object_collection.hpp"

#include <gtest/gtest.h>

#include <filesystem>

#include "crypto/keyring.hpp"
#include "crypto/random.hpp"
#include "store/store.hpp"
#include "vault/key_service.hpp"
#include "vault/secret_service.hpp"
#include "vault/vault_registry.hpp"
#include "vault_test_env.hpp"

namespace coffer::vault {
namespace {

namespace fs = std::filesystem;

class ObjectCollectionTest : public testing::VaultTest {
 protected:
  void SetUp() override {
    VaultTest::SetUp();
    secrets_ = std::make_unique<SecretService>(*store_, *keyring_, clock_);
    keys_ = std::make_unique<KeyService>(*store_, *keyring_, clock_);
  }
  void TearDown() override {
    keys_.reset();
    secrets_.reset();
    VaultTest::TearDown();
  }

  // Marks an existing object's head as managed by a certificate.
  void mark_managed(const std::string& head_key) {
    ASSERT_TRUE(store_
                    ->write([&](store::WriteTxn& txn) -> Status {
                      COFFER_ASSIGN_OR_RETURN(auto e, txn.get(head_key));
                      if (!e) return Status(Code::kNotFound, "no head");
                      COFFER_ASSIGN_OR_RETURN(ObjectHead h, decode_head(e->value));
                      h.managed = true;
                      return txn.put(head_key, encode_head(h));
                    })
                    .ok());
  }

  std::unique_ptr<SecretService> secrets_;
  std::unique_ptr<KeyService> keys_;
};

TEST_F(ObjectCollectionTest, ManagedObjectsRefuseChangesThroughTheirOwnApi) {
  SecretDraft d;
  d.value = SecureString("cert bundle");
  ASSERT_TRUE(secrets_->set(vault_, "web", d).ok());
  KeyDraft k;
  k.kty = "EC";
  ASSERT_TRUE(keys_->create(vault_, "web", k).ok());
  mark_managed(keys::secret_head(vault_.id, "web"));
  mark_managed(keys::key_head(vault_.id, "web"));

  auto expect_refused = [](const Status& st, const char* op, const char* reason) {
    EXPECT_EQ(st.code(), Code::kForbidden) << op;
    EXPECT_EQ(st.reason(), reason) << op;
    EXPECT_EQ(st.message(), std::string("Operation \"") + op +
                                "\" is not allowed as this object's lifetime is managed by Key Vault.");
  };
  expect_refused(secrets_->set(vault_, "web", d).status(), "set", "SecretManagedByKeyVault");
  SecretPatch disable;
  disable.enabled = false;
  expect_refused(secrets_->update(vault_, "web", "", disable).status(), "update", "SecretManagedByKeyVault");
  expect_refused(secrets_->remove(vault_, "web").status(), "delete", "SecretManagedByKeyVault");
  expect_refused(secrets_->backup(vault_, "web").status(), "backup", "SecretManagedByKeyVault");
  expect_refused(keys_->remove(vault_, "web").status(), "delete", "KeyManagedByKeyVault");
  expect_refused(keys_->create(vault_, "web", k).status(), "create", "KeyManagedByKeyVault");
  expect_refused(keys_->rotate(vault_, "web").status(), "rotate", "KeyManagedByKeyVault");
  expect_refused(keys_->backup(vault_, "web").status(), "backup", "KeyManagedByKeyVault");
  // Reading stays allowed, and says it is managed.
  auto got = secrets_->get(vault_, "web", "");
  ASSERT_TRUE(got.ok());
  EXPECT_TRUE(got->properties.managed);
  EXPECT_TRUE(keys_->get(vault_, "web", "")->managed);
}

TEST_F(ObjectCollectionTest, ABackupRestoresOnlyAsItsOwnKind) {
  SecretDraft d;
  d.value = SecureString("v");
  ASSERT_TRUE(secrets_->set(vault_, "s", d).ok());
  KeyDraft k;
  k.kty = "oct";
  ASSERT_TRUE(keys_->create(vault_, "k", k).ok());
  const std::string secret_blob = secrets_->backup(vault_, "s").value();
  const std::string key_blob = keys_->backup(vault_, "k").value();
  EXPECT_EQ(keys_->restore(vault_, secret_blob).status().code(), Code::kBadParameter);
  EXPECT_EQ(secrets_->restore(vault_, key_blob).status().code(), Code::kBadParameter);
  // Into its own kind: refused while the name is taken, live or deleted.
  EXPECT_EQ(secrets_->restore(vault_, secret_blob).status().reason(), "ObjectAlreadyExists");
  ASSERT_TRUE(secrets_->remove(vault_, "s").ok());
  EXPECT_EQ(secrets_->restore(vault_, secret_blob).status().reason(), "ObjectIsDeletedButRecoverable");
  ASSERT_TRUE(secrets_->purge(vault_, "s").ok());
  EXPECT_EQ(secrets_->restore(vault_, secret_blob)->name, "s");
}

TEST_F(ObjectCollectionTest, ErrorsNameTheKind) {
  const auto secret = secrets_->get(vault_, "absent", "").status();
  EXPECT_EQ(secret.code(), Code::kSecretNotFound);
  EXPECT_EQ(secret.message().rfind("A secret with (name/id) absent was not found in this key vault.", 0), 0u);
  const auto key = keys_->get(vault_, "absent", "").status();
  EXPECT_EQ(key.code(), Code::kKeyNotFound);
  EXPECT_EQ(key.message().rfind("A key with (name/id) absent was not found in this key vault. If you recently "
                                "deleted this key",
                                0),
            0u);
  EXPECT_EQ(keys_->get_deleted(vault_, "absent").status().message(), "Deleted Key not found: absent");
  KeyDraft k;
  k.kty = "oct";
  ASSERT_TRUE(keys_->create(vault_, "gone", k).ok());
  ASSERT_TRUE(keys_->remove(vault_, "gone").ok());
  const auto conflict = keys_->create(vault_, "gone", k).status();
  EXPECT_EQ(conflict.reason(), "ObjectIsDeletedButRecoverable");
  EXPECT_NE(conflict.message().find("the key can only be recovered or purged"), std::string::npos);
}

}  // namespace
}  // namespace coffer::vault
