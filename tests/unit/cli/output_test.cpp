#include "cli/output.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "cli/query.hpp"

namespace coffer::cli {
namespace {
namespace json = boost::json;

TEST(Output, PrettyJsonSortsKeysLikeAz) {
  json::value v = json::parse(R"({"b":1,"a":{"d":[1,"x"],"c":null},"e":[],"f":{},"g":true,"h":"é\n"})");
  EXPECT_EQ(render(v, OutputFormat::kJson),
            "{\n"
            "  \"a\": {\n"
            "    \"c\": null,\n"
            "    \"d\": [\n"
            "      1,\n"
            "      \"x\"\n"
            "    ]\n"
            "  },\n"
            "  \"b\": 1,\n"
            "  \"e\": [],\n"
            "  \"f\": {},\n"
            "  \"g\": true,\n"
            "  \"h\": \"é\\n\"\n"
            "}\n");
  EXPECT_EQ(render(json::value(nullptr), OutputFormat::kJson), "null\n");
  EXPECT_EQ(render(json::value(1.5), OutputFormat::kJson), "1.5\n");
}

TEST(Output, Tsv) {
  json::value v = json::parse(R"([{"name":"a","value":"x","enabled":true,"attributes":{"k":1},"tags":null},
                                  {"name":"b","value":"y","enabled":false,"attributes":{},"tags":null}])");
  EXPECT_EQ(render(v, OutputFormat::kTsv), "\ttrue\ta\t\tx\n\tfalse\tb\t\ty\n");
  EXPECT_EQ(render(json::value("s3cr3t"), OutputFormat::kTsv), "s3cr3t\n");
  EXPECT_EQ(render(json::parse(R"(["a","b"])"), OutputFormat::kTsv), "a\nb\n");
  EXPECT_EQ(render(json::value(nullptr), OutputFormat::kTsv), "");
}

TEST(Output, Table) {
  json::value v = json::parse(R"([{"name":"alpha","enabled":true,"attributes":{"x":1}},
                                  {"name":"b","enabled":false}])");
  EXPECT_EQ(render(v, OutputFormat::kTable),
            "Enabled  Name\n"
            "-------  -----\n"
            "true     alpha\n"
            "false    b\n");
  EXPECT_EQ(render(json::value("x"), OutputFormat::kTable), "Result\n------\nx\n");
  EXPECT_EQ(render(json::array(), OutputFormat::kTable), "");
}

TEST(Query, SelectsMembersIndexesAndProjections) {
  json::value v = json::parse(R"({"value":"s","attributes":{"enabled":true},"tags":{"file-encoding":"hex"},
                                  "items":[{"name":"a"},{"name":"b"},{"other":1}]})");
  auto q = [&](const char* text) {
    auto parsed = Query::parse(text);
    EXPECT_TRUE(parsed.ok()) << text;
    return parsed.ok() ? parsed->apply(v) : json::value();
  };
  EXPECT_EQ(q("value"), json::value("s"));
  EXPECT_EQ(q("attributes.enabled"), json::value(true));
  EXPECT_EQ(q("tags.\"file-encoding\""), json::value("hex"));
  EXPECT_EQ(q("items[1].name"), json::value("b"));
  EXPECT_EQ(q("items[-1].other"), json::value(1));
  EXPECT_EQ(q("items[].name"), json::parse(R"(["a","b"])"));
  EXPECT_EQ(q("items[*].name"), json::parse(R"(["a","b"])"));
  EXPECT_EQ(q("missing.deeper"), json::value(nullptr));
  EXPECT_EQ(Query::parse("[].name")->apply(json::parse(R"([{"name":"x"}])")), json::parse(R"(["x"])"));
  for (const char* bad : {"", ".a", "a.", "a..b", "a[x]", "a[", "a b", "a|b"}) {
    EXPECT_FALSE(Query::parse(bad).ok()) << bad;
  }
}

}  // namespace
}  // namespace coffer::cli
