#include "crypto/keyring.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "crypto/aead.hpp"
#include "crypto/random.hpp"
#include "test_util.hpp"

namespace coffer::crypto {
namespace {

using testing::expect_decryption_failed;

class KeyringTest : public ::testing::Test {
 protected:
  SecureString root_ = random_bytes(32);
  Keyring keyring_{root_};
  std::string kek_ = keyring_.new_wrapped_kek("vault-a").value();
};

TEST_F(KeyringTest, SealOpenRoundTrip) {
  auto sealed = keyring_.seal("vault-a", kek_, "s3cr3t value", "vault-a/secrets/db/v1");
  ASSERT_TRUE(sealed.ok()) << sealed.status().message();
  EXPECT_EQ(sealed->find("s3cr3t"), std::string::npos);
  auto opened = keyring_.open("vault-a", kek_, *sealed, "vault-a/secrets/db/v1");
  ASSERT_TRUE(opened.ok()) << opened.status().message();
  EXPECT_EQ(opened->view(), "s3cr3t value");
}

TEST_F(KeyringTest, EmptyAndBinaryPayloads) {
  for (const std::string& pt : {std::string(), std::string("\0\x01\xff", 3)}) {
    auto sealed = keyring_.seal("vault-a", kek_, pt, "ad");
    ASSERT_TRUE(sealed.ok());
    auto opened = keyring_.open("vault-a", kek_, *sealed, "ad");
    ASSERT_TRUE(opened.ok());
    EXPECT_EQ(opened->view(), pt);
  }
}

TEST_F(KeyringTest, AnotherKeyringWithSameRootOpens) {
  auto sealed = keyring_.seal("vault-a", kek_, "payload", "ad");
  ASSERT_TRUE(sealed.ok());
  Keyring other(root_);
  auto opened = other.open("vault-a", kek_, *sealed, "ad");
  ASSERT_TRUE(opened.ok());
  EXPECT_EQ(opened->view(), "payload");
}

TEST_F(KeyringTest, TwoSealsOfSamePlaintextDiffer) {
  auto a = keyring_.seal("vault-a", kek_, "same", "ad");
  auto b = keyring_.seal("vault-a", kek_, "same", "ad");
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(*a, *b);
}

TEST_F(KeyringTest, CiphertextSwappedBetweenRecordsFails) {
  auto one = keyring_.seal("vault-a", kek_, "first", "vault-a/secrets/one/v1");
  auto two = keyring_.seal("vault-a", kek_, "second", "vault-a/secrets/two/v1");
  ASSERT_TRUE(one.ok() && two.ok());
  expect_decryption_failed(keyring_.open("vault-a", kek_, *one, "vault-a/secrets/two/v1"));
  expect_decryption_failed(keyring_.open("vault-a", kek_, *two, "vault-a/secrets/one/v1"));
}

TEST_F(KeyringTest, WrongOwnerFails) {
  auto sealed = keyring_.seal("vault-a", kek_, "payload", "ad");
  ASSERT_TRUE(sealed.ok());
  expect_decryption_failed(keyring_.open("vault-b", kek_, *sealed, "ad"));
  // The KEK itself is bound to its owner: it cannot even seal for another.
  EXPECT_FALSE(keyring_.seal("vault-b", kek_, "payload", "ad").ok());
}

TEST_F(KeyringTest, WrongWrappedKekFails) {
  auto sealed = keyring_.seal("vault-a", kek_, "payload", "ad");
  ASSERT_TRUE(sealed.ok());
  auto other_kek = keyring_.new_wrapped_kek("vault-a");
  ASSERT_TRUE(other_kek.ok());
  EXPECT_NE(*other_kek, kek_);
  expect_decryption_failed(keyring_.open("vault-a", *other_kek, *sealed, "ad"));
  std::string tampered = kek_;
  tampered[20] = static_cast<char>(tampered[20] ^ 0x80);
  expect_decryption_failed(keyring_.open("vault-a", tampered, *sealed, "ad"));
  expect_decryption_failed(keyring_.open("vault-a", "", *sealed, "ad"));
}

TEST_F(KeyringTest, WrongRootKeyFails) {
  auto sealed = keyring_.seal("vault-a", kek_, "payload", "ad");
  ASSERT_TRUE(sealed.ok());
  Keyring other(random_bytes(32));
  expect_decryption_failed(other.open("vault-a", kek_, *sealed, "ad"));
}

TEST_F(KeyringTest, TamperedOrTruncatedBlobFails) {
  auto sealed = keyring_.seal("vault-a", kek_, "payload", "ad");
  ASSERT_TRUE(sealed.ok());
  for (std::size_t i = 0; i < sealed->size(); ++i) {
    std::string t = *sealed;
    t[i] = static_cast<char>(t[i] ^ 0x04);
    expect_decryption_failed(keyring_.open("vault-a", kek_, t, "ad"));
  }
  for (std::size_t n = 0; n < sealed->size(); ++n) {
    expect_decryption_failed(keyring_.open("vault-a", kek_, sealed->substr(0, n), "ad"));
  }
}

TEST_F(KeyringTest, SystemSealBoundToName) {
  auto sealed = keyring_.seal_system("signing key pem", "token-signing-key");
  ASSERT_TRUE(sealed.ok());
  auto opened = keyring_.open_system(*sealed, "token-signing-key");
  ASSERT_TRUE(opened.ok());
  EXPECT_EQ(opened->view(), "signing key pem");
  expect_decryption_failed(keyring_.open_system(*sealed, "other"));
  // A system blob is not a KEK, and a KEK is not a system blob.
  expect_decryption_failed(keyring_.open_system(kek_, "vault-a"));
  Keyring other(random_bytes(32));
  expect_decryption_failed(other.open_system(*sealed, "token-signing-key"));
}

TEST(Keyring, WrongRootKeySizeIsAnError) {
  Keyring bad(SecureString(std::string(16, 'x')));
  auto kek = bad.new_wrapped_kek("v");
  ASSERT_FALSE(kek.ok());
  EXPECT_EQ(kek.status().code(), Code::kInternal);
  EXPECT_FALSE(bad.seal_system("x", "y").ok());
}

TEST_F(KeyringTest, ConcurrentUse) {
  std::vector<std::string> keks;
  keks.reserve(4);
  for (int i = 0; i < 4; ++i) keks.push_back(keyring_.new_wrapped_kek("v" + std::to_string(i)).value());
  std::vector<std::thread> threads;
  threads.reserve(4);
  std::atomic<int> failures{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i) {
        const std::string owner = "v" + std::to_string((t + i) % 4);
        const std::string& kek = keks[(t + i) % 4];
        const std::string ad = owner + "/" + std::to_string(i);
        auto sealed = keyring_.seal(owner, kek, "data" + ad, ad);
        auto opened = sealed.ok() ? keyring_.open(owner, kek, *sealed, ad) : Result<SecureString>(sealed.status());
        if (!opened.ok() || opened->view() != "data" + ad) ++failures;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
}

}  // namespace
}  // namespace coffer::crypto

namespace coffer::crypto {
namespace {

// A repeated open() is served with the cached data key; the cache must not
// let anything through that a cold open() would refuse.
TEST(KeyringDataKeyCache, WarmOpensRefuseWhatColdOpensRefuse) {
  Keyring ring(random_bytes(32));
  const std::string kek = ring.new_wrapped_kek("vault-a").value();
  const std::string other_kek = ring.new_wrapped_kek("vault-b").value();
  const std::string blob = ring.seal("vault-a", kek, "payload", "vault-a/secrets/s/v1").value();
  for (int i = 0; i < 3; ++i) EXPECT_EQ(ring.open("vault-a", kek, blob, "vault-a/secrets/s/v1")->view(), "payload");
  EXPECT_FALSE(ring.open("vault-a", kek, blob, "vault-a/secrets/s/v2").ok()) << "other associated data";
  EXPECT_FALSE(ring.open("vault-b", other_kek, blob, "vault-a/secrets/s/v1").ok()) << "other owner and KEK";
  std::string tampered = blob;
  tampered.back() = static_cast<char>(tampered.back() ^ 1);  // same wrapped data key, payload changed
  EXPECT_FALSE(ring.open("vault-a", kek, tampered, "vault-a/secrets/s/v1").ok());
  for (int i = 0; i < 9000; ++i) {  // past the cache bound: it empties and keeps working
    const std::string b = ring.seal("vault-a", kek, "p" + std::to_string(i), "ad").value();
    ASSERT_EQ(ring.open("vault-a", kek, b, "ad")->view(), "p" + std::to_string(i));
  }
  EXPECT_EQ(ring.open("vault-a", kek, blob, "vault-a/secrets/s/v1")->view(), "payload");
}

// Root-key generations: what was wrapped before a rotation keeps opening,
// rewrapping moves a KEK to the active generation without changing anything
// sealed under it, and a generation another server made is loaded on demand.
TEST(KeyringGenerations, RotationRewrapsKeksAndLeavesPayloadsAlone) {
  const SecureString first = random_bytes(32), second = random_bytes(32);
  Keyring before(first);  // a keyring of before generations: untagged blobs
  const std::string legacy_kek = before.new_wrapped_kek("vault-a").value();
  const std::string payload = before.seal("vault-a", legacy_kek, "v", "vault-a/secrets/s/1").value();
  const std::string system = before.seal_system("signing key", "config/signing-key").value();

  Keyring::RootKeys keys;
  keys.emplace(1, first);
  Keyring ring(std::move(keys), 1);
  EXPECT_EQ(Keyring::generation_of(legacy_kek), 1);
  EXPECT_EQ(ring.open("vault-a", legacy_kek, payload, "vault-a/secrets/s/1")->view(), "v");

  Keyring::RootKeys next;
  next.emplace(2, second);
  ASSERT_TRUE(ring.adopt(std::move(next), 2).ok());
  EXPECT_EQ(ring.active_generation(), 2);
  const std::string kek2 = ring.rewrap_kek("vault-a", legacy_kek).value();
  EXPECT_NE(kek2, legacy_kek);
  EXPECT_EQ(Keyring::generation_of(kek2), 2);
  EXPECT_EQ(ring.rewrap_kek("vault-a", kek2).value(), kek2) << "already current: unchanged";
  EXPECT_EQ(ring.open("vault-a", kek2, payload, "vault-a/secrets/s/1")->view(), "v")
      << "the payload sealed before the rotation opens through the rewrapped KEK, unchanged";
  EXPECT_EQ(Keyring::generation_of(ring.new_wrapped_kek("vault-b").value()), 2);
  const std::string system2 = ring.reseal_system(system, "config/signing-key").value();
  EXPECT_EQ(Keyring::generation_of(system2), 2);
  EXPECT_EQ(ring.open_system(system2, "config/signing-key")->view(), "signing key");
  EXPECT_FALSE(ring.reseal_system(system, "config/other").ok()) << "still bound to its name";

  // Generation 2 alone opens the rewrapped KEK but not the old one.
  Keyring::RootKeys only2;
  only2.emplace(2, second);
  Keyring later(std::move(only2), 2);
  EXPECT_EQ(later.open("vault-a", kek2, payload, "vault-a/secrets/s/1")->view(), "v");
  EXPECT_FALSE(later.open("vault-a", legacy_kek, payload, "vault-a/secrets/s/1").ok());
}

TEST(KeyringGenerations, AnUnknownGenerationIsAskedForOnce) {
  const SecureString first = random_bytes(32), second = random_bytes(32);
  Keyring elsewhere(
      [&] {
        Keyring::RootKeys k;
        k.emplace(1, first);
        k.emplace(2, second);
        return k;
      }(),
      2);
  const std::string kek = elsewhere.new_wrapped_kek("vault-a").value();
  const std::string payload = elsewhere.seal("vault-a", kek, "fresh", "ad").value();

  Keyring::RootKeys one;
  one.emplace(1, first);
  Keyring stale(std::move(one), 1);
  EXPECT_EQ(stale.open("vault-a", kek, payload, "ad").status().code(), Code::kUnavailable)
      << "no loader: the generation is named as missing";

  int asked = 0;
  Keyring::RootKeys one_again;
  one_again.emplace(1, first);
  Keyring follows(std::move(one_again), 1, [&]() -> Result<Keyring::RootKeys> {
    ++asked;
    Keyring::RootKeys k;
    k.emplace(1, first);
    k.emplace(2, second);
    return k;
  });
  EXPECT_EQ(follows.open("vault-a", kek, payload, "ad")->view(), "fresh");
  EXPECT_EQ(follows.open("vault-a", kek, payload, "ad")->view(), "fresh");
  EXPECT_EQ(asked, 1);
  EXPECT_EQ(follows.active_generation(), 2) << "new wraps follow the newest generation";
  EXPECT_TRUE(follows.under_active_generation(kek));
  EXPECT_FALSE(follows.under_active_generation(stale.seal_system("x", "ad").value().substr(7)))
      << "an untagged blob is never under the active generation";
}

TEST(KeyringGenerations, AnActiveGenerationThatIsNotLoadedIsAnErrorNotACrash) {
  Keyring::RootKeys only1;
  only1.emplace(1, random_bytes(32));
  Keyring ring(std::move(only1), 2);
  EXPECT_EQ(ring.new_wrapped_kek("vault-a").status().code(), Code::kInternal);
  EXPECT_EQ(ring.seal_system("x", "ad").status().code(), Code::kInternal);
}

}  // namespace
}  // namespace coffer::crypto
