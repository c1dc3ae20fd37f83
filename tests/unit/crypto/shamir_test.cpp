// Shamir's secret sharing (SEAL-SPEC.md §3, S5): every threshold-sized
// subset rebuilds the secret and no smaller one does, the field arithmetic
// matches a plain reference on all 65,536 pairs, refusals for bad
// parameters and shares, and the text form catches typos.
#include "crypto/shamir.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <set>

#include "crypto/random.hpp"

namespace coffer::crypto::shamir {
namespace {

// Reference multiply: the textbook loop with branches (tests only).
std::uint8_t reference_mul(std::uint8_t a, std::uint8_t b) {
  std::uint8_t p = 0;
  while (b) {
    if (b & 1) p ^= a;
    const bool carry = a & 0x80;
    a = static_cast<std::uint8_t>(a << 1);
    if (carry) a ^= 0x1b;
    b >>= 1;
  }
  return p;
}

TEST(Shamir, FieldArithmeticMatchesTheReferenceOnEveryPair) {
  for (int a = 0; a < 256; ++a) {
    for (int b = 0; b < 256; ++b) {
      ASSERT_EQ(gf_mul(std::uint8_t(a), std::uint8_t(b)), reference_mul(std::uint8_t(a), std::uint8_t(b)))
          << a << "·" << b;
    }
    if (a != 0) {
      ASSERT_EQ(gf_mul(std::uint8_t(a), gf_inverse(std::uint8_t(a))), 1) << a;
    }
  }
  EXPECT_EQ(gf_inverse(0), 0);
  EXPECT_EQ(gf_mul(0x57, 0x83), 0xc1);  // FIPS-197 §4.2's example
}

// Calls fn for every subset of {0..n-1} of size k.
void for_each_subset(int n, int k, const std::function<void(const std::vector<int>&)>& fn) {
  std::vector<bool> pick(n, false);
  std::fill(pick.begin(), pick.begin() + k, true);
  do {
    std::vector<int> idx;
    for (int i = 0; i < n; ++i) {
      if (pick[i]) idx.push_back(i);
    }
    fn(idx);
  } while (std::prev_permutation(pick.begin(), pick.end()));
}

std::vector<Share> pick(const std::vector<Share>& all, const std::vector<int>& idx) {
  std::vector<Share> out;
  for (int i : idx) out.push_back(all[i]);
  return out;
}

TEST(Shamir, EveryThresholdSubsetRebuildsAndNoSmallerOneDoes) {
  for (int n = 2; n <= 8; ++n) {
    for (int k = 2; k <= n; ++k) {
      const SecureString secret = random_bytes(1 + (n * 7 + k) % 64);
      auto shares = split(secret.view(), n, k);
      ASSERT_TRUE(shares.ok()) << n << "/" << k;
      std::set<int> xs;
      for (const auto& s : *shares) {
        EXPECT_NE(s.x, 0);
        EXPECT_EQ(s.y.size(), secret.size());
        xs.insert(s.x);
      }
      EXPECT_EQ(xs.size(), std::size_t(n)) << "x values are distinct";
      for_each_subset(n, k, [&](const std::vector<int>& idx) {
        auto back = combine(pick(*shares, idx));
        ASSERT_TRUE(back.ok());
        EXPECT_EQ(back->view(), secret.view()) << n << "/" << k;
      });
      if (k > 2 && secret.size() >= 8) {  // shorter: a wrong combination matches by chance too often
        for_each_subset(n, k - 1, [&](const std::vector<int>& idx) {
          auto wrong = combine(pick(*shares, idx));
          ASSERT_TRUE(wrong.ok());
          EXPECT_NE(wrong->view(), secret.view()) << "k-1 shares of " << n << "/" << k;
        });
      }
    }
  }
}

TEST(Shamir, SecretsOfEveryLengthUpTo64Rebuild) {
  for (std::size_t len = 1; len <= 64; ++len) {
    const SecureString secret = random_bytes(len);
    auto shares = split(secret.view(), 4, 3).value();
    EXPECT_EQ(combine({shares[3], shares[0], shares[2]})->view(), secret.view()) << len;
  }
}

TEST(Shamir, AllOrderedTriplesOfFiveRebuild) {
  const SecureString secret = random_bytes(32);
  auto shares = split(secret.view(), 5, 3).value();
  int orders = 0;
  for (int a = 0; a < 5; ++a) {
    for (int b = 0; b < 5; ++b) {
      for (int c = 0; c < 5; ++c) {
        if (a == b || b == c || a == c) continue;
        EXPECT_EQ(combine({shares[a], shares[b], shares[c]})->view(), secret.view());
        ++orders;
      }
    }
  }
  EXPECT_EQ(orders, 60);
}

TEST(Shamir, BadParametersAndSharesAreRefused) {
  EXPECT_EQ(split("", 3, 2).status().code(), Code::kBadParameter);
  for (auto [n, k] : {std::pair{3, 1}, std::pair{256, 2}, std::pair{2, 3}, std::pair{0, 0}, std::pair{2, 1}}) {
    EXPECT_EQ(split("secret", n, k).status().code(), Code::kBadParameter) << n << "/" << k;
  }
  auto one = split("secret", 1, 1);
  ASSERT_TRUE(one.ok());
  ASSERT_EQ(one->size(), 1u);
  EXPECT_EQ(combine(*one)->view(), "secret") << "1 of 1: the share is the secret";
  auto shares = split("secret", 3, 2).value();
  EXPECT_EQ(combine({}).status().code(), Code::kBadParameter);
  EXPECT_EQ(combine({shares[0], shares[0]}).status().code(), Code::kBadParameter) << "a repeated x";
  Share shorter = shares[1];
  shorter.y.resize(3);
  EXPECT_EQ(combine({shares[0], shorter}).status().code(), Code::kBadParameter);
  Share zero = shares[1];
  zero.x = 0;
  EXPECT_EQ(combine({shares[0], zero}).status().code(), Code::kBadParameter);
  // A tampered share combines, to a wrong secret: the seal's AEAD tag is what catches it.
  Share tampered = shares[1];
  tampered.y.data()[0] ^= 1;
  EXPECT_NE(combine({shares[0], tampered})->view(), "secret");
}

TEST(Shamir, TextFormRoundTripsAndCatchesTypos) {
  const SecureString secret = random_bytes(32);
  auto shares = split(secret.view(), 3, 2).value();
  const SecureString text = encode(0xa1b2c3d4, shares[0]);
  EXPECT_EQ(text.view().substr(0, 5), "cfs1-");
  auto back = decode(text.view(), 32);
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(back->keyset_id, 0xa1b2c3d4u);
  EXPECT_EQ(back->share.x, shares[0].x);
  EXPECT_EQ(back->share.y.view(), shares[0].y.view());
  // Every single-character change of the payload is caught by the check (or the decoder).
  std::string s(text.view());
  int caught = 0;
  for (std::size_t i = 5; i < s.size(); ++i) {
    std::string typo = s;
    typo[i] = typo[i] == 'A' ? 'B' : 'A';
    if (!decode(typo, 32).ok()) ++caught;
  }
  EXPECT_EQ(caught, int(s.size() - 5));
  // 41 bytes leave 2 unused bits in the last character: setting one changes
  // no byte, and is refused all the same (a share has one spelling).
  const std::string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string unused_bit = s;
  unused_bit.back() = alphabet[alphabet.find(s.back()) ^ 1];
  EXPECT_FALSE(decode(unused_bit, 32).ok());
  EXPECT_FALSE(decode("cfs2-" + s.substr(5), 32).ok());
  EXPECT_FALSE(decode(s.substr(0, s.size() - 2), 32).ok());
  EXPECT_FALSE(decode(s, 16).ok()) << "a share of another size";
  EXPECT_FALSE(decode("", 32).ok());
  EXPECT_FALSE(decode("cfs1-!!!!", 32).ok());
}

}  // namespace
}  // namespace coffer::crypto::shamir
