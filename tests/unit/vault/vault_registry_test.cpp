// VaultRegistry's vault life cycle on a real store — ARM's settings kept,
// updates under AKV's rules, soft delete that hides a vault but keeps it and
// its name, recovery, and VaultRemoval purging a vault with its objects
// (by hand, or by the job once its retention has passed), and the KEK rewrap
// of a root-key rotation that leaves every sealed payload byte-identical.
#include "vault/vault_registry.hpp"

#include "common/record_codec.hpp"
#include "common/time_format.hpp"
#include "vault/secret_service.hpp"
#include "vault/store_keys.hpp"
#include "vault/vault_removal.hpp"
#include "vault_test_env.hpp"

namespace coffer::vault::testing {
namespace {

class VaultRegistryTest : public VaultTest {
 protected:
  void SetUp() override {
    VaultTest::SetUp();
    secrets_ = std::make_unique<SecretService>(*store_, *keyring_, clock_);
    removal_ = std::make_unique<VaultRemoval>(*registry_, *secrets_, nullptr, nullptr, [this](const VaultInfo& v) {
      revoked_.push_back(v.name);
      return Status::Ok();
    });
  }
  void TearDown() override {
    removal_.reset();
    secrets_.reset();
    VaultTest::TearDown();
  }
  VaultSettings arm_settings() const {
    VaultSettings s;
    s.resource_group = "myResourceGroup";
    s.location = "East US";
    s.tags = {{"team", "ops"}};
    s.sku = "premium";
    s.rbac_authorization = false;
    s.retention_days = 7;
    return s;
  }
  void put_secret(const VaultInfo& v, const std::string& name) {
    SecretDraft d;
    d.value = SecureString("value");
    ASSERT_TRUE(secrets_->set(v, name, d).ok());
  }

