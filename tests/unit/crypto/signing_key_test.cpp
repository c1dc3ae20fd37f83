#include "crypto/signing_key.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <regex>

#include "common/base64.hpp"
#include "test_util.hpp"

namespace coffer::crypto {
namespace {

using testing::output_of;
using testing::run;
using testing::TempDir;

// RSA key generation is slow: share one key across the tests.
const SigningKey& shared_key() {
  static const SigningKey key = SigningKey::generate().value();
  return key;
}

std::string upper(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::toupper(c); });
  return s;
}

TEST(SigningKey, PublicParts) {
  const SigningKey& key = shared_key();
  EXPECT_EQ(key.modulus().size(), 256u);
  EXPECT_NE(static_cast<unsigned char>(key.modulus()[0]) & 0x80, 0);
  EXPECT_EQ(key.exponent(), std::string("\x01\x00\x01", 3));
  EXPECT_EQ(key.key_id().size(), 16u);
  EXPECT_TRUE(std::regex_match(key.key_id(), std::regex("^[A-Za-z0-9_-]{16}$")));
}

TEST(SigningKey, SignAndVerify) {
  const SigningKey& key = shared_key();
  auto sig = key.sign("header.payload");
  ASSERT_TRUE(sig.ok()) << sig.status().message();
  EXPECT_EQ(sig->size(), 256u);
  EXPECT_TRUE(key.verify("header.payload", *sig));
  EXPECT_FALSE(key.verify("header.payloae", *sig));
  EXPECT_FALSE(key.verify("", *sig));
  std::string bad = *sig;
  bad[100] = static_cast<char>(bad[100] ^ 1);
  EXPECT_FALSE(key.verify("header.payload", bad));
  EXPECT_FALSE(key.verify("header.payload", sig->substr(1)));
  EXPECT_FALSE(key.verify("header.payload", ""));
  // PKCS#1 v1.5 is deterministic.
  auto again = key.sign("header.payload");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, *sig);
}

TEST(SigningKey, DifferentKeysDoNotVerifyEachOther) {
  auto other = SigningKey::generate();
  ASSERT_TRUE(other.ok());
  EXPECT_NE(other->key_id(), shared_key().key_id());
  auto sig = other->sign("data");
  ASSERT_TRUE(sig.ok());
  EXPECT_FALSE(shared_key().verify("data", *sig));
}

TEST(SigningKey, PemRoundTripKeepsIdentity) {
  const SigningKey& key = shared_key();
  SecureString pem = key.private_pem();
  EXPECT_EQ(pem.view().rfind("-----BEGIN PRIVATE KEY-----", 0), 0u);
  auto restored = SigningKey::from_private_pem(pem);
  ASSERT_TRUE(restored.ok()) << restored.status().message();
  EXPECT_EQ(restored->key_id(), key.key_id());
  EXPECT_EQ(restored->modulus(), key.modulus());
  EXPECT_EQ(restored->exponent(), key.exponent());
  auto sig = key.sign("data");
  ASSERT_TRUE(sig.ok());
  EXPECT_TRUE(restored->verify("data", *sig));
  EXPECT_EQ(restored->private_pem().view(), pem.view());
}

TEST(SigningKey, CopiesShareTheKey) {
  SigningKey copy = shared_key();
  copy = SigningKey(shared_key());
  EXPECT_EQ(copy.key_id(), shared_key().key_id());
  auto sig = copy.sign("x");
  ASSERT_TRUE(sig.ok());
  EXPECT_TRUE(shared_key().verify("x", *sig));
}

TEST(SigningKey, RejectsBadPem) {
  EXPECT_FALSE(SigningKey::from_private_pem(SecureString("")).ok());
  EXPECT_FALSE(SigningKey::from_private_pem(SecureString("not a pem")).ok());
  std::string pem = shared_key().private_pem().str();
  EXPECT_FALSE(SigningKey::from_private_pem(SecureString(pem.substr(0, pem.size() / 2))).ok());
}

TEST(SigningKey, RejectsNonRsaAndEncryptedKeys) {
  if (!testing::openssl_available()) GTEST_SKIP() << "openssl command not found";
  TempDir dir;
  ASSERT_EQ(run("openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out " + dir.file("ec.pem")), 0);
  auto ec = SigningKey::from_private_pem(SecureString(testing::read_file(dir.file("ec.pem"))));
  ASSERT_FALSE(ec.ok());
  EXPECT_NE(ec.status().message().find("RSA"), std::string::npos);

  ASSERT_EQ(run("openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -aes256 -pass "
                "pass:secret -out " +
                dir.file("enc.pem")),
            0);
  auto enc = SigningKey::from_private_pem(SecureString(testing::read_file(dir.file("enc.pem"))));
  EXPECT_FALSE(enc.ok());

  ASSERT_EQ(run("openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024 -out " + dir.file("small.pem")), 0);
  EXPECT_FALSE(SigningKey::from_private_pem(SecureString(testing::read_file(dir.file("small.pem")))).ok());
}

TEST(SigningKey, OpensslCommandLineAgrees) {
  if (!testing::openssl_available()) GTEST_SKIP() << "openssl command not found";
  const SigningKey& key = shared_key();
  TempDir dir;
  testing::write_file(dir.file("priv.pem"), key.private_pem().str());
  ASSERT_EQ(run("openssl pkey -in " + dir.file("priv.pem") + " -pubout -out " + dir.file("pub.pem")), 0);
  const std::string data = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0";
  auto sig = key.sign(data);
  ASSERT_TRUE(sig.ok());
  testing::write_file(dir.file("data"), data);
  testing::write_file(dir.file("sig"), *sig);
  EXPECT_EQ(run("openssl dgst -sha256 -verify " + dir.file("pub.pem") + " -signature " + dir.file("sig") + " " +
                dir.file("data")),
            0);
  testing::write_file(dir.file("data"), data + ".");
  EXPECT_NE(run("openssl dgst -sha256 -verify " + dir.file("pub.pem") + " -signature " + dir.file("sig") + " " +
                dir.file("data")),
            0);

  // The modulus and the key id match what openssl computes.
  EXPECT_EQ(output_of("openssl rsa -pubin -in " + dir.file("pub.pem") + " -noout -modulus"),
            "Modulus=" + upper(hex_encode(key.modulus())) + "\n");
  ASSERT_EQ(run("openssl pkey -pubin -in " + dir.file("pub.pem") + " -outform DER -out " + dir.file("pub.der")), 0);
  const std::string digest = output_of("openssl dgst -sha256 -binary " + dir.file("pub.der"));
  ASSERT_EQ(digest.size(), 32u);
  EXPECT_EQ(key.key_id(), base64url_encode(digest).substr(0, 16));
}

}  // namespace
}  // namespace coffer::crypto
