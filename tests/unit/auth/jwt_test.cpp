// Parsing of foreign JWTs and JWK Sets: shapes that must be refused, claim
// helpers, and JWKS documents with good, bad and foreign entries.
#include "auth/jwt.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "../crypto/jws_test_keys.hpp"
#include "common/base64.hpp"

namespace coffer::auth {
namespace {

using crypto::testing::TestKey;

std::string b64(const std::string& s) { return base64url_encode(s); }

TEST(CompactJws, SplitsAWellFormedToken) {
  const std::string token =
      b64(R"({"alg":"RS256","kid":"k1"})") + "." + b64(R"({"iss":"i","aud":["a","b"],"exp":5})") + "." + b64("sig");
  auto jws = parse_compact_jws(token);
  ASSERT_TRUE(jws.ok()) << jws.status().message();
  EXPECT_EQ(string_member(jws->header, "kid"), "k1");
  EXPECT_EQ(jws->signature, "sig");
  EXPECT_EQ(jws->signing_input, token.substr(0, token.rfind('.')));
  EXPECT_EQ(audience_claim(jws->claims), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(time_member(jws->claims, "exp"), 5);
  EXPECT_FALSE(time_member(jws->claims, "nbf"));
  EXPECT_FALSE(string_member(jws->claims, "exp"));  // not a string
}

TEST(CompactJws, RefusesMalformedTokens) {
  const std::string h = b64(R"({"alg":"RS256"})");
  const std::string c = b64(R"({"sub":"x"})");
  const std::vector<std::string> bad = {
      "",
      "abc",
      h + "." + c,                            // two parts
      h + "." + c + "." + b64("s") + ".x.y",  // JWE-like five parts
      h + "." + c + ".",                      // unsigned
      h + "." + c + ".!!",                    // signature not base64url
      b64("not json") + "." + c + "." + b64("s"),
      h + "." + b64("[1,2]") + "." + b64("s"),  // claims not an object
      "%%%." + c + "." + b64("s"),
      h + "." + c + "." + std::string(kMaxAssertionBytes, 'A'),  // too large
  };
  for (const auto& t : bad) {
    auto r = parse_compact_jws(t);
    EXPECT_FALSE(r.ok()) << t.substr(0, 60);
    if (!r.ok()) {
      EXPECT_EQ(r.status().code(), Code::kBadParameter);
    }
  }
}

TEST(Claims, AudienceAndTimes) {
  boost::json::object o{{"aud", "one"}, {"exp", 1.9e9}, {"nbf", "soon"}};
  EXPECT_EQ(audience_claim(o), std::vector<std::string>{"one"});
  EXPECT_EQ(time_member(o, "exp"), int64_t(1900000000));
  EXPECT_FALSE(time_member(o, "nbf"));
  o["aud"] = 7;
  EXPECT_TRUE(audience_claim(o).empty());
}

TEST(Jwks, ParsesKeysAndSkipsWhatCannotVerify) {
  TestKey rsa = TestKey::rsa();
  TestKey ec = TestKey::ec();
  const std::string doc = R"({"keys":[)" + rsa.jwk_json("r1") + "," + ec.jwk_json("e1") + "," + ec.jwk_json("") +
                          R"(,{"kty":"RSA","use":"enc","kid":"x","n":"AQAB","e":"AQAB"})"
                          R"(,{"kty":"oct","kid":"h","k":"c2VjcmV0"})"
                          R"(,{"kty":"RSA","kid":"short","n":"AQAB","e":"AQAB"},17]})";
  auto set = parse_jwks(doc);
  ASSERT_TRUE(set.ok()) << set.status().message();
  EXPECT_EQ(set->by_kid.size(), 2u);
  EXPECT_EQ(set->without_kid.size(), 1u);
  EXPECT_EQ(set->skipped, 4u);
  EXPECT_TRUE(set->by_kid.at("r1").verify("RS256", "a.b", rsa.sign("RS256", "a.b")));
  EXPECT_TRUE(set->by_kid.at("e1").verify("ES256", "a.b", ec.sign("ES256", "a.b")));
}

TEST(Jwks, RefusesDocumentsWithoutUsableKeys) {
  for (const std::string doc : {"", "[]", "{}", R"({"keys":{}})", R"({"keys":[]})",
                                R"({"keys":[{"kty":"oct","k":"c2VjcmV0"}]})", "{\"keys\":["}) {
    auto r = parse_jwks(doc);
    EXPECT_FALSE(r.ok()) << doc;
    if (!r.ok()) {
      EXPECT_EQ(r.status().code(), Code::kBadParameter);
    }
  }
  EXPECT_FALSE(parse_jwks(std::string(600 * 1024, ' ')).ok());
}

}  // namespace
}  // namespace coffer::auth
