// The Store contract, on both backends: put/get/erase, put_if, revisions and
// scan ordering over binary keys, failed writes, snapshots, callback errors
// and nested calls.
#include <algorithm>
#include <latch>
#include <stdexcept>
#include <string>
#include <thread>

#include "store_test_util.hpp"

namespace coffer::store::testing {
namespace {

using namespace std::string_literals;
using Keys = std::vector<std::string>;

class BasicTest : public StoreTest, public ::testing::WithParamInterface<Backend> {
 protected:
  std::unique_ptr<Store> open() { return open_backend(GetParam()); }
};

INSTANTIATE_TEST_SUITE_P(Backends, BasicTest, ::testing::Values(Backend::kSqlite, Backend::kPostgres), backend_name);

TEST_P(BasicTest, PutGetErase) {
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

TEST_P(BasicTest, ReadValueAndPutOnceKeepTheFirstValue) {
  auto s = open();
  ASSERT_TRUE(s);
  auto absent = read_value(*s, "config/x");
  ASSERT_TRUE(absent.ok());
  EXPECT_FALSE(absent->has_value());
  auto first = put_once(*s, "config/x", "one");
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(*first, "one");
  auto second = put_once(*s, "config/x", "two");  // a later writer gets the stored value back
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(*second, "one");
  EXPECT_EQ(read_value(*s, "config/x")->value_or(""), "one");
}

TEST_P(BasicTest, BinaryKeysAndEmptyValues) {
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

TEST_P(BasicTest, WriteTxnSeesItsOwnWrites) {
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

TEST_P(BasicTest, ATransactionsLastWriteOfAKeyWinsAndIsSeenWithItsRevision) {
  auto s = open();
  ASSERT_TRUE(s);
  ASSERT_TRUE(put(*s, "gone", "v").ok());
  Status st = s->write([](WriteTxn& txn) -> Status {
    COFFER_RETURN_IF_ERROR(txn.put("k", "1"));
    COFFER_RETURN_IF_ERROR(txn.erase("k"));
    COFFER_RETURN_IF_ERROR(txn.put("k", "2"));
    COFFER_RETURN_IF_ERROR(txn.put("gone", "again"));
    COFFER_RETURN_IF_ERROR(txn.erase("gone"));
    COFFER_ASSIGN_OR_RETURN(auto got, txn.get("k"));
    if (!got || got->value != "2" || got->revision <= 0) return Status(Code::kInternal, "get after put");
    COFFER_RETURN_IF_ERROR(txn.put_if("k", "3", got->revision));  // the revision read is the stored one
    COFFER_RETURN_IF_ERROR(txn.put("k", "4"));
    return txn.put_if("fresh", "x", 0);
  });
  ASSERT_TRUE(st.ok()) << st.message();
  EXPECT_EQ(get(*s, "k")->value, "4");
  EXPECT_FALSE(get(*s, "gone").has_value());
  EXPECT_EQ(get(*s, "fresh")->value, "x");

  // More writes than a backend may hold back at once, with erases among them.
  ASSERT_TRUE(s->write([](WriteTxn& txn) -> Status {
                 for (int i = 0; i < 2500; ++i) COFFER_RETURN_IF_ERROR(txn.put("many/" + std::to_string(i), "v"));
                 for (int i = 0; i < 2500; i += 2) COFFER_RETURN_IF_ERROR(txn.erase("many/" + std::to_string(i)));
                 COFFER_ASSIGN_OR_RETURN(auto listed, txn.scan("many/", "", 5000));
                 if (listed.size() != 1250) return Status(Code::kInternal, "scan saw " + std::to_string(listed.size()));
                 return Status::Ok();
               }).ok());
  EXPECT_EQ(scan(*s, "many/", "", 5000).size(), 1250u);
}

TEST_P(BasicTest, PrefetchedKeysReadAsTheyStandInTheTransaction) {
  auto s = open();
  ASSERT_TRUE(s);
  ASSERT_TRUE(put(*s, "a", "1").ok());
  ASSERT_TRUE(put(*s, "b", "2").ok());
  const int64_t a_revision = get(*s, "a")->revision;
  Status st = s->write([&](WriteTxn& txn) -> Status {
    COFFER_RETURN_IF_ERROR(txn.put("held", "h"));
    const std::string keys[] = {"a", "b", "absent", "a", "held"};
    COFFER_RETURN_IF_ERROR(txn.prefetch(keys));
    COFFER_ASSIGN_OR_RETURN(auto a, txn.get("a"));
    if (!a || a->value != "1" || a->revision != a_revision) return Status(Code::kInternal, "a");
    COFFER_ASSIGN_OR_RETURN(auto absent, txn.get("absent"));
    if (absent) return Status(Code::kInternal, "absent");
    COFFER_ASSIGN_OR_RETURN(auto held, txn.get("held"));  // the transaction's own write
    if (!held || held->value != "h" || held->revision <= 0) return Status(Code::kInternal, "held");
    COFFER_RETURN_IF_ERROR(txn.put("b", "3"));  // written after the prefetch: the get sees the write
    COFFER_ASSIGN_OR_RETURN(auto b, txn.get("b"));
    if (!b || b->value != "3") return Status(Code::kInternal, "b after put");
    COFFER_ASSIGN_OR_RETURN(auto again, txn.get("a"));  // asked twice: read twice
    if (!again || again->value != "1") return Status(Code::kInternal, "a again");
    COFFER_RETURN_IF_ERROR(txn.prefetch(keys));
    COFFER_RETURN_IF_ERROR(txn.erase("a"));
    COFFER_ASSIGN_OR_RETURN(auto erased, txn.get("a"));
    if (erased) return Status(Code::kInternal, "a after erase");
    return txn.put_if("absent", "now", 0);
  });
  ASSERT_TRUE(st.ok()) << st.message();
  EXPECT_FALSE(get(*s, "a").has_value());
  EXPECT_EQ(get(*s, "b")->value, "3");
  EXPECT_EQ(get(*s, "absent")->value, "now");
  EXPECT_TRUE(s->read([](ReadTxn& txn) -> Status {  // reads may prefetch too
                 const std::string keys[] = {"b", "held"};
                 COFFER_RETURN_IF_ERROR(txn.prefetch(keys));
                 COFFER_ASSIGN_OR_RETURN(auto b, txn.get("b"));
                 return b && b->value == "3" ? Status::Ok() : Status(Code::kInternal, "read b");
               })
                  .ok());
}

TEST_P(BasicTest, CountersCountInsideTheTransaction) {
  auto s = open();
  ASSERT_TRUE(s);
  auto counter = [&](std::string_view key) -> int64_t {
    int64_t n = -1;
    EXPECT_TRUE(s->read([&](ReadTxn& txn) -> Status {
                   COFFER_ASSIGN_OR_RETURN(n, read_counter(txn, key));
                   return Status::Ok();
                 }).ok());
    return n;
  };
  EXPECT_EQ(counter("c"), 0);
  Status st = s->write([](WriteTxn& txn) -> Status {
    for (int64_t expected : {1, 2}) {
      COFFER_ASSIGN_OR_RETURN(int64_t n, txn.increment("c"));
      if (n != expected) return Status(Code::kInternal, "increment gave " + std::to_string(n));
    }
    COFFER_ASSIGN_OR_RETURN(auto got, txn.get("c"));  // the kept count is what the transaction sees
    if (!got || got->value != "2") return Status(Code::kInternal, "get after increment");
    COFFER_ASSIGN_OR_RETURN(int64_t third, txn.increment("c"));
    if (third != 3) return Status(Code::kInternal, "increment after get gave " + std::to_string(third));
    COFFER_ASSIGN_OR_RETURN(auto listed, txn.scan("", "", 10));
    if (listed.size() != 1 || listed[0].value != "3") return Status(Code::kInternal, "scan after increment");
    return txn.increment("c").status();
  });
  ASSERT_TRUE(st.ok()) << st.message();
  EXPECT_EQ(counter("c"), 4);
  EXPECT_EQ(get(*s, "c")->value, "4");

  EXPECT_EQ(s->write([](WriteTxn& txn) -> Status {
               COFFER_RETURN_IF_ERROR(txn.increment("c").status());
               return Status(Code::kForbidden, "changed my mind");
             }).code(),
            Code::kForbidden);
  EXPECT_EQ(counter("c"), 4) << "a failed write's increments are not kept";

  ASSERT_TRUE(s->write([](WriteTxn& txn) -> Status {  // a later erase or put wins over the count
                 COFFER_RETURN_IF_ERROR(txn.increment("c").status());
                 COFFER_RETURN_IF_ERROR(txn.erase("c"));
                 COFFER_RETURN_IF_ERROR(txn.increment("d").status());
                 return txn.put("d", "10");
               })
                  .ok());
  EXPECT_FALSE(get(*s, "c").has_value());
  EXPECT_EQ(counter("d"), 10);
  ASSERT_TRUE(s->write([](WriteTxn& txn) { return txn.increment("d").status(); }).ok());
  EXPECT_EQ(counter("d"), 11);

  ASSERT_TRUE(put(*s, "text", "eleven").ok());
  EXPECT_EQ(s->write([](WriteTxn& txn) { return txn.increment("text").status(); }).code(), Code::kInternal);
  EXPECT_EQ(get(*s, "text")->value, "eleven");
}

TEST_P(BasicTest, PutIf) {
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

TEST_P(BasicTest, RevisionsAreGlobalAndIncrease) {
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

TEST_P(BasicTest, ScanPrefixStartAfterLimit) {
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

TEST_P(BasicTest, ScanPrefixEndingInFF) {
  auto s = open();
  ASSERT_TRUE(s);
  const Keys all = {"p\xfe", "p\xfe\xff", "p\xff",    "p\xff\0"s,     "p\xff\xff\x01",
                    "q",     "\xff",      "\xff\xff", "\xff\xff\xff", "\xff\xfe"};
  for (const auto& k : all) ASSERT_TRUE(put(*s, k, "v").ok());
  EXPECT_EQ(keys(scan(*s, "p\xff")), (Keys{"p\xff", "p\xff\0"s, "p\xff\xff\x01"}));
  EXPECT_EQ(keys(scan(*s, "p\xfe")), (Keys{"p\xfe", "p\xfe\xff"}));
  EXPECT_EQ(keys(scan(*s, "\xff\xff")), (Keys{"\xff\xff", "\xff\xff\xff"}));  // no upper bound exists
  EXPECT_EQ(keys(scan(*s, "\xff", "\xff\xfe")), (Keys{"\xff\xff", "\xff\xff\xff"}));
}

TEST_P(BasicTest, ScanPagesThroughEverything) {
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

TEST_P(BasicTest, FailedWriteKeepsNothing) {
  auto s = open();
  ASSERT_TRUE(s);
  ASSERT_TRUE(put(*s, "k", "old").ok());
  const int64_t rev = get(*s, "k")->revision;
  Status st = s->write([](WriteTxn& txn) -> Status {
    COFFER_RETURN_IF_ERROR(txn.put("k", "new"));
    COFFER_RETURN_IF_ERROR(txn.put("other", "x"));
    return txn.put_if("k", "newer", 0);  // conflict: k exists
  });
  EXPECT_EQ(st.code(), Code::kConflict);
  EXPECT_EQ(get(*s, "k")->value, "old");
  EXPECT_EQ(get(*s, "k")->revision, rev);
  EXPECT_FALSE(get(*s, "other").has_value());
}

TEST_P(BasicTest, ReadSeesOneSnapshot) {
  auto s = open();
  ASSERT_TRUE(s);
  ASSERT_TRUE(put(*s, "a", "1").ok());
  ASSERT_TRUE(put(*s, "b", "1").ok());
  std::latch first_read(1), written(1);
  std::thread reader([&] {
    Status st = s->read([&](ReadTxn& txn) -> Status {
      auto a = txn.get("a");
      EXPECT_TRUE(a.ok() && *a && (*a)->value == "1");
      first_read.count_down();
      written.wait();  // a write commits meanwhile
      auto b = txn.get("b");
      EXPECT_TRUE(b.ok() && *b && (*b)->value == "1");
      auto all = txn.scan("", "", 10);
      EXPECT_TRUE(all.ok());
      if (all.ok()) {
        EXPECT_EQ(all->size(), 2u);
        for (const auto& e : *all) EXPECT_EQ(e.value, "1") << e.key;
      }
      return Status::Ok();
    });
    EXPECT_TRUE(st.ok()) << st.message();
  });
  first_read.wait();
  Status w = s->write([](WriteTxn& txn) -> Status {
    COFFER_RETURN_IF_ERROR(txn.put("a", "2"));
    COFFER_RETURN_IF_ERROR(txn.put("b", "2"));
    return txn.put("c", "2");
  });
  ASSERT_TRUE(w.ok()) << w.message();
  written.count_down();
  reader.join();
  EXPECT_EQ(get(*s, "a")->value, "2");
  EXPECT_EQ(get(*s, "b")->value, "2");
  EXPECT_EQ(scan(*s, "").size(), 3u);
}

TEST_P(BasicTest, ReadReturnsCallbackStatusAndSurvivesThrow) {
  auto s = open();
  ASSERT_TRUE(s);
  EXPECT_EQ(s->read([](ReadTxn&) { return Status(Code::kNotFound, "nope"); }).code(), Code::kNotFound);
  Status st = s->read([](ReadTxn&) -> Status { throw std::runtime_error("bang"); });
  EXPECT_EQ(st.code(), Code::kInternal);
  EXPECT_NE(st.message().find("bang"), std::string::npos);
  st = s->write([](WriteTxn& txn) -> Status {
    (void)txn.put("thrown", "v");
    throw std::runtime_error("boom");
  });
  EXPECT_EQ(st.code(), Code::kInternal);
  EXPECT_FALSE(get(*s, "thrown").has_value());
  ASSERT_TRUE(put(*s, "k", "v").ok());  // the pooled connection is still usable
  EXPECT_EQ(get(*s, "k")->value, "v");
}

TEST_P(BasicTest, NestedCallsAreRefused) {
  auto s = open();
  ASSERT_TRUE(s);
  auto noop_read = [](ReadTxn&) { return Status::Ok(); };
  auto noop_write = [](WriteTxn&) { return Status::Ok(); };
  Status inner_read, inner_write;
  ASSERT_TRUE(s->read([&](ReadTxn&) {
                 inner_read = s->read(noop_read);
                 inner_write = s->write(noop_write);
                 return Status::Ok();
               }).ok());
  EXPECT_EQ(inner_read.code(), Code::kInternal);
  EXPECT_EQ(inner_write.code(), Code::kInternal);
  ASSERT_TRUE(s->write([&](WriteTxn& txn) {
                 inner_read = s->read(noop_read);
                 inner_write = s->write(noop_write);
                 return txn.put("k", "v");
               }).ok());
  EXPECT_EQ(inner_read.code(), Code::kInternal);
  EXPECT_EQ(inner_write.code(), Code::kInternal);
  EXPECT_TRUE(get(*s, "k").has_value());
}

// The generation advances with every commit, so a cache keyed by it is
// exact. (It may also move without one — PostgreSQL's snapshot moves with
// any transaction of the cluster — which only costs a cache miss.)
TEST_P(BasicTest, GenerationMovesWithEveryCommit) {
  auto s = open();
  ASSERT_TRUE(s);
  for (int i = 0; i < 20; ++i) {
    const auto before = s->generation();
    ASSERT_TRUE(put(*s, "k", std::to_string(i)).ok());
    EXPECT_NE(s->generation(), before) << i;
  }
  if (GetParam() == Backend::kSqlite) {
    const auto g = s->generation();
    (void)get(*s, "k");
    EXPECT_EQ(s->generation(), g) << "a read is no commit";
  }
}

}  // namespace
}  // namespace coffer::store::testing
