// UserRegistry on a real SQLite store: names are unique without case,
// passwords are stored only hashed, a wrong password and a wrong code both
// count toward the lockout, a locked account refuses even the right
// password until the lock runs out, TOTP codes work once, MFA is asked for
// after the right password only, and resets raise the credential generation.
#include "auth/users.hpp"

#include <gtest/gtest.h>

#include "common/ascii.hpp"
#include "crypto/totp.hpp"
#include "users_test_env.hpp"

namespace coffer::auth {
namespace {

TEST_F(UsersTest, CreatesFindsAndSignsIn) {
  auto made = users_->create("Alice@Example.com", "Alice A.", kPassword).value();
  EXPECT_TRUE(made.password.empty());
  EXPECT_EQ(made.user.user_name, "Alice@Example.com");
  EXPECT_EQ(users_->find("alice@example.COM").value().object_id, made.user.object_id);
  EXPECT_EQ(users_->find(made.user.object_id).value().user_name, "Alice@Example.com");
  EXPECT_EQ(users_->create("ALICE@example.com", "", kPassword).status().code(), Code::kConflict);
  EXPECT_EQ(stored_bytes().find(kPassword), std::string::npos);

  auto user = sign_in("alice@example.com", kPassword).value();
  const Principal p = users_->principal(user, "client-app");
  EXPECT_EQ(p.object_id, made.user.object_id);
  EXPECT_EQ(p.app_id, "client-app");
  EXPECT_EQ(p.user_name, "Alice@Example.com");
  EXPECT_EQ(p.display_name, "Alice A.");
  EXPECT_EQ(sign_in("alice@example.com", "wrong password!").status().code(), Code::kUnauthorized);
  EXPECT_EQ(sign_in("nobody", kPassword).status().code(), Code::kUnauthorized);
  EXPECT_EQ(users_->list().value().size(), 1u);
  ASSERT_TRUE(users_->remove("ALICE@EXAMPLE.COM").ok());
  EXPECT_EQ(users_->find("alice@example.com").status().code(), Code::kNotFound);
  EXPECT_EQ(sign_in("alice@example.com", kPassword).status().code(), Code::kUnauthorized);
}

TEST_F(UsersTest, RefusesBadNamesAndPasswords) {
  for (std::string_view name : {std::string_view(""), std::string_view("-alice"), std::string_view("al ice"),
                                std::string_view("al/ice"), std::string_view("bob\n"), std::string_view("a\0b", 3)}) {
    EXPECT_EQ(users_->create(name, "", kPassword).status().code(), Code::kBadParameter) << name;
  }
  EXPECT_EQ(users_->create(std::string(65, 'a'), "", kPassword).status().code(), Code::kBadParameter);
  EXPECT_EQ(users_->create("bob", "", "short").status().code(), Code::kBadParameter);
  EXPECT_EQ(users_->create("bob", "", std::string(257, 'x')).status().code(), Code::kBadParameter);
  EXPECT_EQ(users_->create("bob", "tab\there", kPassword).status().code(), Code::kBadParameter);
  // No password: one is generated, returned once, and works.
  auto made = users_->create("bob", "", "").value();
  EXPECT_GE(made.password.size(), 20u);
  EXPECT_EQ(made.user.display_name, "bob");
  EXPECT_TRUE(sign_in("bob", made.password.view()).ok());
}

TEST_F(UsersTest, LocksOutWithBackoffAndUnlocks) {
  users_->create("carol", "", kPassword).value();
  for (int i = 0; i < kLockoutThreshold; ++i) {
    EXPECT_EQ(sign_in("carol", "wrong password!").status().code(), Code::kUnauthorized);
  }
  auto locked = sign_in("carol", kPassword);  // the right password, refused while locked
  ASSERT_EQ(locked.status().code(), Code::kThrottled);
  EXPECT_EQ(locked.status().reason(), "30");
  clock_.advance(31);
  EXPECT_EQ(sign_in("carol", "wrong password!").status().code(), Code::kUnauthorized);  // sixth: 60 s
  EXPECT_EQ(sign_in("carol", kPassword).status().reason(), "60");
  clock_.advance(61);
  ASSERT_TRUE(sign_in("carol", kPassword).ok());  // success clears the count
  EXPECT_EQ(users_->find("carol").value().failed_sign_ins, 0);
  for (int i = 0; i < kLockoutThreshold; ++i) (void)sign_in("carol", "wrong password!");
  EXPECT_EQ(sign_in("carol", kPassword).status().code(), Code::kThrottled);
  ASSERT_TRUE(users_->unlock("carol").ok());
  EXPECT_TRUE(sign_in("carol", kPassword).ok());
}

TEST_F(UsersTest, TotpCodesWorkOnceAndCountFailures) {
  const User before = users_->create("dave", "", kPassword).value().user;
  SecureString secret = users_->enroll_totp("dave").value();
  EXPECT_EQ(secret.size(), crypto::kTotpSecretBytes);
  EXPECT_EQ(stored_bytes().find(std::string(secret.view())), std::string::npos);
  EXPECT_GT(users_->find("dave").value().generation, before.generation);
  EXPECT_TRUE(users_->find("dave").value().totp_enrolled);

  auto asked = sign_in("dave", kPassword);
  EXPECT_EQ(asked.status().code(), Code::kUnauthorized);
  EXPECT_EQ(asked.status().reason(), "MfaRequired");
  // Without the right password, no hint that a code is needed.
  EXPECT_EQ(sign_in("dave", "wrong password!").status().reason(), "");
  const std::string code = crypto::totp_code(secret.view(), clock_.now() / crypto::kTotpStepSeconds);
  EXPECT_TRUE(sign_in("dave", kPassword, code).ok());
  EXPECT_EQ(sign_in("dave", kPassword, code).status().reason(), "InvalidCode");  // used once
  EXPECT_EQ(sign_in("dave", kPassword, "000000").status().reason(), "InvalidCode");
  EXPECT_EQ(users_->find("dave").value().failed_sign_ins, 2);
  clock_.advance(crypto::kTotpStepSeconds);
  const std::string next = crypto::totp_code(secret.view(), clock_.now() / crypto::kTotpStepSeconds);
  EXPECT_TRUE(sign_in("dave", kPassword, next).ok());

  // Root-key rotation: the secret is sealed again and still opens.
  crypto::Keyring::RootKeys second;
  second.emplace(2, crypto::random_bytes(32));
  ASSERT_TRUE(keyring_->adopt(std::move(second), 2).ok());
  EXPECT_EQ(reseal_totp_secrets(*store_, *keyring_).value(), 1);
  EXPECT_EQ(reseal_totp_secrets(*store_, *keyring_).value(), 0);
  clock_.advance(crypto::kTotpStepSeconds);
  EXPECT_TRUE(
      sign_in("dave", kPassword, crypto::totp_code(secret.view(), clock_.now() / crypto::kTotpStepSeconds)).ok());

  ASSERT_TRUE(users_->disable_totp("dave").ok());
  EXPECT_TRUE(sign_in("dave", kPassword).ok());
}

TEST_F(UsersTest, ResetPasswordVoidsTheOldOneAndRaisesTheGeneration) {
  const User made = users_->create("erin", "", kPassword).value().user;
  for (int i = 0; i < kLockoutThreshold; ++i) (void)sign_in("erin", "wrong password!");
  SecureString generated = users_->reset_password("erin", "").value();
  EXPECT_FALSE(generated.empty());
  EXPECT_EQ(sign_in("erin", kPassword).status().code(), Code::kUnauthorized);
  const User now = sign_in("erin", generated.view()).value();
  EXPECT_EQ(now.generation, made.generation + 1);
  EXPECT_TRUE(users_->reset_password("erin", "another long password").value().empty());
  EXPECT_TRUE(sign_in("erin", "another long password").ok());
  EXPECT_EQ(users_->reset_password("nobody", "").status().code(), Code::kNotFound);
}

// Sessions, refresh tokens and codes find their user by object id, through
// the index user-id/<object id>: one user's record is read, not all of them.
// A corrupt record elsewhere shows it — a scan would stop at it.
TEST_F(UsersTest, LooksUpAnObjectIdThroughTheIndexAlone) {
  const User alice = users_->create("alice", "", kPassword).value().user;
  const User bob = users_->create("bob", "", kPassword).value().user;
  put("user/bob", "not a user record");
  EXPECT_EQ(users_->find(alice.object_id).value().user_name, "alice");
  EXPECT_EQ(users_->find(lower_ascii(alice.object_id)).value().user_name, "alice");
  EXPECT_EQ(users_->find(bob.object_id).status().code(), Code::kInternal);
  // Longer than any object id: no lookup, no scan.
  EXPECT_EQ(users_->find(std::string(65, 'a')).status().code(), Code::kNotFound);
}

TEST_F(UsersTest, RemovingAUserRemovesItsIndexEntry) {
  const User alice = users_->create("alice", "", kPassword).value().user;
  EXPECT_TRUE(get("user-id/" + lower_ascii(alice.object_id)).has_value());
  ASSERT_TRUE(users_->remove(alice.object_id).ok());
  EXPECT_EQ(stored_bytes(), "");
  EXPECT_EQ(users_->find(alice.object_id).status().code(), Code::kNotFound);
}

// Users made before the index (or by an older replica) are still found, by
// a scan, and index_user_object_ids() gives them their entries; an entry
// that names another user's record is not believed, and is mended; an
// entry of a user that is gone (removed by an older replica) is erased; a
// whole index is left as it is, without a commit.
TEST_F(UsersTest, UsersWithoutAnIndexEntryAreFoundAndIndexed) {
  const User alice = users_->create("alice", "", kPassword).value().user;
  const User bob = users_->create("bob", "", kPassword).value().user;
  const std::string alice_index = "user-id/" + lower_ascii(alice.object_id);
  const std::string bob_index = "user-id/" + lower_ascii(bob.object_id);
  erase(alice_index);
  put(bob_index, "user/alice");
  const std::string ghost_index = "user-id/5d3c6e4a-0000-4000-8000-000000000001";
  put(ghost_index, "user/ghost");
  EXPECT_EQ(users_->find(alice.object_id).value().user_name, "alice");
  EXPECT_EQ(users_->find(bob.object_id).value().user_name, "bob");
  EXPECT_EQ(users_->find("5d3c6e4a-0000-4000-8000-000000000001").status().code(), Code::kNotFound);

  EXPECT_EQ(index_user_object_ids(*store_).value(), 3);
  EXPECT_EQ(get(alice_index).value(), "user/alice");
  EXPECT_EQ(get(bob_index).value(), "user/bob");
  EXPECT_FALSE(get(ghost_index).has_value());
  const auto generation = store_->generation();
  EXPECT_EQ(index_user_object_ids(*store_).value(), 0);
  EXPECT_EQ(store_->generation(), generation) << "a whole index: nothing committed";
  put("user/carol", "not a user record");  // now only the index can find them
  EXPECT_EQ(users_->find(alice.object_id).value().user_name, "alice");
  EXPECT_EQ(users_->find(bob.object_id).value().user_name, "bob");
  EXPECT_EQ(index_user_object_ids(*store_).status().code(), Code::kInternal);  // a corrupt record is not skipped
}

}  // namespace
}  // namespace coffer::auth
