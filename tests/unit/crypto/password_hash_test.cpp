#include "crypto/password_hash.hpp"

#include <gtest/gtest.h>

namespace coffer::crypto {
namespace {

TEST(PasswordHash, VerifiesTheRightPasswordOnly) {
  auto hash = hash_password("correct horse battery staple");
  ASSERT_TRUE(hash.ok()) << hash.status().message();
  EXPECT_EQ(hash->rfind("$argon2id$v=19$m=19456,t=2,p=1$", 0), 0u) << *hash;
  EXPECT_TRUE(verify_password("correct horse battery staple", *hash));
  EXPECT_FALSE(verify_password("correct horse battery stapl", *hash));
  EXPECT_FALSE(verify_password("", *hash));
}

TEST(PasswordHash, SaltMakesHashesDiffer) {
  auto a = hash_password("pw");
  auto b = hash_password("pw");
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(*a, *b);
  EXPECT_TRUE(verify_password("pw", *a));
  EXPECT_TRUE(verify_password("pw", *b));
}

TEST(PasswordHash, EmptyAndBinaryPasswords) {
  auto empty = hash_password("");
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(verify_password("", *empty));
  const std::string binary("a\0b", 3);
  auto bin = hash_password(binary);
  ASSERT_TRUE(bin.ok());
  EXPECT_TRUE(verify_password(binary, *bin));
  EXPECT_FALSE(verify_password("a", *bin));
}

TEST(PasswordHash, MalformedEncodingIsFalse) {
  auto hash = hash_password("pw");
  ASSERT_TRUE(hash.ok());
  EXPECT_FALSE(verify_password("pw", ""));
  EXPECT_FALSE(verify_password("pw", "garbage"));
  EXPECT_FALSE(verify_password("pw", hash->substr(0, hash->size() - 5)));
  EXPECT_FALSE(verify_password("pw", hash->substr(0, 20)));
  std::string argon2i = *hash;
  argon2i.replace(0, 9, "$argon2i");
  EXPECT_FALSE(verify_password("pw", argon2i));
  EXPECT_FALSE(verify_password("pw", *hash + std::string(1, '\0')));
  // Parameters are part of the hash: changed ones do not verify, absurd ones are refused unrun.
  for (const char* m : {"m=19455", "m=4294967295", "m=x"}) {
    std::string changed = *hash;
    changed.replace(changed.find("m=19456"), 7, m);
    EXPECT_FALSE(verify_password("pw", changed)) << m;
  }
}

}  // namespace
}  // namespace coffer::crypto
