// IssuerKeyCache and OidcDiscoveryKeySource with a fake transport: caching
// with a TTL, refetch on an unknown kid (rate-limited), stale keys served
// while the issuer is down, OIDC discovery checks, JWKS files.
#include "auth/issuer_keys.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "../crypto/jws_test_keys.hpp"

namespace coffer::auth {
namespace {

using crypto::testing::TestKey;

const std::string kClusterIssuer = "https://oidc.example.test/cluster-1";

class FakeJwksSource : public OidcKeySource {
 public:
  Result<std::string> fetch_jwks(const std::string& issuer) override {
    ++calls;
    last_issuer = issuer;
    if (down) return Status(Code::kUnavailable, "connection refused");
    return document;
  }
  std::string document;
  bool down = false;
  int calls = 0;
  std::string last_issuer;
};

std::string jwks(std::initializer_list<std::pair<const TestKey*, std::string>> keys) {
  std::string out = R"({"keys":[)";
  bool first = true;
  for (const auto& [k, kid] : keys) {
    if (!first) out += ",";
    first = false;
    out += k->jwk_json(kid);
  }
  return out + "]}";
}

class IssuerKeyCacheTest : public ::testing::Test {
 protected:
  IssuerKeyCacheTest() { source_.document = jwks({{&k1_, "k1"}}); }
  TestKey k1_ = TestKey::rsa();
  TestKey k2_ = TestKey::ec();
  FakeJwksSource source_;
  ManualClock clock_{1'700'000'000};
  IssuerKeyCache cache_{source_, IssuerKeyOptions{3600, 30}, clock_};
};

TEST_F(IssuerKeyCacheTest, FetchesOnceAndCachesUntilTheTtl) {
  ASSERT_TRUE(cache_.find(kClusterIssuer, "k1").ok());
  ASSERT_TRUE(cache_.find(kClusterIssuer, "k1").ok());
  EXPECT_EQ(source_.calls, 1);
  EXPECT_EQ(source_.last_issuer, kClusterIssuer);
  clock_.advance(3600);
  ASSERT_TRUE(cache_.find(kClusterIssuer, "k1").ok());
  EXPECT_EQ(source_.calls, 2);
}

TEST_F(IssuerKeyCacheTest, UnknownKidRefetchesAtMostOncePerInterval) {
  ASSERT_TRUE(cache_.find(kClusterIssuer, "k1").ok());
  clock_.advance(31);
  source_.document = jwks({{&k1_, "k1"}, {&k2_, "k2"}});  // the issuer rotated in a new key
  auto k2 = cache_.find(kClusterIssuer, "k2");
  ASSERT_TRUE(k2.ok()) << k2.status().message();
  EXPECT_EQ(k2->key_type(), "EC");
  EXPECT_EQ(source_.calls, 2);
  // Made-up kids do not make the cache hammer the issuer.
  for (int i = 0; i < 5; ++i) {
    auto r = cache_.find(kClusterIssuer, "made-up-" + std::to_string(i));
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), Code::kUnauthorized);
  }
  EXPECT_EQ(source_.calls, 2);
  clock_.advance(30);
  EXPECT_FALSE(cache_.find(kClusterIssuer, "made-up").ok());
  EXPECT_EQ(source_.calls, 3);
}

TEST_F(IssuerKeyCacheTest, ServesStaleKeysWhileTheIssuerIsDown) {
  ASSERT_TRUE(cache_.find(kClusterIssuer, "k1").ok());
  source_.down = true;
  clock_.advance(7200);
  EXPECT_TRUE(cache_.find(kClusterIssuer, "k1").ok());
  EXPECT_EQ(source_.calls, 2);
}

TEST_F(IssuerKeyCacheTest, NoKeysAtAllIsUnavailableAndRetriedLater) {
  source_.down = true;
  auto r = cache_.find(kClusterIssuer, "k1");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kUnavailable);
  EXPECT_NE(r.status().message().find("connection refused"), std::string::npos);
  EXPECT_FALSE(cache_.find(kClusterIssuer, "k1").ok());
  EXPECT_EQ(source_.calls, 1);  // rate-limited
  source_.down = false;
  clock_.advance(30);
  EXPECT_TRUE(cache_.find(kClusterIssuer, "k1").ok());
}

