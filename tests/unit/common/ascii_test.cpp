// ASCII case folding (common/ascii.hpp): comparisons ignore the case of A-Z
// only, and the prefix and suffix forms never read past either string.
#include "common/ascii.hpp"

#include <gtest/gtest.h>

namespace coffer {
namespace {

TEST(Ascii, EqualityIgnoresTheCaseOfLettersOnly) {
  EXPECT_TRUE(iequals_ascii("Dev.Vault.LOCALHOST", "dev.vault.localhost"));
  EXPECT_FALSE(iequals_ascii("dev-vault", "dev_vault"));
  EXPECT_FALSE(iequals_ascii("ab", "abc"));
  EXPECT_FALSE(iequals_ascii("\xc3\x89", "\xc3\xa9")) << "bytes outside A-Z are compared as they are";
}

TEST(Ascii, PrefixAndSuffix) {
  EXPECT_TRUE(istarts_with_ascii("Bearer abc", "bearer "));
  EXPECT_FALSE(istarts_with_ascii("Bear", "bearer "));
  EXPECT_TRUE(iends_with_ascii("Dev.Vault.Localhost", ".vault.localhost"));
  EXPECT_TRUE(iends_with_ascii("x", ""));
  EXPECT_FALSE(iends_with_ascii("vault.localhost", ".vault.localhost")) << "shorter than the suffix";
  EXPECT_FALSE(iends_with_ascii("dev.vault.localhost.evil", ".vault.localhost"));
}

TEST(Ascii, LowerAndUpper) {
  EXPECT_EQ(lower_ascii("AbC-9\xc3\x89"), "abc-9\xc3\x89");
  EXPECT_EQ(upper_ascii("aBc-9"), "ABC-9");
}

}  // namespace
}  // namespace coffer
