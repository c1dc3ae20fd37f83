// TokenService: issued tokens verify; every check (signature, issuer,
// audience, tenant, expiry, shape) rejects what it should.
#include "auth/token_service.hpp"

#include <gtest/gtest.h>

#include "common/base64.hpp"

namespace coffer::auth {
namespace {

class TokenServiceTest : public ::testing::Test {
 protected:
  TokenServiceTest()
      : tokens_(crypto::SigningKey::generate().value(), {"https://issuer/t/v2.0", "t", 3600, 900}, clock_) {}
  ManualClock clock_{1'700'000'000};
  TokenService tokens_;
  Principal p_{"t", "oid-1", "app-1", "name", ""};
};

TEST_F(TokenServiceTest, IssuedTokenVerifiesForItsAudience) {
  auto tok = tokens_.issue(p_, "https://vault.localhost:8443/").value();
  EXPECT_EQ(tok.expires_in, 3599);
  auto who = tokens_.verify(tok.access_token.view(), {"https://vault.localhost:8443"}).value();
  EXPECT_EQ(who->object_id, "oid-1");
  EXPECT_EQ(who->app_id, "app-1");
  EXPECT_EQ(who->tenant_id, "t");
}

TEST_F(TokenServiceTest, APersonsTokenNamesTheUserAndIsShortLived) {
  const Principal alice{"t", "oid-a", "04b07795-8ddb-461a-bbee-02f9e1bf7b46", "Alice A.", "alice@example.com"};
  auto tok = tokens_.issue(alice, "https://vault.localhost:8443").value();
  EXPECT_EQ(tok.expires_in, 899);
  auto who = tokens_.verify(tok.access_token.view(), {"https://vault.localhost:8443"}).value();
  EXPECT_EQ(who->user_name, "alice@example.com");
  EXPECT_EQ(who->display_name, "Alice A.");
  EXPECT_EQ(who->app_id, alice.app_id);
  clock_.advance(900 + 301);
  EXPECT_FALSE(tokens_.verify(tok.access_token.view(), {"https://vault.localhost:8443"}).ok());
  // An application's token names no user.
  auto app = tokens_.issue(p_, "https://a").value();
  EXPECT_EQ(tokens_.verify(app.access_token.view(), {"https://a"}).value()->user_name, "");
}

TEST_F(TokenServiceTest, IdTokensAreForTheClientAndNeverAccessTokens) {
  const Principal alice{"t", "oid-a", "client-guid", "Alice", "alice"};
  auto id = tokens_.issue_id_token(alice, "https://issuer/adfs", "nonce-1").value();
  const std::string text(id.access_token.view());
  const auto dot1 = text.find('.');
  const std::string claims = *base64url_decode(text.substr(dot1 + 1, text.find('.', dot1 + 1) - dot1 - 1));
  for (const char* part : {R"("aud":"client-guid")", R"("nonce":"nonce-1")", R"("iss":"https://issuer/adfs")",
                           R"("preferred_username":"alice")", R"("tid":"t")"}) {
    EXPECT_NE(claims.find(part), std::string::npos) << part;
  }
  for (const char* audience : {"client-guid", "https://issuer/t/v2.0", "https://a"}) {
    EXPECT_EQ(tokens_.verify(text, {audience}).status().code(), Code::kUnauthorized) << audience;
  }
  // Even with the access tokens' issuer and its own client id accepted as an audience.
  auto same_issuer = tokens_.issue_id_token(alice, "https://issuer/t/v2.0", "").value();
  EXPECT_EQ(tokens_.verify(same_issuer.access_token.view(), {"client-guid"}).status().code(), Code::kUnauthorized);
}

TEST_F(TokenServiceTest, WrongAudienceIsRejected) {
  auto tok = tokens_.issue(p_, "https://localhost:8443").value();
  auto r = tokens_.verify(tok.access_token.view(), {"https://vault.localhost:8443"});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kUnauthorized);
  EXPECT_NE(r.status().message().find("audience"), std::string::npos);
}

TEST_F(TokenServiceTest, AKnownTokenSharesItsPrincipalAndStillChecksTheAudience) {
  auto tok = tokens_.issue(p_, "https://vault.localhost:8443/").value();
  auto first = tokens_.verify(tok.access_token.view(), {"https://other", "https://vault.localhost:8443//"}).value();
  auto again = tokens_.verify(tok.access_token.view(), {"https://vault.localhost:8443"}).value();
  EXPECT_EQ(first.get(), again.get()) << "the cache's principal, not a copy";
  EXPECT_EQ(again->object_id, "oid-1");
  // Cached or not, the audience is checked on every call, trailing slashes aside.
  auto wrong = tokens_.verify(tok.access_token.view(), {"https://vault.localhost:9443/", "https://a"});
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.status().message(),
            "AKV10022: Invalid audience. Expected https://vault.localhost:9443, found: https://vault.localhost:8443.");
  EXPECT_FALSE(tokens_.verify(tok.access_token.view(), {}).ok());
}

TEST_F(TokenServiceTest, ExpiredTokenIsRejectedEvenWhenCached) {
  auto tok = tokens_.issue(p_, "https://a").value();
  ASSERT_TRUE(tokens_.verify(tok.access_token.view(), {"https://a"}).ok());
  clock_.advance(3600 + 301);
  auto r = tokens_.verify(tok.access_token.view(), {"https://a"});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("expired"), std::string::npos);
}

TEST_F(TokenServiceTest, TamperedOrForeignTokensAreRejected) {
  auto tok = std::string(tokens_.issue(p_, "https://a").value().access_token.view());
  auto dot1 = tok.find('.');
  auto dot2 = tok.find('.', dot1 + 1);
  // Claims rewritten to another principal, original signature kept.
  std::string claims = *base64url_decode(tok.substr(dot1 + 1, dot2 - dot1 - 1));
  claims.replace(claims.find("oid-1"), 5, "oid-2");
  std::string forged = tok.substr(0, dot1 + 1) + base64url_encode(claims) + tok.substr(dot2);
  EXPECT_EQ(tokens_.verify(forged, {"https://a"}).status().code(), Code::kUnauthorized);
  // Signed by another server's key.
  ManualClock c2{1'700'000'000};
  TokenService other(crypto::SigningKey::generate().value(), {"https://issuer/t/v2.0", "t", 3600, 900}, c2);
  auto foreign = other.issue(p_, "https://a").value();
  EXPECT_FALSE(tokens_.verify(foreign.access_token.view(), {"https://a"}).ok());
  // Other issuer / tenant with the same key is impossible to forge; check shapes.
  for (const std::string& bad :
       std::vector<std::string>{"", "abc", "a.b", "a.b.c.d", "e30.e30.", std::string(9000, 'a')}) {
    EXPECT_EQ(tokens_.verify(bad, {"https://a"}).status().code(), Code::kUnauthorized) << bad;
  }
}

TEST_F(TokenServiceTest, TokenForAnotherTenantIsRejected) {
  Principal stranger{"other-tenant", "o", "a", "n", ""};
  auto tok = tokens_.issue(stranger, "https://a").value();
  EXPECT_EQ(tokens_.verify(tok.access_token.view(), {"https://a"}).status().code(), Code::kUnauthorized);
}

TEST_F(TokenServiceTest, JwksPublishesTheKey) {
  auto jwks = tokens_.jwks_json();
  EXPECT_NE(jwks.find("\"kty\":\"RSA\""), std::string::npos);
  EXPECT_NE(jwks.find("\"e\":\"AQAB\""), std::string::npos);
}

}  // namespace
}  // namespace coffer::auth
