// wipe_strings / WipeOnExit: every string value of a request's JSON tree is
// zeroed (nested objects and arrays included); keys, numbers and booleans
// are left alone.
#include <gtest/gtest.h>

#include <string>

#include "api/json_body.hpp"

namespace coffer::api {
namespace {

namespace json = boost::json;

bool all_zero(const json::string& s) {
  for (char c : s) {
    if (c != '\0') return false;
  }
  return true;
}

TEST(JsonWipe, ZeroesEveryStringValueKeepingShapeAndKeys) {
  auto o = parse_json_object(
      R"({"value":"hunter2","key":{"d":"c2VjcmV0","n":"bW9k"},"list":["a",{"pwd":"p4ss"}],"n":7,"ok":true})");
  ASSERT_TRUE(o.ok());
  wipe_strings(*o);
  EXPECT_EQ(o->at("value").as_string().size(), 7u);
  EXPECT_TRUE(all_zero(o->at("value").as_string()));
  EXPECT_TRUE(all_zero(o->at("key").as_object().at("d").as_string()));
  EXPECT_TRUE(all_zero(o->at("key").as_object().at("n").as_string()));
  EXPECT_TRUE(all_zero(o->at("list").as_array()[0].as_string()));
  EXPECT_TRUE(all_zero(o->at("list").as_array()[1].as_object().at("pwd").as_string()));
  EXPECT_EQ(o->at("n").as_int64(), 7);
  EXPECT_TRUE(o->at("ok").as_bool());
  EXPECT_TRUE(o->contains("value"));
}

TEST(JsonWipe, WipeOnExitRunsOnEveryPathOut) {
  auto o = parse_json_object(R"({"value":"s3cret"})");
  ASSERT_TRUE(o.ok());
  auto early_return = [&](bool fail) -> bool {
    WipeOnExit wipe(*o);
    if (fail) return false;
    return true;
  };
  EXPECT_FALSE(early_return(true));
  EXPECT_TRUE(all_zero(o->at("value").as_string()));
  // A whole parsed value (an answer that may not be an object) as well.
  json::value v = json::parse(R"({"results":[{"body":{"value":"s3cret"}}]})");
  { WipeOnExit wipe(v); }
  EXPECT_TRUE(all_zero(v.at("results").at(0).at("body").at("value").as_string()));
}

TEST(JsonWipe, SerializeWipingGivesWhatSerializeGives) {
  for (std::size_t n : {0u, 5000u, 20000u}) {
    json::value v = {{"value", std::string(n, 'v')}, {"list", {1, "two", nullptr}}};
    EXPECT_EQ(serialize_wiping(v), json::serialize(v)) << n;
  }
}

}  // namespace
}  // namespace coffer::api
