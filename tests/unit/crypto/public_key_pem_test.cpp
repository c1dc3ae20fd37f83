// A JWK's public half as a PEM "PUBLIC KEY" (SubjectPublicKeyInfo): RSA and
// EC P-256/384/521, checked against OpenSSL's own SPKI of the same key.
#include "crypto/public_key_pem.hpp"

#include <gtest/gtest.h>

#include "crypto/key_material.hpp"

namespace coffer::crypto {
namespace {

void expect_bad(const Jwk& jwk, const std::string& what) {
  auto pem = public_key_pem(jwk);
  ASSERT_FALSE(pem.ok()) << "accepted: " << what;
  EXPECT_EQ(pem.status().code(), Code::kBadParameter) << what << ": " << pem.status().message();
}

TEST(PublicKeyPem, RsaMatchesOpenSsl) {
  for (int bits : {2048, 3072}) {
    auto key = KeyMaterial::generate_rsa(bits);
    ASSERT_TRUE(key.ok());
    auto pem = public_key_pem(key->public_jwk());
    ASSERT_TRUE(pem.ok()) << pem.status().message();
    EXPECT_EQ(*pem, key->public_pem().value()) << bits;
    EXPECT_EQ(pem->rfind("-----BEGIN PUBLIC KEY-----\n", 0), 0u);
    EXPECT_EQ(pem->substr(pem->size() - 25), "-----END PUBLIC KEY-----\n");
  }
}

TEST(PublicKeyPem, EcCurvesMatchOpenSsl) {
  for (const char* crv : {"P-256", "P-384", "P-521"}) {
    auto key = KeyMaterial::generate_ec(crv);
    ASSERT_TRUE(key.ok()) << crv;
    auto pem = public_key_pem(key->public_jwk());
    ASSERT_TRUE(pem.ok()) << crv << ": " << pem.status().message();
    EXPECT_EQ(*pem, key->public_pem().value()) << crv;
  }
}

TEST(PublicKeyPem, HsmKeyTypesAreTheSameKeys) {
  auto rsa = KeyMaterial::generate_rsa(2048).value();
  Jwk jwk = rsa.public_jwk();
  jwk.kty = "RSA-HSM";
  EXPECT_EQ(public_key_pem(jwk).value(), rsa.public_pem().value());
  auto ec = KeyMaterial::generate_ec("P-384").value();
  Jwk ec_jwk = ec.public_jwk();
  ec_jwk.kty = "EC-HSM";
  EXPECT_EQ(public_key_pem(ec_jwk).value(), ec.public_pem().value());
}

TEST(PublicKeyPem, ShortCoordinatesArePadded) {
  // A JWK whose x lost its leading zero bytes (some encoders strip them) is the same point.
  for (int i = 0; i < 4000; ++i) {
    auto key = KeyMaterial::generate_ec("P-256").value();
    Jwk jwk = key.public_jwk();
    ASSERT_EQ(jwk.x.size(), 32u);
    if (jwk.x[0] != '\0') continue;
    jwk.x.erase(0, jwk.x.find_first_not_of('\0'));
    auto pem = public_key_pem(jwk);
    ASSERT_TRUE(pem.ok()) << pem.status().message();
    EXPECT_EQ(*pem, key.public_pem().value());
    return;
  }
  GTEST_SKIP() << "no P-256 key with a leading zero x byte in 4000 tries";
}

TEST(PublicKeyPem, PrivateMembersAreIgnored) {
  auto key = KeyMaterial::generate_ec("P-256").value();
  Jwk full = key.private_jwk().value();
  ASSERT_FALSE(full.d.empty());
  auto pem = public_key_pem(full);
  ASSERT_TRUE(pem.ok()) << pem.status().message();
  EXPECT_EQ(*pem, key.public_pem().value());
  EXPECT_EQ(pem->find("PRIVATE"), std::string::npos);
}

TEST(PublicKeyPem, OtherKeyTypesAreRefused) {
  expect_bad(KeyMaterial::generate_oct(256).value().public_jwk(), "oct");
  Jwk oct;
  oct.kty = "oct-HSM";
  expect_bad(oct, "oct-HSM");
  expect_bad(Jwk{}, "no kty");
  Jwk lower = KeyMaterial::generate_rsa(2048).value().public_jwk();
  lower.kty = "rsa";  // kty is case-sensitive
  expect_bad(lower, "rsa");
  expect_bad(KeyMaterial::generate_ec("P-256K").value().public_jwk(), "P-256K");
  Jwk okp;
  okp.kty = "OKP";
  okp.crv = "Ed25519";
  okp.x = std::string(32, '\x01');
  expect_bad(okp, "OKP");
}

TEST(PublicKeyPem, BrokenRsaMembersAreRefused) {
  const Jwk good = KeyMaterial::generate_rsa(2048).value().public_jwk();
  Jwk j = good;
  j.n.clear();
  expect_bad(j, "no n");
  j = good;
  j.e.clear();
  expect_bad(j, "no e");
  j = good;
  j.e = std::string(9, '\x01');
  expect_bad(j, "e of 9 bytes");
  j = good;
  j.n = std::string(2049, '\xff');
  expect_bad(j, "n over 16384 bits");
  j = good;
  j.e = std::string("\x01\x00\x00", 3);  // even exponent
  expect_bad(j, "even e");
}

TEST(PublicKeyPem, BrokenEcMembersAreRefused) {
  const Jwk good = KeyMaterial::generate_ec("P-256").value().public_jwk();
  Jwk j = good;
  j.x.clear();
  expect_bad(j, "no x");
  j = good;
  j.y.clear();
  expect_bad(j, "no y");
  j = good;
  j.x = std::string(33, '\x01');
  expect_bad(j, "x too long");
  j = good;
  j.y[31] ^= 1;
  expect_bad(j, "point off the curve");
  j = good;
  j.crv = "P-384";  // a P-256 point is not on P-384
  expect_bad(j, "wrong curve");
  j = good;
  j.crv = "";
  expect_bad(j, "no crv");
  j = good;
  j.crv = "p-256";
  expect_bad(j, "curve names are case-sensitive");
}

}  // namespace
}  // namespace coffer::crypto
