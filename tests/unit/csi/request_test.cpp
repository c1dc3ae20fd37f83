// The MountRequest's JSON fields (PROVIDER-SPEC §2.3): attributes, secrets,
// permission and the service-account tokens nested inside an attribute.
#include "csi/mount_request.hpp"

#include <gtest/gtest.h>

#include "csi/mount_errors.hpp"

namespace coffer::csi {
namespace {

template <typename T>
void expect_invalid_request(const Result<T>& r, const std::string& input) {
  ASSERT_FALSE(r.ok()) << "accepted: " << input;
  EXPECT_EQ(r.status().code(), Code::kBadParameter) << input;
  EXPECT_EQ(r.status().reason(), errors::kInvalidRequest) << input;
  EXPECT_EQ(errors::code_of(r.status()), errors::kInvalidRequest) << input;
}

// ---- attributes ----

TEST(ParseAttributes, ReadsEveryStringValue) {
  auto a = parse_attributes(
      R"({"keyvaultName":"kv1","objects":"array:\n  - |\n    objectName: s\n","csi.storage.k8s.io/pod.name":"p","empty":""})");
  ASSERT_TRUE(a.ok()) << a.status().message();
  EXPECT_EQ(a->size(), 4u);
  EXPECT_EQ(a->at("keyvaultName"), "kv1");
  EXPECT_EQ(a->at("objects"), "array:\n  - |\n    objectName: s\n");
  EXPECT_EQ(a->at("csi.storage.k8s.io/pod.name"), "p");
  EXPECT_EQ(a->at("empty"), "");
}

TEST(ParseAttributes, EmptyObjectIsEmpty) {
  auto a = parse_attributes("{}");
  ASSERT_TRUE(a.ok());
  EXPECT_TRUE(a->empty());
}

TEST(ParseAttributes, KeysAreCaseSensitive) {
  auto a = parse_attributes(R"({"tenantID":"a","tenantId":"b"})");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->at("tenantID"), "a");
  EXPECT_EQ(a->at("tenantId"), "b");
}

TEST(ParseAttributes, RefusesWhatIsNotAnObjectOfStrings) {
  for (const std::string bad :
       {"", "null", "[]", "[{\"a\":\"b\"}]", "\"text\"", "42", "{", "{\"a\":\"b\"", "{\"a\":1}", "{\"a\":true}",
        "{\"a\":null}", "{\"a\":{\"b\":\"c\"}}", "{\"a\":[\"b\"]}", "{\"ok\":\"x\",\"bad\":1.5}", "not json"}) {
    expect_invalid_request(parse_attributes(bad), bad);
  }
}

TEST(ParseAttributes, NamesTheAttributeThatIsNotAString) {
  auto a = parse_attributes(R"({"usePodIdentity":false})");
  ASSERT_FALSE(a.ok());
  EXPECT_NE(a.status().message().find("usePodIdentity"), std::string::npos) << a.status().message();
}

TEST(ParseAttributes, RefusesOversizedText) {
  std::string big = "{\"a\":\"" + std::string(kMaxRequestFieldBytes, 'x') + "\"}";
  expect_invalid_request(parse_attributes(big), "over 1 MiB");
  // Just under the limit is fine.
  std::string fits = "{\"a\":\"" + std::string(kMaxRequestFieldBytes - 8, 'x') + "\"}";
  ASSERT_LE(fits.size(), kMaxRequestFieldBytes);
  auto ok = parse_attributes(fits);
  ASSERT_TRUE(ok.ok()) << ok.status().message();
  EXPECT_EQ(ok->at("a").size(), kMaxRequestFieldBytes - 8);
}

// ---- secrets ----

TEST(ParseSecrets, NullEmptyAndEmptyObjectMeanNoSecrets) {
  for (const std::string none : {"null", "", "{}"}) {
    auto s = parse_secrets(none);
    ASSERT_TRUE(s.ok()) << "'" << none << "': " << s.status().message();
    EXPECT_TRUE(s->empty()) << none;
  }
}

TEST(ParseSecrets, ReadsStringValues) {
  auto s = parse_secrets(R"({"clientid":"app-1","clientsecret":"s3cr\"et","other":""})");
  ASSERT_TRUE(s.ok()) << s.status().message();
  ASSERT_EQ(s->size(), 3u);
  EXPECT_EQ(s->at("clientid").view(), "app-1");
  EXPECT_EQ(s->at("clientsecret").view(), "s3cr\"et");
  EXPECT_EQ(s->at("other").view(), "");
}

