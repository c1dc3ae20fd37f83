// The provider's object cache: answers stored with the cursors they were
// read at, kept only when no other Mount moved the cursors, forgotten when
// the feed reports their object or any access change, and bounded.
#include "csi/object_cache.hpp"

#include <gtest/gtest.h>

namespace coffer::csi {
namespace {

std::map<std::string, SecureString> answers(std::initializer_list<std::pair<const char*, const char*>> items) {
  std::map<std::string, SecureString> out;
  for (const auto& [k, v] : items) out.emplace(k, SecureString(v));
  return out;
}

TEST(ObjectCacheTest, StoresWhatAMountReadAtItsCursors) {
  ObjectCache cache;
  EXPECT_TRUE(cache.cursors("id\nvault").empty());
  cache.commit("id\nvault", {}, {{"secret", "5.0"}}, true, {}, answers({{"secret/a/", "A"}, {"secret/b/", "B"}}));
  EXPECT_EQ(cache.cursors("id\nvault"), (ObjectCache::Cursors{{"secret", "5.0"}}));
  EXPECT_EQ(cache.find("id\nvault", "secret/a/")->str(), "A");
  EXPECT_FALSE(cache.find("other\nvault", "secret/a/")) << "another identity has its own entry";
}

TEST(ObjectCacheTest, ChangedObjectsAndAccessChangesAreForgotten) {
  ObjectCache cache;
  cache.commit("k", {}, {{"secret", "5.0"}}, true, {},
               answers({{"secret/a/", "A"}, {"secret/a/0123", "A0"}, {"secret/ab/", "AB"}}));
  cache.commit("k", {{"secret", "5.0"}}, {{"secret", "6.0"}}, false, {"secret/a/"}, {});
  EXPECT_FALSE(cache.find("k", "secret/a/"));
  EXPECT_FALSE(cache.find("k", "secret/a/0123")) << "every version of a changed object";
  EXPECT_EQ(cache.find("k", "secret/ab/")->str(), "AB") << "a name that only starts alike stays";
  cache.commit("k", {{"secret", "6.0"}}, {{"secret", "7.1"}}, true, {}, answers({{"secret/c/", "C"}}));
  EXPECT_FALSE(cache.find("k", "secret/ab/")) << "an access change drops everything read before";
  EXPECT_EQ(cache.find("k", "secret/c/")->str(), "C") << "what was read after it stays";
}

TEST(ObjectCacheTest, AMountThatFellBehindStoresNothing) {
  ObjectCache cache;
  cache.commit("k", {}, {{"secret", "5.0"}}, true, {}, answers({{"secret/a/", "old"}}));
  // Two Mounts saw 5.0; the second reads a newer answer and commits first.
  cache.commit("k", {{"secret", "5.0"}}, {{"secret", "9.0"}}, false, {"secret/a/"}, answers({{"secret/a/", "new"}}));
  cache.commit("k", {{"secret", "5.0"}}, {{"secret", "6.0"}}, false, {"secret/a/"}, answers({{"secret/a/", "mid"}}));
  EXPECT_EQ(cache.find("k", "secret/a/")->str(), "new");
  EXPECT_EQ(cache.cursors("k"), (ObjectCache::Cursors{{"secret", "9.0"}}));
  cache.forget("k");
  EXPECT_TRUE(cache.cursors("k").empty());
}

TEST(ObjectCacheTest, TooManyAnswersEmptyTheCache) {
  ObjectCache cache;
  std::map<std::string, SecureString> many;
  for (std::size_t i = 0; i <= kMaxCachedObjects; ++i) many.emplace("secret/n" + std::to_string(i) + "/", "v");
  cache.commit("k", {}, {{"secret", "1.0"}}, true, {}, std::move(many));
  EXPECT_FALSE(cache.find("k", "secret/n1/"));
  EXPECT_TRUE(cache.cursors("k").empty());
}

}  // namespace
}  // namespace coffer::csi
