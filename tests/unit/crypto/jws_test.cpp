// JWS verification: JWK → key conversion (and its refusals), RS256/PS256/
// ES256/ES384 signatures, algorithm/key mismatches, tampering, and
// certificate parsing with thumbprints.
#include "crypto/jws.hpp"

#include <gtest/gtest.h>
#include <openssl/evp.h>

#include "common/base64.hpp"
#include "jws_test_keys.hpp"

namespace coffer::crypto {
namespace {

using testing::TestKey;

const TestKey& rsa_key() {
  static const TestKey k = TestKey::rsa();
  return k;
}
const TestKey& ec_key() {
  static const TestKey k = TestKey::ec();
  return k;
}

TEST(JwsPublicKey, RsaJwkVerifiesRs256AndPs256) {
  auto key = JwsPublicKey::from_jwk(rsa_key().jwk());
  ASSERT_TRUE(key.ok()) << key.status().message();
  EXPECT_EQ(key->key_type(), "RSA");
  for (const char* alg : {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512"}) {
    const std::string sig = rsa_key().sign(alg, "header.payload");
    EXPECT_TRUE(key->verify(alg, "header.payload", sig)) << alg;
    EXPECT_FALSE(key->verify(alg, "header.payloaX", sig)) << alg;
  }
  // A PKCS#1 v1.5 signature is not a PSS signature, and the hash is part of the algorithm.
  EXPECT_FALSE(key->verify("PS256", "x", rsa_key().sign("RS256", "x")));
  EXPECT_FALSE(key->verify("RS384", "x", rsa_key().sign("RS256", "x")));
  EXPECT_FALSE(key->supports("ES256"));
}

TEST(JwsPublicKey, EcJwkVerifiesEs256AndEs384) {
  auto key = JwsPublicKey::from_jwk(ec_key().jwk());
  ASSERT_TRUE(key.ok()) << key.status().message();
  EXPECT_EQ(key->key_type(), "EC");
  const std::string sig = ec_key().sign("ES256", "a.b");
  ASSERT_EQ(sig.size(), 64u);
  EXPECT_TRUE(key->verify("ES256", "a.b", sig));
  EXPECT_FALSE(key->verify("ES256", "a.c", sig));
  EXPECT_FALSE(key->verify("ES384", "a.b", sig));  // wrong curve for the algorithm
  EXPECT_FALSE(key->supports("RS256"));
  // DER signatures (what OpenSSL emits) are not JOSE signatures.
  std::string der_sig = sig;
  der_sig.insert(der_sig.begin(), '\x30');
  EXPECT_FALSE(key->verify("ES256", "a.b", der_sig));

  TestKey p384 = TestKey::ec("P-384");
  auto key384 = JwsPublicKey::from_jwk(p384.jwk());
  ASSERT_TRUE(key384.ok()) << key384.status().message();
  EXPECT_TRUE(key384->verify("ES384", "a.b", p384.sign("ES384", "a.b")));
  EXPECT_FALSE(key384->supports("ES256"));
}

TEST(JwsPublicKey, RefusesNoneAndHmacWhateverTheKey) {
  auto key = JwsPublicKey::from_jwk(rsa_key().jwk()).value();
  for (const char* alg : {"none", "HS256", "HS384", "HS512", "", "rs256", "RS256 ", "EdDSA"}) {
    EXPECT_FALSE(is_accepted_jws_algorithm(alg)) << alg;
    EXPECT_FALSE(key.supports(alg)) << alg;
    EXPECT_FALSE(key.verify(alg, "a.b", "")) << alg;
  }
  EXPECT_TRUE(is_accepted_jws_algorithm("RS256"));
  EXPECT_TRUE(is_accepted_jws_algorithm("ES256"));
  EXPECT_FALSE(JwsPublicKey().verify("RS256", "a.b", rsa_key().sign("RS256", "a.b")));
}

TEST(JwsPublicKey, ForeignKeyDoesNotVerify) {
  TestKey other = TestKey::rsa();
  auto key = JwsPublicKey::from_jwk(rsa_key().jwk()).value();
  EXPECT_FALSE(key.verify("RS256", "a.b", other.sign("RS256", "a.b")));
  EXPECT_FALSE(key.verify("RS256", "a.b", ""));
  EXPECT_FALSE(key.verify("RS256", "a.b", std::string(256, '\0')));
}

TEST(JwsPublicKey, BadJwksAreRefused) {
  auto expect_bad = [](JwkParams p, const char* what) {
    auto r = JwsPublicKey::from_jwk(p);
    ASSERT_FALSE(r.ok()) << what;
    EXPECT_EQ(r.status().code(), Code::kBadParameter) << what;
  };
  JwkParams rsa = rsa_key().jwk();
  JwkParams ec = ec_key().jwk();
  JwkParams p = rsa;
  p.kty = "oct";
  expect_bad(p, "symmetric key");
  p.kty = "";
  expect_bad(p, "no kty");
  p = rsa;
  p.n = "";
  expect_bad(p, "no modulus");
  p = rsa;
  p.e = "AQ!B";
  expect_bad(p, "bad base64url");
  p = rsa;
  p.n = base64url_encode(std::string(128, '\xff'));  // 1024-bit modulus
  expect_bad(p, "short RSA");
  p = rsa;
  p.n = std::string(5000, 'A');
  expect_bad(p, "huge member");
  p = ec;
  p.crv = "P-521";
  expect_bad(p, "unsupported curve");
  p = ec;
  p.crv = "secp256k1";
  expect_bad(p, "unsupported curve name");
  p = ec;
  p.x = base64url_encode(std::string(31, 'x'));
  expect_bad(p, "short coordinate");
  p = ec;
  p.y = p.x;  // (x, x) is not on the curve (with overwhelming probability)
  expect_bad(p, "point not on curve");
  p = ec;
  p.y = "";
  expect_bad(p, "missing y");
}

TEST(Certificate, ParsesPemWithThumbprints) {
  const std::string pem = rsa_key().self_signed_pem("coffer-test");
  auto info = parse_certificate(pem);
  ASSERT_TRUE(info.ok()) << info.status().message();
  EXPECT_EQ(info->sha1.size(), 20u);
  EXPECT_EQ(info->sha256.size(), 32u);
  EXPECT_NE(info->subject.find("CN=coffer-test"), std::string::npos);
  EXPECT_LT(info->not_before, info->not_after);
  EXPECT_TRUE(info->key.verify("RS256", "a.b", rsa_key().sign("RS256", "a.b")));
  // DER gives the same certificate; a private key before the certificate is skipped.
  auto der = parse_certificate(info->der);
  ASSERT_TRUE(der.ok());
  EXPECT_EQ(der->sha256, info->sha256);
  unsigned char sha1[20];
  unsigned int len = 0;
  EVP_Digest(info->der.data(), info->der.size(), sha1, &len, EVP_sha1(), nullptr);
  EXPECT_EQ(info->sha1, std::string(reinterpret_cast<char*>(sha1), len));
  auto with_key = parse_certificate("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n" + pem);
  ASSERT_TRUE(with_key.ok()) << with_key.status().message();
  EXPECT_EQ(with_key->sha1, info->sha1);
}

TEST(Certificate, RefusesGarbage) {
  EXPECT_EQ(parse_certificate("").status().code(), Code::kBadParameter);
  EXPECT_EQ(parse_certificate("not a certificate").status().code(), Code::kBadParameter);
  EXPECT_EQ(parse_certificate("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n").status().code(),
            Code::kBadParameter);
  TestKey small = TestKey::rsa(1024);
  EXPECT_EQ(parse_certificate(small.self_signed_pem("weak")).status().code(), Code::kBadParameter);
}

}  // namespace
}  // namespace coffer::crypto
