// put/get/erase, put_if, revisions and scan ordering over binary keys.
#include <algorithm>
#include <string>

#include "store_test_util.hpp"

namespace coffer::store::testing {
namespace {

using namespace std::string_literals;
using Keys = std::vector<std::string>;

class BasicTest : public StoreTest {};

TEST_F(BasicTest, PutGetErase) {
  auto s = open();
  ASSERT_TRUE(s);
  EXPECT_FALSE(get(*s, "k").has_value());
  ASSERT_TRUE(put(*s, "k", "v1").ok());
  auto e = get(*s, "k");
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->key, "k");
  EXPECT_EQ(e->value, "v1");
  EXPECT_GT(e->revision, 0);

  ASSERT_TRUE(put(*s, "k", "v2").ok());
  EXPECT_EQ(get(*s, "k")->value, "v2");

  ASSERT_TRUE(s->write([](WriteTxn& txn) { return txn.erase("k"); }).ok());
  EXPECT_FALSE(get(*s, "k").has_value());
  EXPECT_TRUE(s->write([](WriteTxn& txn) { return txn.erase("never-there"); }).ok());
}

TEST_F(BasicTest, BinaryKeysAndEmptyValues) {
  auto s = open();
  ASSERT_TRUE(s);
  const std::string key = "a\0b\xff\x01"s;
  const std::string value = "\0\0\xfe"s;
  ASSERT_TRUE(put(*s, key, value).ok());
  ASSERT_TRUE(put(*s, "empty", "").ok());
  EXPECT_FALSE(get(*s, "a"s).has_value());
  EXPECT_FALSE(get(*s, "a\0b"s).has_value());
  EXPECT_EQ(get(*s, key)->value, value);
  auto empty = get(*s, "empty");
  ASSERT_TRUE(empty.has_value());
  EXPECT_EQ(empty->value, "");
}

TEST_F(BasicTest, WriteTxnSeesItsOwnWrites) {
  auto s = open();
  ASSERT_TRUE(s);
  Status st = s->write([](WriteTxn& txn) -> Status {
    COFFER_RETURN_IF_ERROR(txn.put("x/1", "one"));
    COFFER_RETURN_IF_ERROR(txn.put("x/2", "two"));
    COFFER_RETURN_IF_ERROR(txn.erase("x/1"));
    auto got = txn.get("x/2");
    if (!got.ok() || !*got || (*got)->value != "two") return Status(Code::kInternal, "get in txn");
    auto listed = txn.scan("x/", "", 10);
    if (!listed.ok() || listed->size() != 1) return Status(Code::kInternal, "scan in txn");
    return Status::Ok();
  });
  ASSERT_TRUE(st.ok()) << st.message();
  EXPECT_EQ(keys(scan(*s, "x/")), Keys{"x/2"});
}

TEST_F(BasicTest, PutIf) {
  auto s = open();
  ASSERT_TRUE(s);
  auto put_if = [&](int64_t expected, std::string_view value) {
    return s->write([&](WriteTxn& txn) { return txn.put_if("k", value, expected); });
  };
  Status st = put_if(7, "x");  // absent, but a revision expected
  EXPECT_EQ(st.code(), Code::kConflict);
  EXPECT_EQ(st.message(), "revision mismatch");
  EXPECT_FALSE(get(*s, "k").has_value());

  ASSERT_TRUE(put_if(0, "v1").ok());  // absent as expected
  const int64_t r1 = get(*s, "k")->revision;
  EXPECT_EQ(put_if(0, "again").code(), Code::kConflict);  // now present
  EXPECT_EQ(put_if(r1 + 1, "x").code(), Code::kConflict);

  ASSERT_TRUE(put_if(r1, "v2").ok());
  auto e = get(*s, "k");
  EXPECT_EQ(e->value, "v2");
  EXPECT_GT(e->revision, r1);
  EXPECT_EQ(put_if(r1, "stale").code(), Code::kConflict);
  EXPECT_EQ(get(*s, "k")->value, "v2");
}

TEST_F(BasicTest, RevisionsAreGlobalAndIncrease) {
  auto s = open();
  ASSERT_TRUE(s);
  std::vector<int64_t> seen;
  for (const char* k : {"a", "b", "a", "c", "b"}) {
    ASSERT_TRUE(put(*s, k, "v").ok());
    seen.push_back(get(*s, k)->revision);
  }
  for (std::size_t i = 1; i < seen.size(); ++i) EXPECT_GT(seen[i], seen[i - 1]);
  EXPECT_GT(seen.front(), 0);

  // Erase and re-create: a fresh revision, never an old one (no ABA).
  ASSERT_TRUE(s->write([](WriteTxn& txn) { return txn.erase("a"); }).ok());
  ASSERT_TRUE(put(*s, "a", "v").ok());
  EXPECT_GT(get(*s, "a")->revision, seen.back());

  // Puts in one transaction get distinct revisions too.
  ASSERT_TRUE(s->write([](WriteTxn& txn) -> Status {
                 COFFER_RETURN_IF_ERROR(txn.put("m/1", "v"));
                 return txn.put("m/2", "v");
               }).ok());
  EXPECT_LT(get(*s, "m/1")->revision, get(*s, "m/2")->revision);
}

TEST_F(BasicTest, ScanPrefixStartAfterLimit) {
  auto s = open();
  ASSERT_TRUE(s);
  const Keys all = {"a", "a/\0x"s, "a/1", "a/2", "a/\xff", "a0", "b"};
  for (const auto& k : all) ASSERT_TRUE(put(*s, k, "v:" + k).ok());

  EXPECT_EQ(keys(scan(*s, "a/")), (Keys{"a/\0x"s, "a/1", "a/2", "a/\xff"}));
  EXPECT_EQ(keys(scan(*s, "")), (Keys{"a", "a/\0x"s, "a/1", "a/2", "a/\xff", "a0", "b"}));
  EXPECT_EQ(keys(scan(*s, "a/", "a/1")), (Keys{"a/2", "a/\xff"}));
  EXPECT_EQ(keys(scan(*s, "a/", "a/1x")), (Keys{"a/2", "a/\xff"}));  // start_after need not exist
  EXPECT_EQ(keys(scan(*s, "a/", "", 1)), (Keys{"a/\0x"s}));
  EXPECT_EQ(keys(scan(*s, "a/", "a/", 2)), (Keys{"a/\0x"s, "a/1"}));
  EXPECT_EQ(keys(scan(*s, "a/", "0")), (Keys{"a/\0x"s, "a/1", "a/2", "a/\xff"}));  // before the prefix
  EXPECT_TRUE(scan(*s, "a/", "a/\xff").empty());
  EXPECT_TRUE(scan(*s, "a/", "b").empty());  // past the prefix
  EXPECT_TRUE(scan(*s, "a/", "", 0).empty());
  EXPECT_TRUE(scan(*s, "c").empty());
  EXPECT_EQ(keys(scan(*s, "a")), (Keys{"a", "a/\0x"s, "a/1", "a/2", "a/\xff", "a0"}));

  auto entries = scan(*s, "a/1");
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].value, "v:a/1");
  EXPECT_GT(entries[0].revision, 0);
}