  std::unique_ptr<SecretService> secrets_;
  std::unique_ptr<VaultRemoval> removal_;
  std::vector<std::string> revoked_;
};

TEST_F(VaultRegistryTest, ArmSettingsAreKeptAndAdminVaultsLiveInTheBuiltInGroup) {
  EXPECT_EQ(vault_.resource_group, kBuiltInGroup);
  EXPECT_EQ(vault_.location, kBuiltInLocation);
  EXPECT_TRUE(vault_.rbac_authorization);
  auto made = registry_->create("armVault", arm_settings());
  ASSERT_TRUE(made.ok()) << made.status().message();
  VaultRegistry other(*store_, *keyring_, clock_);  // another server: read back from the store
  auto found = other.find("ARMVAULT");
  ASSERT_TRUE(found.ok());
  EXPECT_EQ(found->name, "armVault");
  EXPECT_EQ(found->resource_group, "myResourceGroup");
  EXPECT_EQ(found->location, "eastus");
  EXPECT_EQ(found->tags, (Tags{{"team", "ops"}}));
  EXPECT_EQ(found->sku, "premium");
  EXPECT_FALSE(found->rbac_authorization);
  EXPECT_EQ(found->deleted, 0);
}

TEST_F(VaultRegistryTest, RecordsWrittenBeforeTheArmFieldsReadAsAdminVaults) {
  RecordWriter w;  // the fields of a record as earlier servers wrote it
  w.bytes(1, "old").bytes(2, "0f1e2d3c-0000-4000-8000-000000000001").i64(3, 30).boolean(4, true).i64(5, 1);
  w.bytes(6, "kek");
  ASSERT_TRUE(store_
                  ->write([&](store::WriteTxn& txn) {
                    COFFER_RETURN_IF_ERROR(txn.put(keys::vault("old"), w.data()));
                    return txn.put("meta/vault-marker", "");
                  })
                  .ok());
  auto v = registry_->find("old");
  ASSERT_TRUE(v.ok()) << v.status().message();
  EXPECT_EQ(v->retention_days, 30);
  EXPECT_TRUE(v->purge_protection);
  EXPECT_EQ(v->resource_group, kBuiltInGroup);
  EXPECT_EQ(v->sku, "standard");
  EXPECT_TRUE(v->rbac_authorization) << "vaults made before access policies existed use RBAC";
}

TEST_F(VaultRegistryTest, BadSettingsCreateNothing) {
  auto bad = [&](auto edit) {
    VaultSettings s = arm_settings();
    edit(s);
    auto r = registry_->create("badVault", s);
    EXPECT_EQ(r.status().code(), Code::kBadParameter);
  };
  bad([](VaultSettings& s) { s.sku = "gold"; });
  bad([](VaultSettings& s) { s.location = "east/us"; });
  bad([](VaultSettings& s) { s.resource_group = "has space"; });
  bad([](VaultSettings& s) { s.retention_days = 6; });
  bad([](VaultSettings& s) { s.tags[""] = "x"; });
  EXPECT_EQ(registry_->find("badVault").status().code(), Code::kVaultNotFound);
}

TEST_F(VaultRegistryTest, UpdatesFollowAkvsRules) {
  ASSERT_TRUE(registry_->create("upd", arm_settings()).ok());
  auto updated = registry_->update("UPD", [](VaultInfo& v) {
    v.tags = {{"env", "prod"}};
    v.purge_protection = true;
    v.rbac_authorization = true;
    v.location = "EAST US";  // the same place, spelled otherwise
    return Status::Ok();
  });
  ASSERT_TRUE(updated.ok()) << updated.status().message();
  EXPECT_EQ(updated->tags, (Tags{{"env", "prod"}}));
  EXPECT_TRUE(updated->purge_protection);
  EXPECT_TRUE(registry_->find("upd")->rbac_authorization);
  const std::vector<std::function<void(VaultInfo&)>> refused = {
      [](VaultInfo& v) { v.purge_protection = false; },  // irreversible
      [](VaultInfo& v) { v.retention_days = 91; },      [](VaultInfo& v) { v.sku = "free"; },
      [](VaultInfo& v) { v.location = "westeurope"; },  [](VaultInfo& v) { v.resource_group = "elsewhere"; },
  };
  for (const auto& edit : refused) {
    auto r = registry_->update("upd", [&](VaultInfo& v) {
      edit(v);
      return Status::Ok();
    });
    EXPECT_EQ(r.status().code(), Code::kBadParameter);
  }
  auto kept = registry_->find("upd");
  EXPECT_TRUE(kept->purge_protection);
  EXPECT_EQ(kept->retention_days, 7);
  EXPECT_EQ(kept->location, "eastus");
  // The id, key and name are never the caller's to change.
  auto same = registry_->update("upd", [](VaultInfo& v) {
    v.id = "x";
    v.name = "other";
    v.wrapped_kek = "y";
    return Status::Ok();
  });
  ASSERT_TRUE(same.ok());
  EXPECT_EQ(same->name, "upd");
  EXPECT_EQ(same->id, kept->id);
  EXPECT_EQ(same->wrapped_kek, kept->wrapped_kek);
  EXPECT_EQ(registry_->update("nope", [](VaultInfo&) { return Status::Ok(); }).status().code(), Code::kVaultNotFound);
}

TEST_F(VaultRegistryTest, SoftDeleteHidesTheVaultKeepsItsNameAndRecovers) {
  auto v = registry_->create("cycle", arm_settings()).value();
  put_secret(v, "kept");
  clock_.advance(100);
  auto deleted = registry_->soft_delete("CYCLE");
  ASSERT_TRUE(deleted.ok());
  EXPECT_EQ(deleted->deleted, clock_.now());
  EXPECT_EQ(deleted->scheduled_purge(), clock_.now() + 7 * kSecondsPerDay);
  EXPECT_EQ(registry_->find("cycle").status().code(), Code::kVaultNotFound);
  EXPECT_EQ(registry_->soft_delete("cycle").status().code(), Code::kVaultNotFound);
  const auto live = registry_->list().value();
  for (const auto& l : live) EXPECT_NE(l.name, "cycle");
  auto listed = registry_->list_deleted().value();
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0].name, "cycle");
  auto taken = registry_->create("Cycle", VaultSettings{});
  EXPECT_EQ(taken.status().code(), Code::kConflict);
  EXPECT_EQ(taken.status().reason(), "VaultInDeletedState");
  auto recovered = registry_->recover("cycle");
  ASSERT_TRUE(recovered.ok());
  EXPECT_EQ(recovered->id, v.id);
  EXPECT_EQ(recovered->deleted, 0);
  EXPECT_TRUE(secrets_->get(*recovered, "kept", "").ok()) << "a recovered vault keeps its objects";
  EXPECT_EQ(registry_->find_deleted("cycle").status().reason(), "DeletedVaultNotFound");
  EXPECT_EQ(registry_->recover("cycle").status().reason(), "DeletedVaultNotFound");
  EXPECT_EQ(registry_->create("cycle", VaultSettings{}).status().reason(), "VaultAlreadyExists");
}

