// Percent-encoding (RFC 3986 unreserved characters kept) and form bodies.
#include "http/form_encoding.hpp"

#include <gtest/gtest.h>

#include <cctype>

namespace coffer::http {
namespace {

TEST(PercentEncode, KeepsUnreservedCharacters) {
  const std::string unreserved = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~";
  EXPECT_EQ(percent_encode(unreserved), unreserved);
  EXPECT_EQ(percent_encode(""), "");
}

TEST(PercentEncode, EncodesEverythingElseAsUpperCaseHex) {
  EXPECT_EQ(percent_encode(" "), "%20");  // not '+'
  EXPECT_EQ(percent_encode("+"), "%2B");
  EXPECT_EQ(percent_encode("a=b&c"), "a%3Db%26c");
  EXPECT_EQ(percent_encode("https://vault.example/.default"), "https%3A%2F%2Fvault.example%2F.default");
  EXPECT_EQ(percent_encode("%"), "%25");
  EXPECT_EQ(percent_encode("\xc3\xa9"), "%C3%A9");
  EXPECT_EQ(percent_encode(std::string("\x00\x7f\xff", 3)), "%00%7F%FF");
  EXPECT_EQ(percent_encode("!*'();:@$,/?#[]"), "%21%2A%27%28%29%3B%3A%40%24%2C%2F%3F%23%5B%5D");
}

TEST(PercentEncode, EveryByteRoundTrips) {
  for (int c = 0; c < 256; ++c) {
    const std::string in(1, static_cast<char>(c));
    const std::string out = percent_encode(in);
    if (out.size() == 1) {
      EXPECT_EQ(out, in);
      EXPECT_TRUE(std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') << c;
    } else {
      ASSERT_EQ(out.size(), 3u) << c;
      EXPECT_EQ(out[0], '%');
      EXPECT_EQ(std::stoi(out.substr(1), nullptr, 16), c);
      EXPECT_EQ(out.substr(1), [&] {
        std::string upper = out.substr(1);
        for (auto& ch : upper) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
        return upper;
      }());
    }
  }
}

TEST(FormEncode, JoinsEncodedPairs) {
  EXPECT_EQ(form_encode({}), "");
  EXPECT_EQ(form_encode({{"a", "b"}}), "a=b");
  EXPECT_EQ(form_encode({{"grant_type", "client_credentials"},
                         {"client_id", "app 1"},
                         {"scope", "https://kv.example/.default"},
                         {"client_secret", "p&ss=w+rd%"}}),
            "grant_type=client_credentials&client_id=app%201&scope=https%3A%2F%2Fkv.example%2F.default&"
            "client_secret=p%26ss%3Dw%2Brd%25");
}

TEST(FormEncode, EmptyNamesAndValuesAndOrderKept) {
  EXPECT_EQ(form_encode({{"", ""}}), "=");
  EXPECT_EQ(form_encode({{"a", ""}, {"", "b"}, {"a", "c"}}), "a=&=b&a=c");
}

TEST(FormEncode, LongValues) {
  const std::string value(10000, '/');
  std::string expected = "v=";
  for (int i = 0; i < 10000; ++i) expected += "%2F";
  EXPECT_EQ(form_encode({{"v", value}}), expected);
}

}  // namespace
}  // namespace coffer::http
