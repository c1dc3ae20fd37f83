// UserRegistry on a real SQLite store: names are unique without case,
// passwords are stored only hashed, a wrong password and a wrong code both
// count toward the lockout, a locked account refuses even the right
// password until the lock runs out, TOTP codes work once, MFA is asked for
// after the right password only, and resets raise the credential generation.
#include "auth/users.hpp"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace coffer::auth