TEST_F(VaultRegistryTest, RemovalErasesObjectsRevokesAccessThenTheRecord) {
  auto v = registry_->create("gone", arm_settings()).value();
  put_secret(v, "s1");
  ASSERT_TRUE(removal_->purge_deleted(registry_->soft_delete("gone").value()).ok());
  EXPECT_EQ(revoked_, (std::vector<std::string>{"gone"}));
  EXPECT_EQ(registry_->find_deleted("gone").status().reason(), "DeletedVaultNotFound");
  auto again = registry_->create("gone", VaultSettings{}).value();
  EXPECT_NE(again.id, v.id);
  EXPECT_EQ(secrets_->get(again, "s1", "").status().code(), Code::kSecretNotFound);
}

TEST_F(VaultRegistryTest, TheJobPurgesDeletedVaultsOnlyOnceTheirRetentionHasPassed) {
  VaultSettings protected_settings = arm_settings();
  protected_settings.purge_protection = true;
  auto guarded = registry_->create("guarded", protected_settings).value();
  put_secret(guarded, "s");
  ASSERT_TRUE(registry_->soft_delete("guarded").ok());
  // By hand, purge protection refuses while the vault holds objects.
  EXPECT_EQ(removal_->erase(registry_->find_deleted("guarded").value()).code(), Code::kForbidden);
  auto asked = removal_->purge_deleted(registry_->find_deleted("guarded").value());
  EXPECT_EQ(asked.reason(), "PurgeProtected") << "asked for, it is refused until its date";
  EXPECT_EQ(removal_->purge_expired(clock_.now()).value(), 0u);
  clock_.advance(7 * kSecondsPerDay - 1);
  EXPECT_EQ(removal_->purge_expired(clock_.now()).value(), 0u);
  EXPECT_TRUE(registry_->find_deleted("guarded").ok());
  clock_.advance(1);
  EXPECT_EQ(removal_->purge_expired(clock_.now()).value(), 1u) << "protection holds until the scheduled date";
  EXPECT_EQ(registry_->find_deleted("guarded").status().reason(), "DeletedVaultNotFound");
  EXPECT_TRUE(registry_->find("unit").ok()) << "live vaults are never purged";
}

TEST_F(VaultRegistryTest, RewrapMovesEveryKekToTheNewGenerationAndNoPayload) {
  auto live = registry_->create("live", {});
  auto gone = registry_->create("gone", {});
  ASSERT_TRUE(live.ok() && gone.ok());
  put_secret(*live, "s");
  put_secret(*gone, "t");
  ASSERT_TRUE(registry_->soft_delete("gone").ok());
  auto secrets_before = [&] {
    std::map<std::string, std::string> out;
    EXPECT_TRUE(store_
                    ->read([&](store::ReadTxn& txn) {
                      return store::for_each_entry(txn, "secretver/", [&](const store::Entry& e) {
                        out[e.key] = e.value;
                        return Status::Ok();
                      });
                    })
                    .ok());
    return out;
  };
  const auto before = secrets_before();
  ASSERT_FALSE(before.empty());

  crypto::Keyring::RootKeys next;
  next.emplace(2, crypto::random_bytes(32));
  ASSERT_TRUE(keyring_->adopt(std::move(next), 2).ok());
  auto rewrapped = registry_->rewrap_keks();
  ASSERT_TRUE(rewrapped.ok()) << rewrapped.status().message();
  EXPECT_EQ(*rewrapped, registry_->list()->size() + registry_->list_deleted()->size())
      << "every vault, the soft-deleted one too";
  EXPECT_EQ(*registry_->rewrap_keks(), 0u) << "nothing left to do";
  auto after = registry_->find("live");
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(crypto::Keyring::generation_of(after->wrapped_kek), 2);
  EXPECT_NE(after->wrapped_kek, live->wrapped_kek);
  EXPECT_EQ(crypto::Keyring::generation_of(registry_->find_deleted("gone")->wrapped_kek), 2);
  EXPECT_EQ(secrets_before(), before) << "data keys and payloads are untouched";
  auto read = secrets_->get(*after, "s", "");
  ASSERT_TRUE(read.ok()) << read.status().message();
  EXPECT_EQ(read->value.view(), "value");
}

}  // namespace
}  // namespace coffer::vault::testing
