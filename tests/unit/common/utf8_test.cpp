// UTF-8 repair: well-formed text passes unchanged; every byte that does not
// begin a well-formed sequence (stray continuation, overlong, surrogate,
// above U+10FFFF, truncated) becomes U+FFFD, so the result is always valid.
#include <gtest/gtest.h>

#include <cstdio>
#include <random>

#include "common/json_string.hpp"
#include "common/utf8.hpp"

namespace coffer::utf8 {
namespace {

const std::string kFffd = "\xEF\xBF\xBD";

TEST(Utf8, WellFormedTextIsValidAndUnchanged) {
  for (std::string s : {std::string(""), std::string("ascii"), std::string("\xC3\xA9t\xC3\xA9"),
                        std::string("\xE2\x82\xAC 100"), std::string("\xF0\x9F\x94\x91 key"),
                        std::string("\xED\x9F\xBF"), std::string("\xF4\x8F\xBF\xBF"), std::string(1, '\0')}) {
    EXPECT_TRUE(is_valid(s)) << s;
    EXPECT_EQ(repaired(s), s);
  }
}

TEST(Utf8, EachBadByteBecomesOneReplacement) {
  struct Case {
    std::string in, out;
  } cases[] = {
      {"x\xFF\xFEy", "x" + kFffd + kFffd + "y"},
      {"\x80", kFffd},                                      // stray continuation
      {"\xC0\xAF", kFffd + kFffd},                          // overlong '/'
      {"\xE0\x80\xAF", kFffd + kFffd + kFffd},              // overlong 3-byte
      {"\xED\xA0\x80", kFffd + kFffd + kFffd},              // surrogate U+D800
      {"\xF4\x90\x80\x80", kFffd + kFffd + kFffd + kFffd},  // above U+10FFFF
      {"\xF5\x80", kFffd + kFffd},
      {"\xE2\x82", kFffd + kFffd},  // truncated at the end
      {"\xE2\x82x", kFffd + kFffd + "x"},
      {"\xC3\xA9\xA9", "\xC3\xA9" + kFffd},
  };
  for (const auto& c : cases) {
    EXPECT_FALSE(is_valid(c.in)) << c.in;
    EXPECT_EQ(repaired(c.in), c.out);
    EXPECT_TRUE(is_valid(repaired(c.in)));
  }
}

TEST(Utf8, RandomBytesAlwaysRepairToValidText) {
  std::mt19937 rng(7);
  for (int i = 0; i < 2000; ++i) {
    std::string s(rng() % 24, '\0');
    for (char& c : s) c = static_cast<char>(rng());
    const std::string r = repaired(s);
    EXPECT_TRUE(is_valid(r));
    if (is_valid(s)) {
      EXPECT_EQ(r, s);
    }
  }
}

TEST(JsonString, InvalidBytesAreEscapedAsReplacement) {
  std::string out;
  append_json_string(out, "a\xFF\xC3\xA9\"b\xE2\x82");
  EXPECT_EQ(out, "\"a\\ufffd\xC3\xA9\\\"b\\ufffd\\ufffd\"");
  EXPECT_TRUE(is_valid(out));
  EXPECT_LE(out.size(), json_string_max_size("a\xFF\xC3\xA9\"b\xE2\x82"));
}

// Each ASCII byte alone, and between plain text on both sides (the runs of
// bytes that stand for themselves are copied whole): the escape JSON asks.
TEST(JsonString, EveryAsciiByteIsEscapedAsJsonAsks) {
  for (int b = 0; b < 0x80; ++b) {
    const char c = static_cast<char>(b);
    std::string expected;
    switch (c) {
      case '"': expected = "\\\""; break;
      case '\\': expected = "\\\\"; break;
      case '\n': expected = "\\n"; break;
      case '\r': expected = "\\r"; break;
      case '\t': expected = "\\t"; break;
      case '\b': expected = "\\b"; break;
      case '\f': expected = "\\f"; break;
      default: {
        if (b < 0x20) {
          char hex[8];
          std::snprintf(hex, sizeof hex, "\\u%04x", b);
          expected = hex;
        } else {
          expected = std::string(1, c);
        }
      }
    }
    std::string alone;
    append_json_string(alone, std::string(1, c));
    EXPECT_EQ(alone, "\"" + expected + "\"") << b;
    std::string between = "{";
    append_json_string(between, "plain " + std::string(1, c) + std::string(2, c) + " text");
    EXPECT_EQ(between, "{\"plain " + expected + expected + expected + " text\"") << b;
  }
}

TEST(JsonString, MixedTextKeepsItsOrder) {
  std::string out = "x";
  append_json_string(out, "");
  append_json_string(out, "a \xC3\xA9\"\x01\xF0\x9F\x94\x91z\xFF\\end");
  EXPECT_EQ(out, "x\"\"\"a \xC3\xA9\\\"\\u0001\xF0\x9F\x94\x91z\\ufffd\\\\end\"");
  EXPECT_TRUE(is_valid(out));
}

TEST(JsonString, ContentsAreTheLiteralWithoutItsQuotes) {
  for (std::string_view s : {"", "plain", "a \"b\" \\ \n", "\xFF\xC3\xA9"}) {
    std::string literal;
    append_json_string(literal, s);
    std::string contents = "[";
    append_json_string_contents(contents, s);
    EXPECT_EQ(contents, "[" + literal.substr(1, literal.size() - 2)) << s;
  }
}

}  // namespace
}  // namespace coffer::utf8
