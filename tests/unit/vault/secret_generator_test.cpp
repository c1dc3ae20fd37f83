// The generator of rotated secret values: lengths, classes, exclusions,
// uniformity, encodings, and the specs it refuses up front.
#include "vault/secret_generator.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cctype>
#include <string>

#include "common/base64.hpp"

namespace coffer::vault {
namespace {

constexpr std::string_view kPunctuation = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";

bool has(std::string_view s, int (*is)(int)) {
  for (char c : s) {
    if (is(static_cast<unsigned char>(c))) return true;
  }
  return false;
}

TEST(SecretGeneratorTest, DefaultPasswordsHaveEveryClassAndOnlyPrintableAscii) {
  SecretGenerator g;
  ASSERT_TRUE(check_generator(g).ok());
  std::string previous;
  for (int i = 0; i < 200; ++i) {
    SecureString v = generate_secret(g);
    ASSERT_EQ(v.size(), 32u);
    EXPECT_TRUE(has(v.view(), std::islower) && has(v.view(), std::isupper) && has(v.view(), std::isdigit) &&
                has(v.view(), std::ispunct))
        << "requireEachIncludedType puts one of each class in";
    for (char c : v.view()) EXPECT_TRUE(std::isgraph(static_cast<unsigned char>(c))) << "no space unless asked for";
    EXPECT_NE(v.str(), previous);
    previous = v.str();
  }
}

TEST(SecretGeneratorTest, ExcludedCharactersAndClassesNeverAppear) {
  SecretGenerator g;
  g.length = 64;
  g.exclude_characters = "\"'\\`0Oo1lI";
  g.exclude_punctuation = false;
  g.exclude_uppercase = true;
  for (int i = 0; i < 300; ++i) {
    SecureString v = generate_secret(g);
    for (char c : v.view()) {
      EXPECT_EQ(g.exclude_characters.find(c), std::string::npos) << c;
      EXPECT_FALSE(std::isupper(static_cast<unsigned char>(c)));
    }
  }
  SecretGenerator spaced;
  spaced.length = 8;
  spaced.include_space = true;
  spaced.exclude_lowercase = spaced.exclude_uppercase = spaced.exclude_numbers = spaced.exclude_punctuation = true;
  EXPECT_EQ(generate_secret(spaced).str(), std::string(8, ' ')) << "the space is a class of its own";
}

TEST(SecretGeneratorTest, ShortPasswordsHoldOneOfEachRequiredClassInAnyPosition) {
  SecretGenerator g;
  g.length = 4;
  std::array<int, 4> digit_at{};
  for (int i = 0; i < 400; ++i) {
    SecureString v = generate_secret(g);
    int lower = 0, upper = 0, digit = 0, punct = 0;
    for (std::size_t j = 0; j < v.size(); ++j) {
      const auto c = static_cast<unsigned char>(v.view()[j]);
      lower += std::islower(c) ? 1 : 0;
      upper += std::isupper(c) ? 1 : 0;
      punct += kPunctuation.find(static_cast<char>(c)) != std::string_view::npos ? 1 : 0;
      if (std::isdigit(c)) {
        ++digit;
        ++digit_at[j];
      }
    }
    ASSERT_EQ(lower + upper + digit + punct, 4);
    EXPECT_TRUE(lower == 1 && upper == 1 && digit == 1 && punct == 1) << v.str();
  }
  for (int n : digit_at) EXPECT_GT(n, 50) << "shuffled: the digit is not always in one place";
}

TEST(SecretGeneratorTest, CharactersAreUniform) {
  SecretGenerator g;
  g.length = 1000;
  g.exclude_lowercase = g.exclude_uppercase = g.exclude_punctuation = true;
  g.require_each_included_type = false;
  std::array<int, 10> counts{};
  constexpr int kSamples = 20;
  for (int i = 0; i < kSamples; ++i) {
    const SecureString v = generate_secret(g);
    for (char c : v.view()) ++counts[static_cast<std::size_t>(c - '0')];
  }
  const double expected = kSamples * 1000 / 10.0;
  double chi2 = 0;
  for (int n : counts) chi2 += (n - expected) * (n - expected) / expected;
  EXPECT_LT(chi2, 40.0) << "9 degrees of freedom: 40 is exceeded with probability < 1e-5";
}

TEST(SecretGeneratorTest, RandomBytesInEachEncoding) {
  SecretGenerator g;
  g.type = SecretGenerator::Type::kRandomBytes;
  g.length = 48;
  for (const char* encoding : {"base64", "base64url", "hex"}) {
    g.encoding = encoding;
    ASSERT_TRUE(check_generator(g).ok()) << encoding;
    const std::string v = generate_secret(g).str();
    std::optional<std::string> bytes = g.encoding == "hex"      ? hex_decode(v)
                                       : g.encoding == "base64" ? base64_decode(v)
                                                                : base64url_decode(v);
    ASSERT_TRUE(bytes) << encoding << ": " << v;
    EXPECT_EQ(bytes->size(), 48u) << encoding;
    if (g.encoding == "base64url") {
      EXPECT_EQ(v.find_first_of("+/="), std::string::npos);
    }
  }
}

TEST(SecretGeneratorTest, SpecsThatCannotProduceAValueAreRefused) {
  const auto code = [](SecretGenerator g) { return check_generator(g).code(); };
  SecretGenerator g;
  g.length = 0;
  EXPECT_EQ(code(g), Code::kBadParameter);
  g.length = kMaxPasswordLength + 1;
  EXPECT_EQ(code(g), Code::kBadParameter);
  g.length = 3;
  EXPECT_EQ(code(g), Code::kBadParameter) << "four classes required, three characters";
  g.require_each_included_type = false;
  EXPECT_EQ(code(g), Code::kOk);
  SecretGenerator nothing;
  nothing.exclude_lowercase = nothing.exclude_uppercase = nothing.exclude_punctuation = true;
  nothing.exclude_characters = "0123456789";
  const Status st = check_generator(nothing);
  EXPECT_EQ(st.code(), Code::kBadParameter);
  EXPECT_NE(st.message().find("nothing is left"), std::string::npos) << st.message();
  SecretGenerator bytes;
  bytes.type = SecretGenerator::Type::kRandomBytes;
  bytes.encoding = "base32";
  EXPECT_EQ(code(bytes), Code::kBadParameter);
  bytes.encoding = "hex";
  bytes.length = kMaxRandomBytes + 1;
  EXPECT_EQ(code(bytes), Code::kBadParameter);
}

}  // namespace
}  // namespace coffer::vault
