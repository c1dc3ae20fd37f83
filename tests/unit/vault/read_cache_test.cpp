// ReadCache over a real SQLite store: a repeated read is served from memory
// only while nothing committed; any commit, or a commit during the read that
// filled an entry, sends the next read to the store again. And the services
// that use it answer with what the store holds after every kind of change,
// and its lookups are counted in the store's metrics registry.
#include "vault/read_cache.hpp"

#include <gtest/gtest.h>

#include <filesystem>

#include "common/prometheus.hpp"
#include "crypto/keyring.hpp"
#include "crypto/random.hpp"
#include "store/store.hpp"
#include "vault/secret_service.hpp"
#include "vault/vault_registry.hpp"

namespace coffer::vault {
namespace {

namespace fs = std::filesystem;

class ReadCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("coffer-read-cache-test-" + crypto::new_version_id());
    fs::create_directories(dir_);
    store_ = std::move(store::open_sqlite_store({(dir_ / "db").string()}).value());
  }
  void TearDown() override {
    store_.reset();
    fs::remove_all(dir_);
  }
  Status put(const std::string& key, const std::string& value) {
    return store_->write([&](store::WriteTxn& txn) { return txn.put(key, value); });
  }
  Result<std::string> read(const std::string& key) {
    ++loads_;
    std::string value;
    COFFER_RETURN_IF_ERROR(store_->read([&](store::ReadTxn& txn) -> Status {
      COFFER_ASSIGN_OR_RETURN(auto e, txn.get(key));
      if (!e) return Status(Code::kNotFound, "absent");
      value = e->value;
      return Status::Ok();
    }));
    return value;
  }

  fs::path dir_;
  std::unique_ptr<store::Store> store_;
  int loads_ = 0;
};

TEST_F(ReadCacheTest, GenerationAdvancesOnCommitsNotReads) {
  const auto g0 = store_->generation();
  ASSERT_TRUE(put("a", "1").ok());
  const auto g1 = store_->generation();
  EXPECT_GT(g1, g0);
  ASSERT_TRUE(read("a").ok());
  EXPECT_EQ(store_->generation(), g1) << "reads do not advance it";
  ASSERT_TRUE(put("a", "2").ok());
  EXPECT_GT(store_->generation(), g1);
}

TEST_F(ReadCacheTest, ServesRepeatedReadsUntilAnyCommit) {
  ReadCache<std::string> cache(*store_, "test");
  ASSERT_TRUE(put("a", "1").ok());
  EXPECT_EQ(*cache.get("a", [&] { return read("a"); }).value(), "1");
  EXPECT_EQ(*cache.get("a", [&] { return read("a"); }).value(), "1");
  EXPECT_EQ(loads_, 1);
  // A hit hands out the cached record itself, not a copy.
  EXPECT_EQ(cache.get("a", [&] { return read("a"); }).value().get(),
            cache.get("a", [&] { return read("a"); }).value().get());
  ASSERT_TRUE(put("unrelated", "x").ok());  // any commit makes every entry stale
  EXPECT_EQ(*cache.get("a", [&] { return read("a"); }).value(), "1");
  EXPECT_EQ(loads_, 2);
  ASSERT_TRUE(put("a", "2").ok());
  EXPECT_EQ(*cache.get("a", [&] { return read("a"); }).value(), "2");
  EXPECT_EQ(loads_, 3);
}

TEST_F(ReadCacheTest, ErrorsAreNotCached) {
  ReadCache<std::string> cache(*store_, "test");
  EXPECT_EQ(cache.get("a", [&] { return read("a"); }).status().code(), Code::kNotFound);
  EXPECT_EQ(cache.get("a", [&] { return read("a"); }).status().code(), Code::kNotFound);
  EXPECT_EQ(loads_, 2);
}

TEST_F(ReadCacheTest, AReadOverlappingACommitIsNotCached) {
  ReadCache<std::string> cache(*store_, "test");
  ASSERT_TRUE(put("a", "1").ok());
  auto loaded = cache.get("a", [&]() -> Result<std::string> {
    auto r = read("a");
    EXPECT_TRUE(put("a", "2").ok());  // commits while this read is in flight
    return r;
  });
  EXPECT_EQ(*loaded.value(), "1");
  EXPECT_EQ(*cache.get("a", [&] { return read("a"); }).value(), "2");
  EXPECT_EQ(loads_, 2);
}