TEST(ParseSecrets, RefusesWhatIsNotAnObjectOfStrings) {
  for (const std::string bad : {"[]", "\"x\"", "1", "true", "{", "nul", "{\"clientid\":1}", "{\"clientid\":null}",
                                "{\"a\":\"b\",\"c\":{}}", "{\"a\":[]}"}) {
    expect_invalid_request(parse_secrets(bad), bad);
  }
}

TEST(ParseSecrets, ErrorDoesNotCarryAValue) {
  auto s = parse_secrets(R"({"clientsecret":"topsecret","n":5})");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().message().find("topsecret"), std::string::npos) << s.status().message();
}

TEST(FindSecret, MatchesKeysCaseInsensitively) {
  auto s = parse_secrets(R"({"ClientID":"app","CLIENTSECRET":"pw"})");
  ASSERT_TRUE(s.ok());
  const SecureString* id = find_secret(*s, "clientid");
  ASSERT_NE(id, nullptr);
  EXPECT_EQ(id->view(), "app");
  const SecureString* secret = find_secret(*s, "ClientSecret");
  ASSERT_NE(secret, nullptr);
  EXPECT_EQ(secret->view(), "pw");
  EXPECT_EQ(find_secret(*s, "client"), nullptr);     // a prefix is not a match
  EXPECT_EQ(find_secret(*s, "clientidx"), nullptr);  // nor is a longer key
  EXPECT_EQ(find_secret(*s, ""), nullptr);
  EXPECT_EQ(find_secret(SecretValues{}, "clientid"), nullptr);
}

// ---- permission ----

TEST(ParsePermission, ReadsAJsonNumber) {
  EXPECT_EQ(parse_permission("420").value(), 420);
  EXPECT_EQ(parse_permission("0").value(), 0);
  EXPECT_EQ(parse_permission("511").value(), 511);
  EXPECT_EQ(parse_permission("384").value(), 0600);
  EXPECT_EQ(parse_permission(" 420 ").value(), 420);  // JSON whitespace
}

TEST(ParsePermission, EmptyMeansTheDriversDefault) {
  auto p = parse_permission("");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(*p, 0644);
}

TEST(ParsePermission, RefusesOutOfRangeAndNonNumbers) {
  for (const std::string bad : {"-1", "512", "4294967296", "18446744073709551615", "99999999999999999999999", "\"x\"",
                                "\"420\"", "1.5", "420.0", "null", "true", "[420]", "{}", "0644x", "abc"}) {
    expect_invalid_request(parse_permission(bad), bad);
  }
}

// ---- service-account tokens ----

constexpr std::string_view kAudience = "api://AzureADTokenExchange";

std::string tokens_json(const std::string& token) {
  return R"({"api://AzureADTokenExchange":{"token":")" + token +
         R"(","expirationTimestamp":"2030-01-01T00:00:00Z"},"other":{"token":"not-this","expirationTimestamp":"x"}})";
}

TEST(ServiceAccountToken, ReadsJsonNestedInTheAttributeString) {
  // As it arrives: the tokens JSON is itself a string value in the attributes JSON.
  auto attrs = parse_attributes(
      R"({"csi.storage.k8s.io/serviceAccount.tokens":"{\"api://AzureADTokenExchange\":{\"token\":\"eyJ.a.b\",\"expirationTimestamp\":\"2030-01-01T00:00:00Z\"}}"})");
  ASSERT_TRUE(attrs.ok()) << attrs.status().message();
  auto t = service_account_token(*attrs, {}, kAudience);
  ASSERT_TRUE(t.ok()) << t.status().message();
  ASSERT_TRUE(t->has_value());
  EXPECT_EQ((*t)->view(), "eyJ.a.b");
}

