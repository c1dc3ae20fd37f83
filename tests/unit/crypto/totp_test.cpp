#include "crypto/totp.hpp"

#include <gtest/gtest.h>

namespace coffer::crypto {
namespace {

constexpr std::string_view kRfcSecret = "12345678901234567890";  // RFC 6238 appendix B, SHA-1

TEST(Totp, MatchesRfc6238Vectors) {
  // The RFC lists 8 digits; the last 6 are the 6-digit codes.
  EXPECT_EQ(totp_code(kRfcSecret, 59 / kTotpStepSeconds), "287082");
  EXPECT_EQ(totp_code(kRfcSecret, 1111111109 / kTotpStepSeconds), "081804");
  EXPECT_EQ(totp_code(kRfcSecret, 1234567890 / kTotpStepSeconds), "005924");
  EXPECT_EQ(totp_code(kRfcSecret, 2000000000 / kTotpStepSeconds), "279037");
}

TEST(Totp, AcceptsOneStepEitherSideOnce) {
  const int64_t now = 1234567890;
  const int64_t step = now / kTotpStepSeconds;
  EXPECT_EQ(totp_match(kRfcSecret, totp_code(kRfcSecret, step), now, 0), step);
  EXPECT_EQ(totp_match(kRfcSecret, totp_code(kRfcSecret, step - 1), now, 0), step - 1);
  EXPECT_EQ(totp_match(kRfcSecret, totp_code(kRfcSecret, step + 1), now, 0), step + 1);
  EXPECT_FALSE(totp_match(kRfcSecret, totp_code(kRfcSecret, step - 2), now, 0));
  EXPECT_FALSE(totp_match(kRfcSecret, totp_code(kRfcSecret, step + 2), now, 0));
  // Replay: a step already used (or an earlier one) is refused.
  EXPECT_FALSE(totp_match(kRfcSecret, totp_code(kRfcSecret, step), now, step));
  EXPECT_FALSE(totp_match(kRfcSecret, totp_code(kRfcSecret, step - 1), now, step - 1));
}

TEST(Totp, RefusesMalformedCodes) {
  const int64_t now = 59;
  EXPECT_FALSE(totp_match(kRfcSecret, "", now, -1));
  EXPECT_FALSE(totp_match(kRfcSecret, "28708", now, -1));
  EXPECT_FALSE(totp_match(kRfcSecret, "2870820", now, -1));
  EXPECT_FALSE(totp_match(kRfcSecret, "28708x", now, -1));
  EXPECT_FALSE(totp_match("another secret......", "287082", now, -1));
}

TEST(Totp, Base32HasNoPadding) {
  EXPECT_EQ(base32_encode(kRfcSecret).view(), "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
  EXPECT_EQ(base32_encode("f").view(), "MY");  // RFC 4648 §10 without "======"
  EXPECT_EQ(base32_encode("fooba").view(), "MZXW6YTB");
  EXPECT_EQ(base32_encode("").view(), "");
}

}  // namespace
}  // namespace coffer::crypto