TEST_F(ReadCacheTest, BoundedByCapacity) {
  ReadCache<std::string> cache(*store_, "test", 2);
  for (const char* k : {"a", "b", "c"}) ASSERT_TRUE(put(k, k).ok());
  for (const char* k : {"a", "b", "c"}) EXPECT_EQ(*cache.get(k, [&] { return read(k); }).value(), k);
  EXPECT_EQ(loads_, 3);
  EXPECT_EQ(*cache.get("c", [&] { return read("c"); }).value(), "c");  // the newest survives the flush
  EXPECT_EQ(loads_, 3);
  EXPECT_EQ(*cache.get("a", [&] { return read("a"); }).value(), "a");  // flushed when c came in
  EXPECT_EQ(loads_, 4);
}

TEST_F(ReadCacheTest, SecretGetSeesEveryChange) {
  crypto::Keyring keyring(crypto::random_bytes(32));
  ManualClock clock{1'700'000'000};
  VaultRegistry registry(*store_, keyring, clock);
  SecretService secrets(*store_, keyring, clock);
  VaultInfo vault = registry.create("unit", VaultSettings{}).value();
  SecretDraft d;
  d.value = SecureString("one");
  auto v1 = secrets.set(vault, "s", d).value();
  EXPECT_EQ(secrets.get(vault, "s", "").value().value.view(), "one");
  EXPECT_EQ(secrets.get(vault, "S", "").value().value.view(), "one");
  d.value = SecureString("two");
  ASSERT_TRUE(secrets.set(vault, "s", d).ok());
  EXPECT_EQ(secrets.get(vault, "s", "").value().value.view(), "two");
  EXPECT_EQ(secrets.get(vault, "s", v1.properties.version).value().value.view(), "one");
  SecretPatch disable;
  disable.enabled = false;
  ASSERT_TRUE(secrets.update(vault, "s", "", disable).ok());
  EXPECT_EQ(secrets.get(vault, "s", "").status().code(), Code::kForbidden);
  ASSERT_TRUE(secrets.remove(vault, "s").ok());
  EXPECT_EQ(secrets.get(vault, "s", "").status().code(), Code::kSecretNotFound);
  EXPECT_EQ(secrets.get(vault, "s", v1.properties.version).status().code(), Code::kSecretNotFound);
}

TEST(ReadCacheMetricsTest, LookupsAreCountedAndListedWhileTheCacheLives) {
  const fs::path dir = fs::temp_directory_path() / ("coffer-read-cache-metrics-" + crypto::new_version_id());
  fs::create_directories(dir);
  prometheus::Registry metrics;
  store::SqliteOptions options;
  options.path = (dir / "db").string();
  options.metrics = &metrics;
  auto store = std::move(store::open_sqlite_store(options).value());
  ASSERT_TRUE(store->write([](store::WriteTxn& txn) { return txn.put("k", "v"); }).ok());
  {
    ReadCache<std::string> cache(*store, "secrets");
    const auto load = [] { return Result<std::string>(std::string("v")); };
    ASSERT_TRUE(cache.get("k", load).ok());  // miss
    ASSERT_TRUE(cache.get("k", load).ok());  // hit
    ASSERT_TRUE(cache.get("k", load).ok());  // hit
    const std::string text = metrics.text();
    EXPECT_NE(text.find("coffer_read_cache_lookups_total{cache=\"secrets\",result=\"hit\"} 2\n"), std::string::npos)
        << text;
    EXPECT_NE(text.find("coffer_read_cache_lookups_total{cache=\"secrets\",result=\"miss\"} 1\n"), std::string::npos);
    EXPECT_NE(text.find("coffer_store_commit_batch_size_count{backend=\"sqlite\"} 1\n"), std::string::npos)
        << "the store's commits are counted too";
  }
  EXPECT_EQ(metrics.text().find("cache=\"secrets\""), std::string::npos) << "a cache gone is no longer listed";
  store.reset();
  fs::remove_all(dir);
}

}  // namespace
}  // namespace coffer::vault
