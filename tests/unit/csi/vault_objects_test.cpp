// What the provider reads from AKV-shaped bodies: one object version and a
// page of versions.
#include "csi/vault_objects.hpp"

#include <gtest/gtest.h>

#include "common/base64.hpp"
#include "csi/mount_errors.hpp"

namespace coffer::csi {
namespace {

template <typename T>
void expect_malformed(const Result<T>& r, const std::string& what) {
  ASSERT_FALSE(r.ok()) << "accepted: " << what;
  EXPECT_EQ(r.status().code(), Code::kInternal) << what;
  EXPECT_EQ(r.status().reason(), errors::kVaultUnavailable) << what << ": " << r.status().message();
}

// ---- secrets ----

TEST(ParseVaultObject, Secret) {
  auto o = parse_vault_object(ObjectType::kSecret,
                              R"({"value":"hunter2","id":"https://kv.vault.example/secrets/db/0123abcd",)"
                              R"("contentType":"text/plain","attributes":{"enabled":true},"tags":{}})");
  ASSERT_TRUE(o.ok()) << o.status().message();
  EXPECT_EQ(o->value.view(), "hunter2");
  EXPECT_EQ(o->version, "0123abcd");
  EXPECT_EQ(o->content_type, "text/plain");
  EXPECT_FALSE(o->certificate_backed);
  EXPECT_TRUE(o->certificate_der.empty());
  EXPECT_TRUE(o->public_key.kty.empty());
}

TEST(ParseVaultObject, SecretWithoutContentTypeAndEmptyValue) {
  auto o = parse_vault_object(ObjectType::kSecret, R"({"value":"","id":"https://kv/secrets/s/v9"})");
  ASSERT_TRUE(o.ok()) << o.status().message();
  EXPECT_EQ(o->value.view(), "");
  EXPECT_EQ(o->version, "v9");
  EXPECT_EQ(o->content_type, "");
}

TEST(ParseVaultObject, SecretValueEscapesAreDecoded) {
  auto o =
      parse_vault_object(ObjectType::kSecret, R"({"value":"a\"b\\c\n\u00e9\u0000","id":"https://kv/secrets/s/v"})");
  ASSERT_TRUE(o.ok()) << o.status().message();
  EXPECT_EQ(o->value.view(), std::string("a\"b\\c\n\xc3\xa9\0", 9));
}

TEST(ParseVaultObject, CertificateSecretCarriesKid) {
  auto o = parse_vault_object(
      ObjectType::kSecret, R"({"value":"MIIK","id":"https://kv/secrets/web/abc","contentType":"application/x-pkcs12",)"
                           R"("kid":"https://kv/keys/web/abc","managed":true})");
  ASSERT_TRUE(o.ok()) << o.status().message();
  EXPECT_TRUE(o->certificate_backed);
  EXPECT_EQ(o->content_type, "application/x-pkcs12");
  EXPECT_EQ(o->version, "abc");
  // An empty or non-string kid is no kid.
  o = parse_vault_object(ObjectType::kSecret, R"({"value":"x","id":"https://kv/secrets/s/v","kid":""})");
  ASSERT_TRUE(o.ok());
  EXPECT_FALSE(o->certificate_backed);
  o = parse_vault_object(ObjectType::kSecret, R"({"value":"x","id":"https://kv/secrets/s/v","kid":null})");
  ASSERT_TRUE(o.ok());
  EXPECT_FALSE(o->certificate_backed);
}

TEST(ParseVaultObject, VersionIsTheLastPathSegment) {
  auto o = parse_vault_object(ObjectType::kSecret, R"({"value":"x","id":"https://kv/secrets/s/ver1/"})");
  ASSERT_TRUE(o.ok()) << o.status().message();
  EXPECT_EQ(o->version, "ver1");  // a trailing slash is not a segment
  o = parse_vault_object(ObjectType::kSecret, R"({"value":"x","id":"bare-id"})");
  ASSERT_TRUE(o.ok());
  EXPECT_EQ(o->version, "bare-id");
}

TEST(ParseVaultObject, MalformedSecretBodies) {
  for (const std::string bad :
       {"", "not json", "[]", "null", "\"x\"", "{", R"({"id":"https://kv/secrets/s/v"})",
        R"({"value":5,"id":"https://kv/secrets/s/v"})", R"({"value":null,"id":"https://kv/secrets/s/v"})",
        R"({"value":{"a":"b"},"id":"https://kv/secrets/s/v"})", R"({"value":"x"})", R"({"value":"x","id":""})",
        R"({"value":"x","id":"///"})", R"({"value":"x","id":7})"}) {
    expect_malformed(parse_vault_object(ObjectType::kSecret, bad), bad);
  }
}

TEST(ParseVaultObject, MalformedBodyMessageHoldsNoValue) {
  auto o = parse_vault_object(ObjectType::kSecret, R"({"value":"topsecret"})");
  ASSERT_FALSE(o.ok());
  EXPECT_EQ(o.status().message().find("topsecret"), std::string::npos) << o.status().message();
}

// ---- keys ----

TEST(ParseVaultObject, RsaKey) {
  const std::string n("\x00\xc1\x02\x03\xff", 5);
  const std::string e("\x01\x00\x01", 3);
  const std::string body = R"({"key":{"kid":"https://kv/keys/k1/kv5","kty":"RSA","key_ops":["sign"],"n":")" +
                           base64url_encode(n) + R"(","e":")" + base64url_encode(e) + R"("},"attributes":{}})";
  auto o = parse_vault_object(ObjectType::kKey, body);
  ASSERT_TRUE(o.ok()) << o.status().message();
  EXPECT_EQ(o->version, "kv5");
  EXPECT_EQ(o->public_key.kty, "RSA");
  EXPECT_EQ(o->public_key.n, n);
  EXPECT_EQ(o->public_key.e, e);
  EXPECT_TRUE(o->public_key.x.empty());
  EXPECT_TRUE(o->public_key.y.empty());
  EXPECT_TRUE(o->public_key.crv.empty());
  EXPECT_TRUE(o->value.empty());
}

TEST(ParseVaultObject, EcKey) {
  const std::string x(32, '\x11');
  const std::string y(32, '\xee');
  const std::string body = R"({"key":{"kid":"https://kv/keys/k2/ecv","kty":"EC-HSM","crv":"P-256","x":")" +
                           base64url_encode(x) + R"(","y":")" + base64url_encode(y) + R"("}})";
  auto o = parse_vault_object(ObjectType::kKey, body);
  ASSERT_TRUE(o.ok()) << o.status().message();
  EXPECT_EQ(o->version, "ecv");
  EXPECT_EQ(o->public_key.kty, "EC-HSM");
  EXPECT_EQ(o->public_key.crv, "P-256");
  EXPECT_EQ(o->public_key.x, x);
  EXPECT_EQ(o->public_key.y, y);
}

TEST(ParseVaultObject, KeyVersionComesFromKidNotId) {
  auto o = parse_vault_object(
      ObjectType::kKey, R"({"id":"https://kv/keys/k/wrong","key":{"kid":"https://kv/keys/k/right","kty":"oct"}})");
  ASSERT_TRUE(o.ok()) << o.status().message();
  EXPECT_EQ(o->version, "right");
  EXPECT_EQ(o->public_key.kty, "oct");
  // A key without kid has no version.
  expect_malformed(parse_vault_object(ObjectType::kKey, R"({"id":"https://kv/keys/k/v","key":{"kty":"RSA"}})"),
                   "no kid");
}

TEST(ParseVaultObject, PrivateMembersAreNotRead) {
  auto o = parse_vault_object(
      ObjectType::kKey,
      R"({"key":{"kid":"https://kv/keys/k/v","kty":"RSA","n":"AQAB","e":"AQAB","d":"AQAB","p":"AQAB"}})");
  ASSERT_TRUE(o.ok()) << o.status().message();
  EXPECT_TRUE(o->public_key.d.empty());
  EXPECT_TRUE(o->public_key.p.empty());
}

TEST(ParseVaultObject, MalformedKeyBodies) {
  for (const std::string bad :
       {"{}", R"({"key":"x"})", R"({"key":null})", R"({"key":[]})",
        R"({"key":{"kid":"https://kv/keys/k/v","kty":"RSA","n":"not base64url!","e":"AQAB"}})",
        R"({"key":{"kid":"https://kv/keys/k/v","kty":"RSA","n":"AQAB","e":"A+/B"}})",
        R"({"key":{"kid":"https://kv/keys/k/v","kty":"EC","crv":"P-256","x":"A","y":"AQAB"}})",
        R"({"key":{"kid":"https://kv/keys/k/v","kty":"EC","crv":"P-256","x":"AQAB","y":"**"}})", "[1]", "nope"}) {
    expect_malformed(parse_vault_object(ObjectType::kKey, bad), bad);
  }
}

// ---- certificates ----

TEST(ParseVaultObject, Certificate) {
  const std::string der("\x30\x82\x01\x0a\x00\xff", 6);
  auto o =
      parse_vault_object(ObjectType::kCert, R"({"id":"https://kv/certificates/c1/cv1","kid":"https://kv/keys/c1/cv1",)"
                                            R"("sid":"https://kv/secrets/c1/cv1","x5t":"abc","cer":")" +
                                                base64_encode(der) + R"("})");
  ASSERT_TRUE(o.ok()) << o.status().message();
  EXPECT_EQ(o->version, "cv1");
  EXPECT_EQ(o->certificate_der, der);
  EXPECT_TRUE(o->value.empty());
  EXPECT_FALSE(o->certificate_backed);
}

TEST(ParseVaultObject, MalformedCertificateBodies) {
  for (const std::string bad :
       {R"({"id":"https://kv/certificates/c/v"})", R"({"id":"https://kv/certificates/c/v","cer":""})",
        R"({"id":"https://kv/certificates/c/v","cer":5})", R"({"id":"https://kv/certificates/c/v","cer":"MII!"})",
        R"({"id":"https://kv/certificates/c/v","cer":"-_-_"})", R"({"cer":"MIIB"})", "[]", ""}) {
    expect_malformed(parse_vault_object(ObjectType::kCert, bad), bad);
  }
}

// ---- version pages ----

TEST(ParseVersionPage, SecretVersions) {
  auto p = parse_version_page(
      ObjectType::kSecret,
      R"({"value":[)"
      R"({"id":"https://kv/secrets/s/v1","attributes":{"enabled":true,"created":1700000000,"updated":1}},)"
      R"({"id":"https://kv/secrets/s/v2","attributes":{"enabled":false,"created":1600000000}},)"
      R"({"id":"https://kv/secrets/s/v3"},)"
      R"({"id":"https://kv/secrets/s/v4","attributes":{"enabled":"yes","created":"soon"}})"
      R"(],"nextLink":"https://kv/secrets/s/versions?api-version=7.4&$skiptoken=abc"})");
  ASSERT_TRUE(p.ok()) << p.status().message();
  ASSERT_EQ(p->items.size(), 4u);
  EXPECT_EQ(p->items[0].version, "v1");
  EXPECT_TRUE(p->items[0].enabled);
  EXPECT_EQ(p->items[0].created, 1700000000);
  EXPECT_EQ(p->items[1].version, "v2");
  EXPECT_FALSE(p->items[1].enabled);
  EXPECT_EQ(p->items[1].created, 1600000000);
  // Missing or mistyped attributes keep the defaults: enabled, created 0.
  EXPECT_EQ(p->items[2].version, "v3");
  EXPECT_TRUE(p->items[2].enabled);
  EXPECT_EQ(p->items[2].created, 0);
  EXPECT_TRUE(p->items[3].enabled);
  EXPECT_EQ(p->items[3].created, 0);
  EXPECT_EQ(p->next_link, "https://kv/secrets/s/versions?api-version=7.4&$skiptoken=abc");
}

TEST(ParseVersionPage, LastPageAndEmptyPage) {
  auto p = parse_version_page(ObjectType::kCert, R"({"value":[{"id":"https://kv/certificates/c/x"}],"nextLink":null})");
  ASSERT_TRUE(p.ok()) << p.status().message();
  ASSERT_EQ(p->items.size(), 1u);
  EXPECT_EQ(p->items[0].version, "x");
  EXPECT_EQ(p->next_link, "");
  p = parse_version_page(ObjectType::kSecret, R"({"value":[]})");
  ASSERT_TRUE(p.ok());
  EXPECT_TRUE(p->items.empty());
  EXPECT_EQ(p->next_link, "");
}

TEST(ParseVersionPage, KeysUseKid) {
  const std::string body = R"({"value":[{"kid":"https://kv/keys/k/from-kid","id":"https://kv/keys/k/from-id"}]})";
  auto keys = parse_version_page(ObjectType::kKey, body);
  ASSERT_TRUE(keys.ok()) << keys.status().message();
  ASSERT_EQ(keys->items.size(), 1u);
  EXPECT_EQ(keys->items[0].version, "from-kid");
  auto secrets = parse_version_page(ObjectType::kSecret, body);
  ASSERT_TRUE(secrets.ok());
  EXPECT_EQ(secrets->items[0].version, "from-id");
  // A key item with only an id has no version.
  expect_malformed(parse_version_page(ObjectType::kKey, R"({"value":[{"id":"https://kv/keys/k/v"}]})"), "key by id");
}

TEST(ParseVersionPage, CreatedAcceptsWholeNumbers) {
  auto p = parse_version_page(ObjectType::kSecret, R"({"value":[{"id":"a/v","attributes":{"created":1700000000.0}},)"
                                                   R"({"id":"a/w","attributes":{"created":-5}}]})");
  ASSERT_TRUE(p.ok()) << p.status().message();
  EXPECT_EQ(p->items[0].created, 1700000000);
  EXPECT_EQ(p->items[1].created, -5);
}

TEST(ParseVersionPage, NonIntegralCreatedIsAnErrorNotACrash) {
  for (const std::string created : {"1.5", "1e300", "-1e300", "18446744073709551615"}) {
    const std::string body = R"({"value":[{"id":"a/v","attributes":{"created":)" + created + "}}]}";
    Result<VersionPage> p = Status(Code::kInternal, "not run");
    EXPECT_NO_THROW(p = parse_version_page(ObjectType::kSecret, body)) << created;
    expect_malformed(p, created);
  }
}

TEST(ParseVersionPage, MalformedPages) {
  for (const std::string bad :
       {"", "[]", "{}", R"({"value":null})", R"({"value":{}})", R"({"value":"x"})", R"({"value":[1]})",
        R"({"value":["https://kv/secrets/s/v"]})", R"({"value":[{}]})", R"({"value":[{"id":""}]})",
        R"({"value":[{"id":5}]})", R"({"value":[{"id":"a/v"},null]})", "{\"value\":["}) {
    expect_malformed(parse_version_page(ObjectType::kSecret, bad), bad);
  }
}

}  // namespace
}  // namespace coffer::csi