TEST_F(BasicTest, ScanPrefixEndingInFF) {
  auto s = open();
  ASSERT_TRUE(s);
  const Keys all = {"p\xfe", "p\xfe\xff", "p\xff", "p\xff\0"s, "p\xff\xff\x01", "q", "\xff", "\xff\xff",
                    "\xff\xff\xff", "\xff\xfe"};
  for (const auto& k : all) ASSERT_TRUE(put(*s, k, "v").ok());
  EXPECT_EQ(keys(scan(*s, "p\xff")), (Keys{"p\xff", "p\xff\0"s, "p\xff\xff\x01"}));
  EXPECT_EQ(keys(scan(*s, "p\xfe")), (Keys{"p\xfe", "p\xfe\xff"}));
  EXPECT_EQ(keys(scan(*s, "\xff\xff")), (Keys{"\xff\xff", "\xff\xff\xff"}));  // no upper bound exists
  EXPECT_EQ(keys(scan(*s, "\xff", "\xff\xfe")), (Keys{"\xff\xff", "\xff\xff\xff"}));
}

TEST_F(BasicTest, ScanPagesThroughEverything) {
  auto s = open();
  ASSERT_TRUE(s);
  Keys expected;
  for (int i = 0; i < 25; ++i) {
    std::string k = "page/" + std::string(1, static_cast<char>(i * 10));  // includes 0x00 and > 0x7f
    expected.push_back(k);
    ASSERT_TRUE(put(*s, k, "v").ok());
  }
  std::sort(expected.begin(), expected.end());
  Keys got;
  std::string after;
  for (;;) {
    auto page = scan(*s, "page/", after, 4);
    if (page.empty()) break;
    for (const auto& e : page) got.push_back(e.key);
    after = page.back().key;
  }
  EXPECT_EQ(got, expected);
}

TEST_F(BasicTest, BadPathFailsCleanly) {
  auto missing_dir = sqlite::SqliteStore::open({dir_.file("no/such/dir/db"), 2, 16});
  ASSERT_FALSE(missing_dir.ok());
  EXPECT_EQ(missing_dir.status().code(), Code::kUnavailable);
  EXPECT_NE(missing_dir.status().message().find("cannot open"), std::string::npos);
  EXPECT_EQ(open_sqlite_store({""}).status().code(), Code::kBadParameter);
  EXPECT_EQ(open_sqlite_store({":memory:"}).status().code(), Code::kBadParameter);
  auto through_factory = open_sqlite_store({dir_.file("factory.db")});
  EXPECT_TRUE(through_factory.ok()) << through_factory.status().message();
}

}  // namespace
}  // namespace coffer::store::testing
