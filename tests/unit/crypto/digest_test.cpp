// SHA-256 and HMAC-SHA256 against published test vectors (FIPS 180-2,
// RFC 4231), including the empty key and empty message, and a keyed
// HmacSha256 that gives the same answers when shared between threads.
#include "crypto/digest.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "common/base64.hpp"

namespace coffer::crypto {
namespace {

TEST(Digest, Sha256Vectors) {
  EXPECT_EQ(hex_encode(sha256("")), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(hex_encode(sha256("abc")), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Digest, Sha256DigestMatchesTheStringFormOnEveryThread) {
  // The digest reuses one context per thread: consecutive and concurrent
  // calls must not see each other's input.
  const auto abc = sha256_digest("abc");
  ASSERT_TRUE(abc.has_value());
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(abc->data()), abc->size()), sha256("abc"));
  EXPECT_EQ(hex_encode(std::string(reinterpret_cast<const char*>(sha256_digest("")->data()), 32)),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  std::atomic<int> mismatches{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      const std::string input = "thread-" + std::to_string(t);
      const std::string expected = sha256(input);
      for (int i = 0; i < 500; ++i) {
        const auto d = sha256_digest(input);
        mismatches += !d || std::string(reinterpret_cast<const char*>(d->data()), d->size()) != expected;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(mismatches.load(), 0);
}

TEST(Digest, HmacSha256Vectors) {
  // RFC 4231 test case 2.
  EXPECT_EQ(hex_encode(hmac_sha256("Jefe", "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  // RFC 4231 test case 6: a key longer than the block size.
  EXPECT_EQ(hex_encode(hmac_sha256(std::string(131, '\xaa'), "Test Using Larger Than Block-Size Key - Hash Key First")),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
  EXPECT_EQ(hex_encode(hmac_sha256("", "")), "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
}

TEST(Digest, KeyedHmacIsReusableAcrossThreads) {
  const HmacSha256 key("Jefe");
  const std::string expected = hmac_sha256("Jefe", "what do ya want for nothing?");
  std::vector<std::thread> threads;
  std::atomic<int> mismatches{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 500; ++i) mismatches += key.mac("what do ya want for nothing?") != expected;
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(mismatches.load(), 0);
  EXPECT_NE(key.mac("other"), expected);
}

}  // namespace
}  // namespace coffer::crypto
