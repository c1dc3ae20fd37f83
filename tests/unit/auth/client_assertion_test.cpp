// Workload identity end to end below HTTP: federated and certificate
// credentials in a real store, and ClientAssertionVerifier accepting good
// assertions and refusing every kind of bad one with Azure AD's error.
#include "auth/client_assertion.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <filesystem>

#include "../crypto/jws_test_keys.hpp"
#include "common/base64.hpp"
#include "store/store.hpp"

namespace coffer::auth {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
using crypto::testing::TestKey;

const std::string kIssuer = "https://oidc.example.test/cluster-1";
const std::string kSubject = "system:serviceaccount:payments:api";
const std::vector<std::string> kEndpoints = {"https://localhost:8443/tenant/oauth2/v2.0/token",
                                             "https://localhost:8443/adfs/oauth2/token"};

class FakeKeySource : public OidcKeySource {
 public:
  Result<std::string> fetch_jwks(const std::string&) override {
    ++calls;
    if (down) return Status(Code::kUnavailable, "connection refused");
    return document;
  }
  std::string document;
  bool down = false;
  int calls = 0;
};

const TestKey& issuer_rsa() {
  static const TestKey k = TestKey::rsa();
  return k;
}
const TestKey& issuer_ec() {
  static const TestKey k = TestKey::ec();
  return k;
}

class AssertionTest : public ::testing::Test {
 protected:
  AssertionTest() {
    std::string tmpl = (fs::temp_directory_path() / "coffer-wi-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp");
    dir_ = tmpl;
    store_ = std::move(store::open_sqlite_store({(dir_ / "db").string()}).value());
    principals_ = std::make_unique<ServicePrincipalRegistry>(*store_, clock_, "tenant");
    creds_ = std::make_unique<WorkloadCredentialRegistry>(*store_, clock_);
    keys_ = std::make_unique<IssuerKeyCache>(source_, IssuerKeyOptions{}, clock_);
    verifier_ = std::make_unique<ClientAssertionVerifier>(*principals_, *creds_, *keys_, clock_);
    source_.document = R"({"keys":[)" + issuer_rsa().jwk_json("rsa-1") + "," + issuer_ec().jwk_json("ec-1") + "]}";
    app_ = principals_->create("workload").value().principal;
  }
  ~AssertionTest() override {
    verifier_.reset();
    keys_.reset();
    creds_.reset();
    principals_.reset();
    store_.reset();
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  void add_federated(std::vector<std::string> audiences = {}) {
    FederatedCredential c{"payments-api", kIssuer, kSubject, std::move(audiences), "", 0};
    auto r = creds_->add_federated(app_.app_id, c);
    ASSERT_TRUE(r.ok()) << r.status().message();
  }

  json::object claims(int64_t exp_in = 600) const {
    const int64_t now = clock_.now();
    return json::object{{"iss", kIssuer}, {"sub", kSubject}, {"aud", json::array{kTokenExchangeAudience}},
                        {"iat", now},     {"nbf", now},      {"exp", now + exp_in}};
  }
  static std::string sign(const TestKey& key, const std::string& alg, const std::string& kid, const json::object& c) {
    json::object header{{"alg", alg}, {"typ", "JWT"}};
    if (!kid.empty()) header["kid"] = kid;
    return key.token(alg, json::serialize(header), json::serialize(c));
  }
  std::string federated_token(json::object c) const { return sign(issuer_rsa(), "RS256", "rsa-1", c); }

  Result<Principal> present(const std::string& token, const std::string& client_id = "") {
    return verifier_->authenticate(client_id.empty() ? app_.app_id : client_id, token, kEndpoints);
  }

  static void expect_refused(const Result<Principal>& r, Code code, const std::string& aadsts, const char* what) {
    ASSERT_FALSE(r.ok()) << what;
    EXPECT_EQ(r.status().code(), code) << what << ": " << r.status().message();
    EXPECT_EQ(r.status().message().rfind(aadsts, 0), 0u) << what << ": " << r.status().message();
  }

  fs::path dir_;
  ManualClock clock_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<ServicePrincipalRegistry> principals_;
  std::unique_ptr<WorkloadCredentialRegistry> creds_;
  FakeKeySource source_;
  std::unique_ptr<IssuerKeyCache> keys_;
  std::unique_ptr<ClientAssertionVerifier> verifier_;
  Principal app_;
};

// ---- federated credentials: the registry ----

TEST_F(AssertionTest, FederatedCredentialsAreValidatedAndLimited) {
  auto bad = [&](FederatedCredential c, Code code, const char* what) {
    auto r = creds_->add_federated(app_.app_id, c);
    ASSERT_FALSE(r.ok()) << what;
    EXPECT_EQ(r.status().code(), code) << what << ": " << r.status().message();
  };
  bad({"ok-name", "http://plain.example.test", kSubject, {}, "", 0}, Code::kBadParameter, "http issuer");
  bad({"ok-name", "https://", kSubject, {}, "", 0}, Code::kBadParameter, "no host");
  bad({"ok-name", kIssuer + "?x=1", kSubject, {}, "", 0}, Code::kBadParameter, "query");
  bad({"ok-name", kIssuer, "", {}, "", 0}, Code::kBadParameter, "empty subject");
  bad({"ok-name", kIssuer, "a\nb", {}, "", 0}, Code::kBadParameter, "control character");
  bad({"ab", kIssuer, kSubject, {}, "", 0}, Code::kBadParameter, "short name");
  bad({"-leading", kIssuer, kSubject, {}, "", 0}, Code::kBadParameter, "leading dash");
  bad({"has/slash", kIssuer, kSubject, {}, "", 0}, Code::kBadParameter, "slash");
  bad({"ok-name", kIssuer, kSubject, {""}, "", 0}, Code::kBadParameter, "empty audience");
  auto missing =
      creds_->add_federated("00000000-0000-4000-8000-000000000000", {"ok-name", kIssuer, kSubject, {}, "", 0});
  EXPECT_EQ(missing.status().code(), Code::kNotFound);

  auto first = creds_->add_federated(app_.app_id, {"fic-0", kIssuer, kSubject, {}, "", 0});
  ASSERT_TRUE(first.ok()) << first.status().message();
  EXPECT_EQ(first->audiences, std::vector<std::string>{kTokenExchangeAudience});
  bad({"fic-0", kIssuer, "other", {}, "", 0}, Code::kConflict, "name in use");
  bad({"fic-x", kIssuer, kSubject, {}, "", 0}, Code::kConflict, "same issuer and subject");
  for (int i = 1; i < 20; ++i) {
    ASSERT_TRUE(
        creds_
            ->add_federated(app_.app_id,
                            {"fic-" + std::to_string(i), kIssuer, "s" + std::to_string(i), {"aud-a", "aud-b"}, "", 0})
            .ok());
  }
  bad({"fic-20", kIssuer, "s20", {}, "", 0}, Code::kBadParameter, "21st credential");
  auto list = creds_->list_federated(app_.app_id);
  ASSERT_TRUE(list.ok());
  EXPECT_EQ(list->size(), 20u);
  EXPECT_EQ(creds_->find_federated(app_.app_id, "fic-3")->audiences, (std::vector<std::string>{"aud-a", "aud-b"}));
  EXPECT_TRUE(creds_->remove_federated(app_.app_id, "fic-3").ok());
  EXPECT_EQ(creds_->remove_federated(app_.app_id, "fic-3").code(), Code::kNotFound);
  EXPECT_EQ(creds_->list_federated(app_.app_id)->size(), 19u);

  // Deleting the principal deletes its credentials.
  ASSERT_TRUE(principals_->remove(app_.app_id).ok());
  EXPECT_EQ(creds_->list_federated(app_.app_id).status().code(), Code::kNotFound);
  int left = 0;
  ASSERT_TRUE(store_
                  ->read([&](store::ReadTxn& txn) -> Status {
                    auto entries = txn.scan("spcred/", "", 100);
                    left = entries.ok() ? int(entries->size()) : -1;
                    return Status::Ok();
                  })
                  .ok());
  EXPECT_EQ(left, 0);
}

// ---- federated credentials: assertions ----

TEST_F(AssertionTest, GoodFederatedTokensAreAccepted) {
  add_federated();
  auto who = present(federated_token(claims()));
  ASSERT_TRUE(who.ok()) << who.status().message();
  EXPECT_EQ(who->app_id, app_.app_id);
  EXPECT_EQ(who->object_id, app_.object_id);
  // ES256 from the same issuer, a string aud, no nbf.
  json::object c = claims();
  c["aud"] = kTokenExchangeAudience;
  c.erase("nbf");
  auto es = present(sign(issuer_ec(), "ES256", "ec-1", c));
  ASSERT_TRUE(es.ok()) << es.status().message();
  EXPECT_EQ(source_.calls, 1);  // keys cached
}

TEST_F(AssertionTest, CustomAudiencesReplaceTheDefault) {
  add_federated({"api://coffer", "https://coffer.example.test"});
  json::object c = claims();
  c["aud"] = json::array{"something-else", "https://coffer.example.test"};
  EXPECT_TRUE(present(federated_token(c)).ok());
  expect_refused(present(federated_token(claims())), Code::kBadParameter, "AADSTS70021", "default audience");
}

TEST_F(AssertionTest, MismatchedIssuerSubjectOrAudienceFindsNoRecord) {
  add_federated();
  for (auto [claim, value] : {std::pair{"iss", kIssuer + "-other"}, std::pair{"sub", kSubject + "x"},
                              std::pair{"aud", std::string("api://other")}}) {
    json::object c = claims();
    c[claim] = value;
    expect_refused(present(federated_token(c)), Code::kBadParameter, "AADSTS70021", claim);
  }
  json::object c = claims();
  c.erase("aud");
  expect_refused(present(federated_token(c)), Code::kBadParameter, "AADSTS70021", "no aud");
  // Nothing was fetched for tokens that match no credential.
  EXPECT_EQ(source_.calls, 0);
  // An unknown client id looks exactly like a client without the credential.
  expect_refused(present(federated_token(claims()), "00000000-0000-4000-8000-000000000000"), Code::kBadParameter,
                 "AADSTS70021", "unknown client");
}

TEST_F(AssertionTest, ExpiredAndNotYetValidTokensAreRefused) {
  add_federated();
  expect_refused(present(federated_token(claims(-301))), Code::kUnauthorized, "AADSTS700024", "expired");
  EXPECT_TRUE(present(federated_token(claims(-200))).ok());  // within the 5-minute skew
  json::object c = claims();
  c["nbf"] = clock_.now() + 400;
  c["exp"] = clock_.now() + 1000;
  expect_refused(present(federated_token(c)), Code::kUnauthorized, "AADSTS700024", "not yet valid");
  c = claims();
  c.erase("exp");
  expect_refused(present(federated_token(c)), Code::kBadParameter, "AADSTS50027", "no exp");
}

TEST_F(AssertionTest, BadSignaturesAndUnknownKeysAreRefused) {
  add_federated();
  TestKey impostor = TestKey::rsa();
  expect_refused(present(sign(impostor, "RS256", "rsa-1", claims())), Code::kUnauthorized, "AADSTS50013",
                 "foreign key, real kid");
  expect_refused(present(sign(impostor, "RS256", "nobody", claims())), Code::kUnauthorized, "AADSTS50013",
                 "unknown kid");
  // Tampered claims keep the original signature.
  std::string good = federated_token(claims());
  json::object c = claims();
  c["exp"] = clock_.now() + 999999;
  const std::string forged =
      good.substr(0, good.find('.') + 1) + base64url_encode(json::serialize(c)) + good.substr(good.rfind('.'));
  expect_refused(present(forged), Code::kUnauthorized, "AADSTS50013", "tampered");
  // An RSA kid with an ECDSA algorithm (algorithm confusion).
  expect_refused(present(sign(issuer_ec(), "ES256", "rsa-1", claims())), Code::kUnauthorized, "AADSTS50013",
                 "alg/key mismatch");
  EXPECT_LE(source_.calls, 2);  // one fetch, one rate-limited refresh for the unknown kid
}

TEST_F(AssertionTest, NoneAndHmacAreRefused) {
  add_federated();
  const std::string body = base64url_encode(json::serialize(claims()));
  const std::string none = base64url_encode(R"({"alg":"none","kid":"rsa-1"})") + "." + body + ".";
  expect_refused(present(none), Code::kBadParameter, "AADSTS50027", "alg none, empty signature");
  const std::string none_sig = base64url_encode(R"({"alg":"none","kid":"rsa-1"})") + "." + body + ".c2ln";
  expect_refused(present(none_sig), Code::kBadParameter, "AADSTS50027", "alg none");
  // HS256 "signed" with the issuer's public key as the HMAC secret.
  const std::string hs =
      base64url_encode(R"({"alg":"HS256","kid":"rsa-1"})") + "." + body + "." + base64url_encode(std::string(32, 'x'));
  expect_refused(present(hs), Code::kBadParameter, "AADSTS50027", "HS256");
  EXPECT_EQ(source_.calls, 0);
}

TEST_F(AssertionTest, MalformedAssertionsAreInvalidRequests) {
  add_federated();
  for (const std::string& t : std::vector<std::string>{"", "abc", "a.b", "a.b.c", "...", std::string(20000, 'a')}) {
    expect_refused(present(t), Code::kBadParameter, "AADSTS50027", t.substr(0, 10).c_str());
  }
  json::object c = claims();
  c.erase("sub");
  expect_refused(present(federated_token(c)), Code::kBadParameter, "AADSTS50027", "no sub");
  expect_refused(verifier_->authenticate("", federated_token(claims()), kEndpoints), Code::kBadParameter,
                 "AADSTS900144", "no client_id");
}

TEST_F(AssertionTest, UnreachableIssuerIsUnavailable) {
  add_federated();
  source_.down = true;
  auto r = present(federated_token(claims()));
  expect_refused(r, Code::kUnavailable, "AADSTS50166", "issuer down");
  EXPECT_EQ(r.status().reason(), "temporarily_unavailable");
}

// ---- certificate credentials ----

class CertificateAssertionTest : public AssertionTest {
 protected:
  CertificateAssertionTest() : cert_pem_(client_key_.self_signed_pem("workload-client")) {}

