// hex_encode / hex_decode, and base64url written into an existing string
// (common/base64.hpp).
#include <gtest/gtest.h>

#include "common/base64.hpp"

namespace coffer {
namespace {

TEST(HexDecode, LowerAndUpperCase) {
  EXPECT_EQ(hex_decode(""), std::string());
  EXPECT_EQ(hex_decode("68756e74657232"), "hunter2");
  EXPECT_EQ(hex_decode("68756E74657232"), "hunter2");
  EXPECT_EQ(hex_decode("aBcD"), std::string("\xab\xcd", 2));
  EXPECT_EQ(hex_decode("00ff7F80"), std::string("\x00\xff\x7f\x80", 4));
}

TEST(HexDecode, RoundTripsEveryByte) {
  std::string all;
  for (int i = 0; i < 256; ++i) all += static_cast<char>(i);
  EXPECT_EQ(hex_decode(hex_encode(all)), all);
  EXPECT_EQ(hex_encode(all).size(), 512u);
}

TEST(HexDecode, RefusesOddLengthAndNonHex) {
  for (const std::string bad :
       {"0", "abc", "0g", "g0", "zz", "0x00", " 00", "00 ", "0 0", "00\n", "-1", "+1", "\xc3\xa9"}) {
    EXPECT_EQ(hex_decode(bad), std::nullopt) << bad;
  }
  EXPECT_EQ(hex_decode(std::string("\0\0", 2)), std::nullopt);
  // Every non-hex character is refused in either position.
  for (int c = 0; c < 256; ++c) {
    const bool hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    const std::string ch(1, static_cast<char>(c));
    EXPECT_EQ(hex_decode(ch + "0").has_value(), hex) << c;
    EXPECT_EQ(hex_decode("0" + ch).has_value(), hex) << c;
  }
}

TEST(HexEncode, IsLowerCase) {
  EXPECT_EQ(hex_encode("\xab\xcd\xef"), "abcdef");
  EXPECT_EQ(hex_encode(""), "");
}

TEST(Base64, AppendedAndSizedAsEncoded) {
  std::string bytes;
  for (int n = 0; n < 40; ++n) {
    std::string out = "prefix:";
    append_base64url(out, bytes);
    EXPECT_EQ(out, "prefix:" + base64url_encode(bytes)) << n;
    EXPECT_EQ(base64url_size(bytes.size()), base64url_encode(bytes).size()) << n;
    std::string padded = "prefix:";
    append_base64(padded, bytes);
    EXPECT_EQ(padded, "prefix:" + base64_encode(bytes)) << n;
    bytes += static_cast<char>(n * 37);
  }
}

}  // namespace
}  // namespace coffer
