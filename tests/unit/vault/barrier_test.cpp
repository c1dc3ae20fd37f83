// The Barrier derives owner, KEK and associated data from the vault and the
// object's place: a sealed value opens only for the same vault and place,
// whatever the case of the name; backups only for their kind; and plaintext
// cannot become a Sealed except through seal().
#include "vault/barrier.hpp"

#include <gtest/gtest.h>

#include <type_traits>

#include "vault_test_env.hpp"

namespace coffer::vault {
namespace {

static_assert(!std::is_constructible_v<Sealed, std::string>, "only Barrier::seal makes a Sealed from bytes");
static_assert(!std::is_constructible_v<Sealed, std::string_view>);
static_assert(!std::is_constructible_v<Sealed, SecureString>);
static_assert(!std::is_convertible_v<SecureString, Sealed>);

class BarrierTest : public testing::VaultTest {
 protected:
  void SetUp() override {
    VaultTest::SetUp();
    other_ = registry_->create("other", VaultSettings{}).value();
  }
  VaultInfo other_;
};

TEST_F(BarrierTest, OpensOnlyForTheSameVaultAndPlace) {
  Barrier barrier(*keyring_);
  const auto place = ObjectPlace::secret_version("Db-Password", "v1");
  Sealed sealed = barrier.seal(vault_, place, "hunter2").value();
  EXPECT_EQ(sealed.bytes().find("hunter2"), std::string_view::npos);
  EXPECT_EQ(barrier.open(vault_, place, sealed).value().view(), "hunter2");
  // Names are case-insensitive: the same object.
  EXPECT_EQ(barrier.open(vault_, ObjectPlace::secret_version("DB-PASSWORD", "v1"), sealed).value().view(), "hunter2");
  for (const auto& wrong :
       {ObjectPlace::secret_version("db-password", "v2"), ObjectPlace::secret_version("other", "v1"),
        ObjectPlace::key_version("db-password", "v1"), ObjectPlace::issuer_password("db-password")}) {
    EXPECT_EQ(barrier.open(vault_, wrong, sealed).status().code(), Code::kInternal);
  }
  EXPECT_EQ(barrier.open(other_, place, sealed).status().code(), Code::kInternal);
  // A vault record whose id and KEK disagree cannot open either.
  VaultInfo mixed = vault_;
  mixed.wrapped_kek = other_.wrapped_kek;
  EXPECT_FALSE(barrier.open(mixed, place, sealed).ok());
  // Bytes read back from the store open like the original.
  EXPECT_EQ(barrier.open(vault_, place, Sealed::from_stored(std::string(sealed.bytes()))).value().view(), "hunter2");
  EXPECT_FALSE(barrier.open(vault_, place, Sealed::from_stored("not sealed")).ok());
}

// The associated data is the format records were sealed with before the
// barrier existed ("<vault id>/<collection>/<lowercased name>[/<version>]"):
// stored data stays readable.
TEST_F(BarrierTest, AssociatedDataKeepsTheStoredFormat) {
  EXPECT_EQ(ObjectPlace::secret_version("Db-Password", "abc").associated_data("vid"), "vid/secrets/db-password/abc");
  EXPECT_EQ(ObjectPlace::key_version("Sign", "def").associated_data("vid"), "vid/keys/sign/def");
  EXPECT_EQ(ObjectPlace::issuer_password("MyCA").associated_data("vid"), "vid/certificateissuers/myca");
  const std::string legacy =
      keyring_->seal(vault_.id, vault_.wrapped_kek, "old value", vault_.id + "/keys/sign/v9").value();
  Barrier barrier(*keyring_);
  EXPECT_EQ(barrier.open(vault_, ObjectPlace::key_version("SIGN", "v9"), Sealed::from_stored(legacy)).value().view(),
            "old value");
}

TEST_F(BarrierTest, BackupsOpenOnlyAsTheirKindUnderTheSameRoot) {
  Barrier barrier(*keyring_);
  const std::string blob = barrier.seal_backup("secret", "payload").value();
  EXPECT_EQ(barrier.open_backup("secret", blob).value().view(), "payload");
  EXPECT_FALSE(barrier.open_backup("key", blob).ok());
  crypto::Keyring other_root(crypto::random_bytes(32));
  EXPECT_FALSE(Barrier(other_root).open_backup("secret", blob).ok());
}

TEST_F(BarrierTest, NewVaultKeysAreBoundToTheirVault) {
  Barrier barrier(*keyring_);
  VaultInfo fresh = vault_;
  fresh.id = "fresh-vault-id";
  fresh.wrapped_kek = barrier.new_vault_kek(fresh.id).value();
  const auto place = ObjectPlace::secret_version("s", "v");
  Sealed sealed = barrier.seal(fresh, place, "x").value();
  EXPECT_EQ(barrier.open(fresh, place, sealed).value().view(), "x");
  VaultInfo impostor = fresh;
  impostor.id = vault_.id;  // the KEK was wrapped for another owner
  EXPECT_FALSE(barrier.open(impostor, place, sealed).ok());
}

}  // namespace
}  // namespace coffer::vault
