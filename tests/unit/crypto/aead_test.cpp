#include "crypto/aead.hpp"

#include <gtest/gtest.h>

#include "crypto/random.hpp"
#include "test_util.hpp"

namespace coffer::crypto {
namespace {

using testing::unhex;

SecureString key() { return random_bytes(kAeadKeySize); }

void flip(std::string& s, std::size_t i) { s[i] = static_cast<char>(s[i] ^ 0x01); }

using testing::expect_decryption_failed;

TEST(Aead, RoundTrip) {
  SecureString k = key();
  auto blob = aead_seal(k, "hello, world", "vault/secrets/name/v1");
  ASSERT_TRUE(blob.ok()) << blob.status().message();
  EXPECT_EQ(blob->size(), 12u + 12u + 16u);
  auto pt = aead_open(k, *blob, "vault/secrets/name/v1");
  ASSERT_TRUE(pt.ok()) << pt.status().message();
  EXPECT_EQ(pt->view(), "hello, world");
}

TEST(Aead, EmptyPlaintextAndAssociatedData) {
  SecureString k = key();
  auto blob = aead_seal(k, "", "");
  ASSERT_TRUE(blob.ok());
  EXPECT_EQ(blob->size(), 28u);
  auto pt = aead_open(k, *blob, "");
  ASSERT_TRUE(pt.ok());
  EXPECT_TRUE(pt->empty());
}

TEST(Aead, BinaryAndLargePlaintext) {
  SecureString k = key();
  std::string data(1 << 20, '\0');
  for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>(i * 31);
  auto blob = aead_seal(k, data, std::string("a\0d", 3));
  ASSERT_TRUE(blob.ok());
  auto pt = aead_open(k, *blob, std::string("a\0d", 3));
  ASSERT_TRUE(pt.ok());
  EXPECT_EQ(pt->view(), data);
  expect_decryption_failed(aead_open(k, *blob, "a"));
}

TEST(Aead, SealsDifferEachTime) {
  SecureString k = key();
  auto a = aead_seal(k, "same", "ad");
  auto b = aead_seal(k, "same", "ad");
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(*a, *b);
  EXPECT_NE(a->substr(0, 12), b->substr(0, 12));  // fresh nonce
}

TEST(Aead, TamperingAnyPartFails) {
  SecureString k = key();
  auto sealed = aead_seal(k, "attack at dawn", "ad");
  ASSERT_TRUE(sealed.ok());
  const std::string blob = *sealed;
  // Every single bit position of the nonce, ciphertext and tag.
  for (std::size_t i = 0; i < blob.size(); ++i) {
    std::string t = blob;
    flip(t, i);
    expect_decryption_failed(aead_open(k, t, "ad"));
  }
  expect_decryption_failed(aead_open(k, blob, "ae"));
  expect_decryption_failed(aead_open(k, blob, ""));
  expect_decryption_failed(aead_open(k, blob, "ad "));
  expect_decryption_failed(aead_open(key(), blob, "ad"));
  expect_decryption_failed(aead_open(k, blob.substr(0, blob.size() - 1), "ad"));
  expect_decryption_failed(aead_open(k, blob + "x", "ad"));
  expect_decryption_failed(aead_open(k, blob.substr(0, 27), "ad"));
  expect_decryption_failed(aead_open(k, "", "ad"));
}

TEST(Aead, RejectsWrongKeySize) {
  auto s = aead_seal(SecureString(std::string(16, 'k')), "x", "");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), Code::kInternal);
  auto o = aead_open(SecureString(std::string(31, 'k')), std::string(40, '\0'), "");
  ASSERT_FALSE(o.ok());
  EXPECT_EQ(o.status().code(), Code::kInternal);
}

// McGrew & Viega, "The Galois/Counter Mode of Operation (GCM)", test cases
// 13, 14 and 16 (AES-256, 96-bit IV), as used in NIST's GCM validation.
struct Vector {
  const char* key;
  const char* iv;
  const char* plaintext;
  const char* aad;
  const char* ciphertext;
  const char* tag;
};

constexpr Vector kVectors[] = {
    {"0000000000000000000000000000000000000000000000000000000000000000", "000000000000000000000000", "", "", "",
     "530f8afbc74536b9a963b4f1c4cb738b"},
    {"0000000000000000000000000000000000000000000000000000000000000000", "000000000000000000000000",
     "00000000000000000000000000000000", "", "cea7403d4d606b6e074ec5d3baf39d18", "d0d1c8a799996bf0265b98b5d48ab919"},
    {"feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308", "cafebabefacedbaddecaf888",
     "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
     "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39",
     "feedfacedeadbeeffeedfacedeadbeefabaddad2",
     "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
     "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662",
     "76fc6ece0f4e1768cddf8853bb2d551b"},
};

TEST(Aead, KnownAnswerVectors) {
  for (const Vector& v : kVectors) {
    SecureString k(unhex(v.key));
    const std::string blob = unhex(v.iv) + unhex(v.ciphertext) + unhex(v.tag);
    auto pt = aead_open(k, blob, unhex(v.aad));
    ASSERT_TRUE(pt.ok()) << "vector with tag " << v.tag;
    EXPECT_EQ(pt->view(), unhex(v.plaintext));
    std::string bad_tag = blob;
    flip(bad_tag, bad_tag.size() - 1);
    expect_decryption_failed(aead_open(k, bad_tag, unhex(v.aad)));
  }
}

}  // namespace
}  // namespace coffer::crypto