TEST_F(IssuerKeyCacheTest, KidlessTokensNeedASingleKeySet) {
  EXPECT_TRUE(cache_.find(kClusterIssuer, "").ok());
  IssuerKeyCache other(source_, {}, clock_);
  source_.document = jwks({{&k1_, "k1"}, {&k2_, "k2"}});
  EXPECT_FALSE(other.find("https://two-keys.example.test", "").ok());
}

TEST(OidcDiscoveryKeySource, FollowsDiscoveryToTheJwks) {
  TestKey k = TestKey::rsa();
  std::vector<std::string> urls;
  OidcDiscoveryKeySource source(
      [&](const std::string& url) -> Result<std::string> {
        urls.push_back(url);
        if (url == kClusterIssuer + "/.well-known/openid-configuration") {
          return R"({"issuer":")" + kClusterIssuer + R"(/","jwks_uri":"https://keys.example.test/jwks"})";
        }
        if (url == "https://keys.example.test/jwks") return jwks({{&k, "a"}});
        return Status(Code::kUnavailable, "404");
      },
      {});
  auto doc = source.fetch_jwks(kClusterIssuer + "/");
  ASSERT_TRUE(doc.ok()) << doc.status().message();
  EXPECT_TRUE(parse_jwks(*doc).ok());
  EXPECT_EQ(urls, (std::vector<std::string>{kClusterIssuer + "/.well-known/openid-configuration",
                                            "https://keys.example.test/jwks"}));
}

TEST(OidcDiscoveryKeySource, RefusesForeignIssuerAndPlainHttpKeys) {
  auto with = [](std::string discovery) {
    return OidcDiscoveryKeySource([discovery](const std::string&) -> Result<std::string> { return discovery; }, {});
  };
  auto r = with(R"({"issuer":"https://evil.example.test","jwks_uri":"https://k/jwks"})").fetch_jwks(kClusterIssuer);
  EXPECT_EQ(r.status().code(), Code::kUnavailable);
  r = with(R"({"issuer":")" + kClusterIssuer + R"(","jwks_uri":"http://k/jwks"})").fetch_jwks(kClusterIssuer);
  EXPECT_EQ(r.status().code(), Code::kUnavailable);
  r = with("not json").fetch_jwks(kClusterIssuer);
  EXPECT_EQ(r.status().code(), Code::kUnavailable);
  r = with("{}").fetch_jwks("http://plain.example.test");
  EXPECT_EQ(r.status().code(), Code::kUnavailable);
}

TEST(OidcDiscoveryKeySource, ConfiguredFileReplacesTheNetwork) {
  TestKey k = TestKey::ec();
  const auto path = std::filesystem::temp_directory_path() / ("coffer-jwks-" + std::to_string(::getpid()) + ".json");
  { std::ofstream(path) << jwks({{&k, "file-key"}}); }
  int network = 0;
  OidcDiscoveryKeySource source(
      [&](const std::string&) -> Result<std::string> {
        ++network;
        return Status(Code::kUnavailable, "offline");
      },
      {{kClusterIssuer + "/", path.string()}});
  auto doc = source.fetch_jwks(kClusterIssuer);
  ASSERT_TRUE(doc.ok()) << doc.status().message();
  EXPECT_EQ(parse_jwks(*doc)->by_kid.count("file-key"), 1u);
  EXPECT_EQ(network, 0);
  std::filesystem::remove(path);
  EXPECT_EQ(source.fetch_jwks(kClusterIssuer).status().code(), Code::kUnavailable);
  EXPECT_FALSE(source.fetch_jwks("https://other.example.test").ok());
  EXPECT_EQ(network, 1);
}

}  // namespace
}  // namespace coffer::auth
