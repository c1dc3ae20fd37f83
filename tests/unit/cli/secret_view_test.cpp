#include "cli/secret_view.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "cli/secret_encoding.hpp"

namespace coffer::cli {
namespace {
namespace json = boost::json;

TEST(SecretView, BundleLooksLikeAz) {
  json::value akv = json::parse(R"({"value":"v","id":"https://dev.vault.localhost:8443/secrets/s1/0123",
    "attributes":{"enabled":true,"exp":1795806094,"created":0,"updated":0,
                  "recoveryLevel":"Recoverable+Purgeable","recoverableDays":90}})");
  json::value want = json::parse(R"({"value":"v","id":"https://dev.vault.localhost:8443/secrets/s1/0123",
    "name":"s1","contentType":null,"kid":null,"managed":null,"tags":null,
    "attributes":{"enabled":true,"expires":"2026-11-27T19:01:34+00:00","notBefore":null,
                  "created":"1970-01-01T00:00:00+00:00","updated":"1970-01-01T00:00:00+00:00",
                  "recoveryLevel":"Recoverable+Purgeable","recoverableDays":90}})");
  EXPECT_EQ(secret_view(akv, SecretShape::kBundle), want);
}

TEST(SecretView, DeletedItemAndExtras) {
  json::value akv = json::parse(R"({"id":"https://v.vault.localhost:8443/secrets/s2",
    "attributes":{"enabled":false,"created":1,"updated":2},"tags":{"a":"b"},"contentType":"text/plain",
    "recoveryId":"https://v.vault.localhost:8443/deletedsecrets/s2","deletedDate":60,"scheduledPurgeDate":120,
    "previousVersion":"x"})");
  json::value got = secret_view(akv, SecretShape::kDeletedItem);
  const json::object& o = got.get_object();
  EXPECT_EQ(o.at("name"), json::value("s2"));
  EXPECT_EQ(o.at("deletedDate"), json::value("1970-01-01T00:01:00+00:00"));
  EXPECT_EQ(o.at("scheduledPurgeDate"), json::value("1970-01-01T00:02:00+00:00"));
  EXPECT_EQ(o.at("previousVersion"), json::value("x"));
  EXPECT_EQ(o.at("tags"), json::parse(R"({"a":"b"})"));
  EXPECT_FALSE(o.contains("value"));
  EXPECT_FALSE(o.contains("kid"));
  EXPECT_EQ(o.at("attributes").at("recoveryLevel"), json::value(nullptr));
}

// A time no ISO date can hold is shown as the server sent it, not converted.
TEST(SecretView, OutOfRangeTimesAreKeptAsSent) {
  json::value akv = json::parse(R"({"id":"https://v.vault.localhost:8443/secrets/s3/0123",
    "attributes":{"enabled":true,"created":1e300,"updated":1.7e9}})");
  const json::value view = secret_view(akv, SecretShape::kBundle);
  const json::object& attributes = view.at("attributes").get_object();
  EXPECT_EQ(attributes.at("created"), json::value(1e300));
  EXPECT_EQ(attributes.at("updated"), json::value("2023-11-14T22:13:20+00:00"));
}

TEST(SecretEncoding, FileEncodingsRoundTrip) {
  const std::string bytes("\x00\x01\xfe\xff hello", 10);
  for (const char* enc : {"base64", "hex"}) {
    auto value = encode_file_content(bytes, enc);
    ASSERT_TRUE(value.ok()) << enc;
    EXPECT_EQ(*decode_secret_value(*value, enc), bytes) << enc;
  }
  EXPECT_EQ(*encode_file_content(bytes, "hex"), "0001feff2068656c6c6f");
  EXPECT_FALSE(encode_file_content(bytes, "utf-8").ok());
  EXPECT_EQ(*encode_file_content("héllo\n", "utf-8"), "héllo\n");
  EXPECT_EQ(*decode_secret_value("aGVs\nbG8=\n", "base64"), "hello");
  EXPECT_FALSE(decode_secret_value("zz", "hex").ok());
  EXPECT_FALSE(decode_secret_value("abc", "utf-16").ok());
}

TEST(SecretEncoding, Utf8Validation) {
  EXPECT_TRUE(is_valid_utf8("plain ascii"));
  EXPECT_TRUE(is_valid_utf8("\xe2\x82\xac \xf0\x9f\x94\x91"));
  EXPECT_FALSE(is_valid_utf8("\xc0\xaf"));      // overlong
  EXPECT_FALSE(is_valid_utf8("\xed\xa0\x80"));  // surrogate
  EXPECT_FALSE(is_valid_utf8("\xe2\x82"));      // truncated
}

TEST(SecretEncoding, Tags) {
  auto tags = parse_tags({"env=prod", "owner=", "flag", "env=dev", "url=a=b"});
  ASSERT_TRUE(tags.ok());
  EXPECT_EQ(tags->at("env"), "dev");
  EXPECT_EQ(tags->at("owner"), "");
  EXPECT_EQ(tags->at("flag"), "");
  EXPECT_EQ(tags->at("url"), "a=b");
  EXPECT_TRUE(parse_tags({""})->empty());
  EXPECT_FALSE(parse_tags({"=v"}).ok());
}

}  // namespace
}  // namespace coffer::cli