TEST(ServiceAccountToken, PicksTheRequestedAudience) {
  Attributes a{{std::string(kTokensAttribute), tokens_json("the-jwt")}};
  auto t = service_account_token(a, {}, kAudience);
  ASSERT_TRUE(t.ok());
  ASSERT_TRUE(t->has_value());
  EXPECT_EQ((*t)->view(), "the-jwt");
  auto other = service_account_token(a, {}, "other");
  ASSERT_TRUE(other.ok());
  ASSERT_TRUE(other->has_value());
  EXPECT_EQ((*other)->view(), "not-this");
}

TEST(ServiceAccountToken, FromSecretsWhenNotInAttributes) {
  SecretValues s{{std::string(kTokensAttribute), SecureString(tokens_json("from-secrets"))}};
  auto t = service_account_token(Attributes{{"keyvaultName", "kv"}}, s, kAudience);
  ASSERT_TRUE(t.ok()) << t.status().message();
  ASSERT_TRUE(t->has_value());
  EXPECT_EQ((*t)->view(), "from-secrets");
  // An empty attribute does not hide the secrets' copy.
  auto t2 = service_account_token(Attributes{{std::string(kTokensAttribute), ""}}, s, kAudience);
  ASSERT_TRUE(t2.ok());
  ASSERT_TRUE(t2->has_value());
  EXPECT_EQ((*t2)->view(), "from-secrets");
}

TEST(ServiceAccountToken, AttributesWinOverSecrets) {
  Attributes a{{std::string(kTokensAttribute), tokens_json("from-attributes")}};
  SecretValues s{{std::string(kTokensAttribute), SecureString(tokens_json("from-secrets"))}};
  auto t = service_account_token(a, s, kAudience);
  ASSERT_TRUE(t.ok());
  ASSERT_TRUE(t->has_value());
  EXPECT_EQ((*t)->view(), "from-attributes");
}

TEST(ServiceAccountToken, NoTokensOrNoAudienceIsNullopt) {
  auto none = service_account_token({}, {}, kAudience);
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
  auto empty = service_account_token(Attributes{{std::string(kTokensAttribute), ""}}, {}, kAudience);
  ASSERT_TRUE(empty.ok());
  EXPECT_FALSE(empty->has_value());
  Attributes a{{std::string(kTokensAttribute), R"({"sts.amazonaws.com":{"token":"t"}})"}};
  auto missing = service_account_token(a, {}, kAudience);
  ASSERT_TRUE(missing.ok()) << missing.status().message();
  EXPECT_FALSE(missing->has_value());
  auto empty_obj = service_account_token(Attributes{{std::string(kTokensAttribute), "{}"}}, {}, kAudience);
  ASSERT_TRUE(empty_obj.ok());
  EXPECT_FALSE(empty_obj->has_value());
}

TEST(ServiceAccountToken, MalformedJsonIsInvalidRequest) {
  for (const std::string bad :
       {"{", "[]", "\"x\"", "null", "not json", R"({"api://AzureADTokenExchange":"jwt"})",
        R"({"api://AzureADTokenExchange":{"expirationTimestamp":"x"}})",
        R"({"api://AzureADTokenExchange":{"token":42}})", R"({"api://AzureADTokenExchange":{"token":null}})",
        R"({"api://AzureADTokenExchange":null})"}) {
    Attributes a{{std::string(kTokensAttribute), bad}};
    expect_invalid_request(service_account_token(a, {}, kAudience), bad);
    SecretValues s{{std::string(kTokensAttribute), SecureString(bad)}};
    expect_invalid_request(service_account_token({}, s, kAudience), "secrets: " + bad);
  }
}

TEST(ServiceAccountToken, MalformedOtherAudienceIsIgnored) {
  // Only the requested audience's entry must be well-formed.
  Attributes a{{std::string(kTokensAttribute), R"({"x":"y","api://AzureADTokenExchange":{"token":"ok"}})"}};
  auto t = service_account_token(a, {}, kAudience);
  ASSERT_TRUE(t.ok()) << t.status().message();
  ASSERT_TRUE(t->has_value());
  EXPECT_EQ((*t)->view(), "ok");
}

TEST(ServiceAccountToken, ErrorDoesNotCarryTheToken) {
  Attributes a{{std::string(kTokensAttribute), R"({"api://AzureADTokenExchange":{"token":["eyJsecret"]}})"}};
  auto t = service_account_token(a, {}, kAudience);
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().message().find("eyJsecret"), std::string::npos);
}

}  // namespace
}  // namespace coffer::csi