  std::string add_cert() {
    auto c = creds_->add_certificate(app_.app_id, cert_pem_);
    if (!c.ok()) ADD_FAILURE() << c.status().message();
    return c.ok() ? c->thumbprint : "";
  }
  json::object cert_claims() const {
    const int64_t now = clock_.now();
    return json::object{{"iss", app_.app_id},  {"sub", app_.app_id}, {"aud", kEndpoints[1]},
                        {"jti", "8f3e0d6a-1"}, {"nbf", now},         {"exp", now + 600}};
  }
  std::string cert_token(const json::object& c, const std::string& alg = "RS256", bool s256 = false,
                         const TestKey* key = nullptr) const {
    auto info = crypto::parse_certificate(cert_pem_).value();
    json::object header{{"alg", alg}, {"typ", "JWT"}};
    if (s256)
      header["x5t#S256"] = base64url_encode(info.sha256);
    else
      header["x5t"] = base64url_encode(info.sha1);
    return (key ? *key : client_key_).token(alg, json::serialize(header), json::serialize(c));
  }

  TestKey client_key_ = TestKey::rsa();
  std::string cert_pem_;
};

TEST_F(CertificateAssertionTest, RegisteredCertificateAuthenticates) {
  const std::string thumbprint = add_cert();
  ASSERT_EQ(thumbprint.size(), 40u);
  auto listed = creds_->list_certificates(app_.app_id);
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_NE((*listed)[0].subject.find("workload-client"), std::string::npos);
  EXPECT_EQ(creds_->add_certificate(app_.app_id, cert_pem_).status().code(), Code::kConflict);

  for (auto [alg, s256] : {std::pair{"RS256", false}, std::pair{"RS256", true}, std::pair{"PS256", false}}) {
    auto who = verifier_->authenticate(app_.app_id, cert_token(cert_claims(), alg, s256), kEndpoints);
    ASSERT_TRUE(who.ok()) << alg << ": " << who.status().message();
    EXPECT_EQ(who->app_id, app_.app_id);
  }
  // client_id may be left out: the assertion's iss names the client.
  EXPECT_TRUE(verifier_->authenticate("", cert_token(cert_claims()), kEndpoints).ok());
  EXPECT_EQ(source_.calls, 0);

  ASSERT_TRUE(creds_->remove_certificate(app_.app_id, thumbprint).ok());
  expect_refused(verifier_->authenticate(app_.app_id, cert_token(cert_claims()), kEndpoints), Code::kUnauthorized,
                 "AADSTS700027", "removed certificate");
}

TEST_F(CertificateAssertionTest, EveryBadAssertionIsRefused) {
  add_cert();
  auto present_cert = [&](const std::string& t) { return verifier_->authenticate(app_.app_id, t, kEndpoints); };
  json::object c = cert_claims();
  c["aud"] = "https://login.microsoftonline.com/tenant/oauth2/v2.0/token";
  expect_refused(present_cert(cert_token(c)), Code::kUnauthorized, "AADSTS50013", "wrong audience");
  c = cert_claims();
  c.erase("jti");
  expect_refused(present_cert(cert_token(c)), Code::kBadParameter, "AADSTS50027", "no jti");
  c = cert_claims();
  c["exp"] = clock_.now() - 400;
  expect_refused(present_cert(cert_token(c)), Code::kUnauthorized, "AADSTS700024", "expired");
  TestKey other = TestKey::rsa();
  expect_refused(present_cert(cert_token(cert_claims(), "RS256", false, &other)), Code::kUnauthorized, "AADSTS700027",
                 "signed by another key");
  TestKey unregistered = TestKey::rsa();
  auto info = crypto::parse_certificate(unregistered.self_signed_pem("stranger")).value();
  json::object header{{"alg", "RS256"}, {"x5t", base64url_encode(info.sha1)}};
  expect_refused(present_cert(unregistered.token("RS256", json::serialize(header), json::serialize(cert_claims()))),
                 Code::kUnauthorized, "AADSTS700027", "unregistered certificate");
  header = json::object{{"alg", "RS256"}};
  expect_refused(present_cert(client_key_.token("RS256", json::serialize(header), json::serialize(cert_claims()))),
                 Code::kBadParameter, "AADSTS50027", "no x5t");
  // The registered certificate expires.
  clock_.advance(2 * 86400);
  expect_refused(present_cert(cert_token(cert_claims())), Code::kUnauthorized, "AADSTS700027", "expired certificate");
}

TEST_F(CertificateAssertionTest, CertificatesAreValidated) {
  EXPECT_EQ(creds_->add_certificate(app_.app_id, "garbage").status().code(), Code::kBadParameter);
  EXPECT_EQ(creds_->add_certificate(app_.app_id, client_key_.self_signed_pem("old", -7200, -3600)).status().code(),
            Code::kBadParameter);
  EXPECT_EQ(creds_->add_certificate("00000000-0000-4000-8000-000000000000", cert_pem_).status().code(),
            Code::kNotFound);
  EXPECT_EQ(creds_->remove_certificate(app_.app_id, "ABCDEF").code(), Code::kNotFound);
}

}  // namespace
}  // namespace coffer::auth
