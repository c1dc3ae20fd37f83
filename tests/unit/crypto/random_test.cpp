#include "crypto/random.hpp"

#include <gtest/gtest.h>

#include <regex>
#include <set>

#include "common/base64.hpp"

namespace coffer::crypto {
namespace {

TEST(Random, BytesHaveRequestedSizeAndDiffer) {
  EXPECT_EQ(random_bytes(0).size(), 0u);
  EXPECT_EQ(random_bytes(1).size(), 1u);
  SecureString a = random_bytes(32), b = random_bytes(32);
  EXPECT_EQ(a.size(), 32u);
  EXPECT_NE(a.view(), b.view());
}

TEST(Random, VersionIdIs32LowercaseHex) {
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    std::string id = new_version_id();
    EXPECT_TRUE(std::regex_match(id, std::regex("^[0-9a-f]{32}$"))) << id;
    seen.insert(id);
  }
  EXPECT_EQ(seen.size(), 100u);
}

TEST(Random, GuidIsLowercaseV4) {
  const std::regex v4("^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$");
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    std::string g = new_guid();
    EXPECT_TRUE(std::regex_match(g, v4)) << g;
    seen.insert(g);
  }
  EXPECT_EQ(seen.size(), 100u);
}

TEST(Random, TokenIsBase64urlOfNBytes) {
  SecureString t = random_token(32);
  EXPECT_EQ(t.size(), 43u);
  EXPECT_TRUE(std::regex_match(t.str(), std::regex("^[A-Za-z0-9_-]+$"))) << t.str();
  auto raw = base64url_decode(t.view());
  ASSERT_TRUE(raw.has_value());
  EXPECT_EQ(raw->size(), 32u);
  EXPECT_NE(random_token(32).view(), t.view());
}

}  // namespace
}  // namespace coffer::crypto
