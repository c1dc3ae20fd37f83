#include "common/time_format.hpp"

#include <gtest/gtest.h>

namespace coffer {
namespace {

TEST(TimeFormat, FormatsUtcLikeAz) {
  EXPECT_EQ(to_iso8601(0), "1970-01-01T00:00:00+00:00");
  EXPECT_EQ(to_iso8601(1795806094), "2026-11-27T19:01:34+00:00");
  EXPECT_EQ(to_iso8601(951782400), "2000-02-29T00:00:00+00:00");
  EXPECT_EQ(to_iso8601(-1), "1969-12-31T23:59:59+00:00");
  EXPECT_EQ(to_iso8601(1795806094, UtcSuffix::kZ), "2026-11-27T19:01:34Z");
}

TEST(TimeFormat, ParsesCommonForms) {
  EXPECT_EQ(parse_iso8601("2026-11-27T19:01:34+00:00"), 1795806094);
  EXPECT_EQ(parse_iso8601("2026-11-27T19:01:34Z"), 1795806094);
  EXPECT_EQ(parse_iso8601("2026-11-27T19:01:34.123456Z"), 1795806094);
  EXPECT_EQ(parse_iso8601("2026-11-27 19:01:34"), 1795806094);
  EXPECT_EQ(parse_iso8601("2026-11-27T21:01:34+02:00"), 1795806094);
  EXPECT_EQ(parse_iso8601("2026-11-27T17:01:34-0200"), 1795806094);
  EXPECT_EQ(parse_iso8601("2026-11-27T19:01Z"), 1795806060);
  EXPECT_EQ(parse_iso8601("1970-01-01"), 0);
}

TEST(TimeFormat, RoundTrips) {
  for (int64_t t : {int64_t(0), int64_t(86399), int64_t(1700000000), int64_t(4102444800)}) {
    EXPECT_EQ(parse_iso8601(to_iso8601(t)), t) << t;
  }
}

TEST(TimeFormat, RejectsBadInput) {
  for (const char* s :
       {"", "2026", "2026-13-01", "2026-02-30", "2025-02-29", "2026-11-27T24:00:00Z", "2026-11-27T19:01:34+25:00",
        "2026-11-27T19:01:34X", "27/11/2026", "2026-11-27T", "2026-11-27T19:01:34."}) {
    EXPECT_FALSE(parse_iso8601(s).has_value()) << s;
  }
  EXPECT_TRUE(parse_iso8601("2024-02-29").has_value());
}

}  // namespace
}  // namespace coffer
