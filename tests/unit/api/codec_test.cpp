// api/ codecs and parsers: targets, forms, api-version, paging, secret JSON.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "api/api_version.hpp"
#include "api/paging.hpp"
#include "api/responses.hpp"
#include "api/secret_codec.hpp"
#include "api/target.hpp"

namespace coffer::api {
namespace {

TEST(Target, SplitsSegmentsKeepingTrailingSlash) {
  auto t = parse_target("/secrets/name/?api-version=7.3").value();
  ASSERT_EQ(t.segments.size(), 3u);
  EXPECT_EQ(t.segments[1], "name");
  EXPECT_EQ(t.segments[2], "");
  EXPECT_EQ(t.param("api-version").value(), "7.3");
  auto u = parse_target("//providers/x").value();
  EXPECT_EQ(u.segments, (std::vector<std::string>{"providers", "x"}));
  EXPECT_TRUE(parse_target("/").value().segments.empty());
}

TEST(Target, RejectsMalformed) {
  EXPECT_FALSE(parse_target("").ok());
  EXPECT_FALSE(parse_target("secrets").ok());
  EXPECT_FALSE(parse_target("/a%zz").ok());
  EXPECT_FALSE(parse_target("/" + std::string(9000, 'a')).ok());
}

TEST(Form, DecodesPlusAndPercent) {
  auto f = parse_form("a=1+2&b=%2B%3D&c=&a=ignored").value();
  EXPECT_EQ(f["a"], "1 2");
  EXPECT_EQ(f["b"], "+=");
  EXPECT_EQ(f["c"], "");
  EXPECT_FALSE(parse_form("a=%4").ok());
  EXPECT_FALSE(parse_form("a=%G1").ok());
}

TEST(ApiVersion, AcceptsKnownAndPreviewRejectsOthers) {
  for (const char* v :
       {"2016-10-01", "7.0", "7.3", "7.4-preview.1", "7.5-preview", "7.6", "2025-06-01", "2025-07-01", "2026-04-01"}) {
    EXPECT_TRUE(check_api_version(std::string_view(v)).ok()) << v;
  }
  for (const char* v : {"7.7", "6.0", "7.4-beta", "7.4-preview.x", "2025-07-02", "", "7.40"}) {
    auto st = check_api_version(std::string_view(v));
    EXPECT_EQ(st.code(), Code::kBadParameter) << v;
  }
  EXPECT_EQ(check_api_version(std::nullopt).code(), Code::kBadParameter);
  EXPECT_NE(check_api_version(std::string_view("9.9")).message().find("not recognized"), std::string::npos);
}

TEST(Paging, ValidatesMaxResultsAndSkipToken) {
  EXPECT_EQ(parse_page(parse_target("/secrets").value()).value().max, 25u);
  EXPECT_EQ(parse_page(parse_target("/secrets?maxresults=3").value()).value().max, 3u);
  for (const char* bad : {"/s?maxresults=0", "/s?maxresults=26", "/s?maxresults=x", "/s?$skiptoken=!!"}) {
    EXPECT_EQ(parse_page(parse_target(bad).value()).status().code(), Code::kBadParameter) << bad;
  }
  auto target = parse_target("/secrets?api-version=7.3&maxresults=2").value();
  auto page = parse_page(target).value();
  auto link = next_link("https://v.vault.localhost:8443", "/secrets", target, page, "cursor");
  ASSERT_TRUE(link.is_string());
  auto back = parse_target(std::string(link.get_string()).substr(std::string("https://v.vault.localhost:8443").size()));
  EXPECT_EQ(parse_page(back.value()).value().after, "cursor");
  EXPECT_TRUE(next_link("b", "/s", target, page, "").is_null());
}

TEST(SecretCodec, ParsesSetBody) {
  auto d = parse_secret_set(R"({"value":"v","contentType":"ct","tags":{"a":"b"},
                               "attributes":{"enabled":false,"nbf":10,"exp":20},"unknown":1})")
               .value();
  EXPECT_EQ(d.value.view(), "v");
  EXPECT_EQ(d.content_type.value(), "ct");
  EXPECT_EQ(d.tags.at("a"), "b");
  EXPECT_FALSE(d.enabled);
  EXPECT_EQ(d.not_before.value(), 10);
  EXPECT_EQ(d.expires.value(), 20);
  // A whole number written as a double is still an integer.
  EXPECT_EQ(parse_secret_set(R"({"value":"v","attributes":{"exp":1.7e9}})").value().expires.value(), 1700000000);
}

TEST(SecretCodec, RejectsBadSetBodies) {
  for (const char* bad :
       {"", "not json", "[]", "{}", R"({"value":1})", R"({"value":"v","tags":{"a":1}})",
        R"({"value":"v","attributes":{"enabled":"yes"}})", R"({"value":"v","attributes":{"exp":"tomorrow"}})",
        R"({"value":"v","attributes":{"nbf":20,"exp":10}})", R"({"value":"v")",
        R"({"value":"v","attributes":{"exp":1e308}})", R"({"value":"v","attributes":{"exp":-1e19}})",
        R"({"value":"v","attributes":{"exp":1.5}})"}) {
    auto r = parse_secret_set(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.status().code(), Code::kBadParameter) << bad;
  }
}

TEST(SecretCodec, UpdateDistinguishesAbsentFromNull) {
  auto p = parse_secret_update(R"({"attributes":{"exp":null}})").value();
  ASSERT_TRUE(p.expires.has_value());
  EXPECT_FALSE(p.expires->has_value());
  EXPECT_FALSE(p.not_before.has_value());
  EXPECT_FALSE(p.enabled.has_value());
}

TEST(SecretCodec, BundleShape) {
  vault::VaultInfo v;
  v.retention_days = 90;
  vault::SecretProperties p;
  p.name = "n";
  p.version = std::string(32, 'a');
  p.attributes.created = 5;
  p.attributes.updated = 6;
  p.tags = {{"t", "1"}};
  vault::Secret secret{p, SecureString("a \"quoted\"\nsecret")};
  http::Response r = secret_value_response("https://v.vault.localhost:8443", v, secret);
  EXPECT_EQ(r.status, 200);
  EXPECT_TRUE(r.sensitive) << "the HTTP layer must wipe it once sent";
  auto o = boost::json::parse(r.body).as_object();
  EXPECT_EQ(o["id"].as_string(), "https://v.vault.localhost:8443/secrets/n/" + std::string(32, 'a'));
  EXPECT_EQ(o["value"].as_string(), "a \"quoted\"\nsecret");
  EXPECT_EQ(o["tags"].as_object()["t"].as_string(), "1");
  p.tags.clear();
  EXPECT_FALSE(secret_bundle("https://h", v, p).contains("value"));
  EXPECT_EQ(o["attributes"].as_object()["recoveryLevel"].as_string(), "Recoverable+Purgeable");
  EXPECT_EQ(o["attributes"].as_object()["recoverableDays"].as_int64(), 90);
  auto item = secret_item("https://h", v, p, false);
  EXPECT_EQ(item["id"].as_string(), "https://h/secrets/n");
  EXPECT_FALSE(item.contains("value"));
}

TEST(SecretCodec, AValueAnswerLargerThanItsArenaIsWhole) {
  // The bundle is built in a 4 KiB arena on the stack; tags beyond it spill to the heap.
  vault::VaultInfo v;
  v.retention_days = 7;
  v.purge_protection = true;
  vault::SecretProperties p;
  p.name = "big";
  p.version = std::string(32, 'b');
  for (int i = 0; i < 15; ++i) p.tags["tag-" + std::to_string(i)] = std::string(256, char('a' + i));
  p.content_type = "text/plain";
  vault::Secret secret{p, SecureString("v")};
  http::Response r = secret_value_response("https://v.vault.localhost", v, secret);
  ASSERT_GT(r.body.size(), 4096u);
  auto o = boost::json::parse(r.body).as_object();
  EXPECT_EQ(o["value"].as_string(), "v");
  EXPECT_EQ(o["contentType"].as_string(), "text/plain");
  ASSERT_EQ(o["tags"].as_object().size(), 15u);
  EXPECT_EQ(o["tags"].as_object()["tag-14"].as_string(), std::string(256, 'o'));
  EXPECT_EQ(o["attributes"].as_object()["recoveryLevel"].as_string(), "CustomizedRecoverable");
}

TEST(VaultInfo, RecoveryLevelFollowsRetentionAndPurgeProtection) {
  vault::VaultInfo v;
  v.retention_days = 90;
  EXPECT_EQ(v.recovery_level(), "Recoverable+Purgeable");
  v.purge_protection = true;
  EXPECT_EQ(v.recovery_level(), "Recoverable");
  v.retention_days = 89;
  EXPECT_EQ(v.recovery_level(), "CustomizedRecoverable");
  v.purge_protection = false;
  EXPECT_EQ(v.recovery_level(), "CustomizedRecoverable+Purgeable");
}

TEST(Responses, SensitiveJsonIsWholeAtEverySize) {
  // serialize_wiping() grows its buffer itself (wiping what it leaves): the
  // body must be what json::serialize() gives, across several growths.
  for (std::size_t n : {0u, 10u, 4000u, 4100u, 9000u, 70000u}) {
    boost::json::object o{{"clientSecret", std::string(n, 's')}, {"n", n}, {"utf8", "\xC3\xA9"}};
    const std::string expected = boost::json::serialize(o);
    http::Response r = sensitive_json_response(201, o);
    EXPECT_EQ(r.status, 201);
    EXPECT_TRUE(r.sensitive);
    EXPECT_EQ(r.body, expected) << n;
  }
  // Invalid UTF-8 in a sensitive answer is repaired as in any other.
  http::Response bad = sensitive_json_response(200, boost::json::object{{"v", "\xFF"}});
  EXPECT_EQ(bad.body, "{\"v\":\"\xEF\xBF\xBD\"}");
  EXPECT_FALSE(revealing_response(boost::json::object{{"a", 1}}, false).sensitive);
  EXPECT_TRUE(revealing_response(boost::json::object{{"a", 1}}, true).sensitive);
}

TEST(Responses, MapsEveryCodeOnce) {
  auto r = error_response(Status(Code::kConflict, "msg", "ObjectIsDeletedButRecoverable"));
  EXPECT_EQ(r.status, 409);
  auto body = boost::json::parse(r.body).as_object();
  EXPECT_EQ(body["error"].as_object()["code"].as_string(), "Conflict");
  EXPECT_EQ(body["error"].as_object()["innererror"].as_object()["code"].as_string(), "ObjectIsDeletedButRecoverable");
  auto internal = error_response(Status(Code::kInternal, "sqlite said: disk I/O at /secret/path"));
  EXPECT_EQ(internal.status, 500);
  EXPECT_EQ(internal.body.find("/secret/path"), std::string::npos);
  EXPECT_EQ(error_response(Status(Code::kSecretNotFound, "x")).status, 404);
  EXPECT_EQ(error_response(Status(Code::kUnauthorized, "x")).status, 401);
}

// What the HTTP layer refuses by itself reaches clients in AKV's error shape.
TEST(Responses, HttpRefusalsHaveAkvErrorBodies) {
  using F = http::Failure;
  const std::pair<F, const char*> cases[] = {{F::kHeaderTooLarge, "BadParameter"},
                                             {F::kBodyTooLarge, "RequestEntityTooLarge"},
                                             {F::kMalformed, "BadParameter"},
                                             {F::kNoHost, "BadParameter"},
                                             {F::kRepeatedHost, "BadParameter"},
                                             {F::kHandlerFailed, "InternalServerError"},
                                             {F::kInvalidResponse, "InternalServerError"}};
  for (const auto& [failure, code] : cases) {
    const http::Response r = failure_response(failure);
    EXPECT_EQ(r.status, http::status_of(failure));
    ASSERT_FALSE(r.headers.empty());
    EXPECT_EQ(r.headers.front(),
              (std::pair<std::string, std::string>{"Content-Type", "application/json; charset=utf-8"}));
    auto error = boost::json::parse(r.body).as_object().at("error").as_object();
    EXPECT_EQ(error.at("code").as_string(), code);
    EXPECT_FALSE(error.at("message").as_string().empty());
  }
  EXPECT_EQ(http::status_of(F::kHeaderTooLarge), 431);
  EXPECT_EQ(http::status_of(F::kBodyTooLarge), 413);
  EXPECT_EQ(http::status_of(F::kNoHost), 400);
  EXPECT_EQ(http::status_of(F::kHandlerFailed), 500);
}

}  // namespace
}  // namespace coffer::api
