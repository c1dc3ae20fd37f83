// UserSessions and AuthorizationGrants on a real SQLite store: sessions end
// at sign-out (with their refresh tokens), refresh tokens rotate and a
// replayed one revokes its family, everything dies with the user's
// credential generation; authorization codes need the right client,
// redirect URI and PKCE verifier and work once; device codes go pending →
// approved → redeemed once, with slow_down and expiry.
#include <gtest/gtest.h>

#include "auth/authorization_grants.hpp"
#include "auth/public_clients.hpp"
#include "auth/user_sessions.hpp"
#include "users_test_env.hpp"

namespace coffer::auth {
namespace {

class SignInTest : public UsersTest {
 protected:
  void SetUp() override {
    UsersTest::SetUp();
    sessions_ = std::make_unique<UserSessions>(*store_, *users_, clock_);
    grants_ = std::make_unique<AuthorizationGrants>(*store_, *users_, clock_);
    alice_ = users_->create("alice", "", kPassword).value().user;
  }
  void TearDown() override {
    grants_.reset();
    sessions_.reset();
    UsersTest::TearDown();
  }
  std::unique_ptr<UserSessions> sessions_;
  std::unique_ptr<AuthorizationGrants> grants_;
  User alice_;
};

constexpr std::string_view kVerifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";  // RFC 7636 appendix B

TEST_F(SignInTest, SessionsResumeUntilClosedAndCloseRevokesTheirRefreshTokens) {
  BrowserSession session = sessions_->open(alice_).value();
  EXPECT_EQ(stored_bytes().find(std::string(session.cookie.view())), std::string::npos);
  SignedIn resumed = sessions_->resume(session.cookie.view()).value();
  EXPECT_EQ(resumed.user.object_id, alice_.object_id);
  EXPECT_EQ(resumed.session_id, session.session_id);
  EXPECT_EQ(sessions_->resume("forged").status().code(), Code::kUnauthorized);

  SecureString rt = sessions_->issue_refresh(alice_, "cli", session.session_id).value();
  SecureString other = sessions_->issue_refresh(alice_, "cli", "").value();  // no browser session behind it
  ASSERT_TRUE(sessions_->close(session.cookie.view()).ok());
  EXPECT_EQ(sessions_->resume(session.cookie.view()).status().code(), Code::kUnauthorized);
  EXPECT_EQ(sessions_->redeem_refresh(rt.view(), "cli").status().reason(), "invalid_grant");
  EXPECT_TRUE(sessions_->redeem_refresh(other.view(), "cli").ok());
  EXPECT_TRUE(sessions_->close(session.cookie.view()).ok());  // again: nothing to do

  BrowserSession later = sessions_->open(alice_).value();
  clock_.advance(kBrowserSessionSeconds);
  EXPECT_EQ(sessions_->resume(later.cookie.view()).status().code(), Code::kUnauthorized);
}

TEST_F(SignInTest, RefreshTokensRotateAndAReplayRevokesTheFamily) {
  SecureString first = sessions_->issue_refresh(alice_, "cli", "").value();
  EXPECT_EQ(stored_bytes().find(std::string(first.view()).substr(66)), std::string::npos);
  EXPECT_EQ(sessions_->redeem_refresh(first.view(), "another-client").status().reason(), "invalid_grant");
  Refreshed second = sessions_->redeem_refresh(first.view(), "cli").value();
  EXPECT_EQ(second.signed_in.user.object_id, alice_.object_id);
  EXPECT_NE(second.refresh_token.view(), first.view());
  Refreshed third = sessions_->redeem_refresh(second.refresh_token.view(), "cli").value();
  // The first one again: a leak. The whole family ends, the newest token too.
  EXPECT_EQ(sessions_->redeem_refresh(first.view(), "cli").status().reason(), "invalid_grant");
  EXPECT_EQ(sessions_->redeem_refresh(third.refresh_token.view(), "cli").status().reason(), "invalid_grant");
  for (std::string_view bad : {"", "a.b.c", "garbage", "00000000000000000000000000000000.x.y"}) {
    EXPECT_EQ(sessions_->redeem_refresh(bad, "cli").status().reason(), "invalid_grant") << bad;
  }
  // Idle expiry.
  SecureString idle = sessions_->issue_refresh(alice_, "cli", "").value();
  SecureString forgotten = sessions_->issue_refresh(alice_, "cli", "").value();
  clock_.advance(kRefreshIdleSeconds);
  EXPECT_EQ(sessions_->redeem_refresh(idle.view(), "cli").status().reason(), "invalid_grant");
  EXPECT_EQ(sessions_->purge_expired().value(), 1);  // `forgotten`; `idle` went when it was refused
}

TEST_F(SignInTest, ACredentialChangeVoidsSessionsAndRefreshTokens) {
  BrowserSession session = sessions_->open(alice_).value();
  SecureString rt = sessions_->issue_refresh(alice_, "cli", "").value();
  ASSERT_TRUE(users_->revoke_sign_ins("alice").ok());
  EXPECT_EQ(sessions_->resume(session.cookie.view()).status().code(), Code::kUnauthorized);
  EXPECT_EQ(sessions_->redeem_refresh(rt.view(), "cli").status().reason(), "invalid_grant");
  const User now = users_->find("alice").value();
  SecureString fresh = sessions_->issue_refresh(now, "cli", "").value();
  ASSERT_TRUE(users_->remove("alice").ok());
  EXPECT_EQ(sessions_->redeem_refresh(fresh.view(), "cli").status().reason(), "invalid_grant");
}

TEST_F(SignInTest, AuthorizationCodesNeedClientRedirectAndVerifierAndWorkOnce) {
  EXPECT_EQ(pkce_s256_challenge(kVerifier), "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
  EXPECT_EQ(pkce_s256_challenge("short"), "");
  EXPECT_EQ(pkce_s256_challenge(std::string(43, '!')), "");
  const AuthorizationRequest req{"cli", "http://localhost:8400", pkce_s256_challenge(kVerifier), "openid", "n-0S6"};
  const SignedIn who{alice_, "sid"};
  AuthorizationRequest no_pkce = req;
  no_pkce.code_challenge = "plain";
  EXPECT_EQ(grants_->issue_code(no_pkce, who).status().code(), Code::kBadParameter);

  auto redeem = [&](std::string_view client, std::string_view redirect, std::string_view verifier) {
    SecureString code = grants_->issue_code(req, who).value();
    return grants_->redeem_code(code.view(), client, redirect, verifier);
  };
  EXPECT_EQ(redeem("other", "http://localhost:8400", kVerifier).status().reason(), "invalid_grant");
  EXPECT_EQ(redeem("cli", "http://localhost:9999", kVerifier).status().reason(), "invalid_grant");
  EXPECT_EQ(redeem("cli", "http://localhost:8400", std::string(kVerifier).replace(0, 1, "e")).status().reason(),
            "invalid_grant");

  SecureString code = grants_->issue_code(req, who).value();
  EXPECT_EQ(stored_bytes().find(std::string(code.view())), std::string::npos);
  GrantedSignIn granted = grants_->redeem_code(code.view(), "cli", "http://localhost:8400", kVerifier).value();
  EXPECT_EQ(granted.signed_in.user.object_id, alice_.object_id);
  EXPECT_EQ(granted.signed_in.session_id, "sid");
  EXPECT_EQ(granted.nonce, "n-0S6");
  EXPECT_EQ(granted.scope, "openid");
  EXPECT_EQ(grants_->redeem_code(code.view(), "cli", "http://localhost:8400", kVerifier).status().reason(),
            "invalid_grant");

  SecureString late = grants_->issue_code(req, who).value();
  clock_.advance(kAuthorizationCodeSeconds);
  EXPECT_EQ(grants_->redeem_code(late.view(), "cli", "http://localhost:8400", kVerifier).status().reason(),
            "invalid_grant");
}

TEST_F(SignInTest, DeviceCodesArePendingUntilApprovedAndRedeemOnce) {
  DeviceAuthorization device = grants_->start_device("cli", "https://vault/.default").value();
  ASSERT_EQ(device.user_code.size(), 9u);
  EXPECT_EQ(device.user_code[4], '-');
  EXPECT_EQ(grants_->poll_device(device.device_code.view(), "cli").status().reason(), "authorization_pending");
  EXPECT_EQ(grants_->poll_device(device.device_code.view(), "cli").status().reason(), "slow_down");
  EXPECT_EQ(grants_->poll_device(device.device_code.view(), "other").status().reason(), "bad_verification_code");
  EXPECT_EQ(grants_->poll_device("nonsense", "cli").status().reason(), "bad_verification_code");

  std::string lower = device.user_code;
  for (char& c : lower) c = char(std::tolower(static_cast<unsigned char>(c)));
  PendingDevice pending = grants_->find_device(lower).value();
  EXPECT_EQ(pending.client_id, "cli");
  EXPECT_EQ(grants_->find_device("AAAA-AAAA").status().code(), Code::kNotFound);  // vowels: never a code
  ASSERT_TRUE(grants_->approve_device(device.user_code, SignedIn{alice_, "sid"}).ok());
  EXPECT_EQ(grants_->approve_device(device.user_code, SignedIn{alice_, "sid"}).code(), Code::kNotFound);
  EXPECT_EQ(grants_->find_device(device.user_code).status().code(), Code::kNotFound);
  clock_.advance(kDevicePollSeconds);
  GrantedSignIn granted = grants_->poll_device(device.device_code.view(), "cli").value();
  EXPECT_EQ(granted.signed_in.user.object_id, alice_.object_id);
  EXPECT_EQ(granted.scope, "https://vault/.default");
  EXPECT_EQ(grants_->poll_device(device.device_code.view(), "cli").status().reason(), "bad_verification_code");

  DeviceAuthorization expired = grants_->start_device("cli", "s").value();
  clock_.advance(kDeviceCodeSeconds);
  EXPECT_EQ(grants_->find_device(expired.user_code).status().code(), Code::kNotFound);
  EXPECT_EQ(grants_->poll_device(expired.device_code.view(), "cli").status().reason(), "expired_token");
  DeviceAuthorization abandoned = grants_->start_device("cli", "s").value();
  clock_.advance(kDeviceCodeSeconds);
  EXPECT_EQ(grants_->purge_expired().value(), 1);  // the abandoned device code (its user code with it)
  EXPECT_EQ(stored_bytes().find("udev"), std::string::npos);
}

TEST(PublicClients, KnownClientsAndTheirRedirects) {
  const PublicClient* cli = find_public_client("04B07795-8DDB-461A-BBEE-02F9E1BF7B46");
  ASSERT_NE(cli, nullptr);
  EXPECT_EQ(find_public_client("00000000-0000-0000-0000-000000000000"), nullptr);
  EXPECT_EQ(find_public_client(""), nullptr);
  for (const char* ok :
       {"http://localhost:8400", "http://localhost", "http://127.0.0.1:50123/cb", "http://LOCALHOST:1/?x=1"}) {
    EXPECT_TRUE(redirect_allowed(*cli, ok, "https://coffer:8443")) << ok;
  }
  for (const char* bad :
       {"https://localhost:8400", "http://localhost.evil.com", "http://evil.com/http://localhost",
        "http://localhost@evil.com", "http://localhost:80800", "http://localhost:x", "http://localhost/#frag",
        "http://localhost/a b", "http://127.0.0.2", "javascript:alert(1)", "", "https://coffer:8443/console/"}) {
    EXPECT_FALSE(redirect_allowed(*cli, bad, "https://coffer:8443")) << bad;
  }
  const PublicClient* console = find_public_client(kConsoleClientId);
  ASSERT_NE(console, nullptr);
  EXPECT_TRUE(redirect_allowed(*console, "https://coffer:8443/console/", "https://coffer:8443"));
  EXPECT_FALSE(redirect_allowed(*console, "https://coffer:8443/console/x", "https://coffer:8443"));
  EXPECT_FALSE(redirect_allowed(*console, "http://localhost:8400", "https://coffer:8443"));
}

}  // namespace
}  // namespace coffer::auth
