// KeyMaterial: JWK import/export, generation, sealing form and every AKV
// algorithm, with RFC test vectors and `openssl pkeyutl` cross-checks.
#include "crypto/key_material.hpp"

#include <gtest/gtest.h>
#include <openssl/evp.h>

#include "common/base64.hpp"
#include "test_util.hpp"

namespace coffer::crypto {
namespace {

using testing::unhex;

std::string b64u(std::string_view s) { return base64url_decode(s).value(); }

std::string sha(std::string_view data, const EVP_MD* md) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_Digest(data.data(), data.size(), out, &n, md, nullptr);
  return std::string(reinterpret_cast<char*>(out), n);
}

KeyMaterial oct(const std::string& hex) {
  Jwk j;
  j.kty = "oct";
  j.k = SecureString(unhex(hex));
  return KeyMaterial::from_jwk(j).value();
}

// RFC 7517 Appendix A.2 / RFC 7515 A.3 style: the P-256 key of RFC 7517 A.1/A.2.
Jwk rfc7517_ec() {
  Jwk j;
  j.kty = "EC";
  j.crv = "P-256";
  j.x = b64u("MKBCTNIcKUSDii11ySs3526iDZ8AiTo7Tu6KPAqv7D4");
  j.y = b64u("4Etl6SRW2YiLUrN5vfvVHuhp7x8PxltmWWlbbM4IFyM");
  j.d = SecureString(b64u("870MB6gfuTJ4HtUnUvYMyJpr5eUZNP4Bk43bVdj3eAE"));
  return j;
}

TEST(KeyMaterial, Rfc7517EcKeyImportsAndExportsItsPublicPart) {
  auto k = KeyMaterial::from_jwk(rfc7517_ec());
  ASSERT_TRUE(k.ok()) << k.status().message();
  EXPECT_EQ(k->kind(), KeyKind::kEc);
  EXPECT_EQ(k->curve(), "P-256");
  Jwk pub = k->public_jwk();
  EXPECT_EQ(pub.kty, "EC");
  EXPECT_EQ(base64url_encode(pub.x), "MKBCTNIcKUSDii11ySs3526iDZ8AiTo7Tu6KPAqv7D4");
  EXPECT_EQ(base64url_encode(pub.y), "4Etl6SRW2YiLUrN5vfvVHuhp7x8PxltmWWlbbM4IFyM");
  EXPECT_TRUE(pub.d.empty());
  EXPECT_EQ(base64url_encode(k->private_jwk()->d.view()), "870MB6gfuTJ4HtUnUvYMyJpr5eUZNP4Bk43bVdj3eAE");
}

TEST(KeyMaterial, InconsistentOrIncompleteJwksAreBadParameter) {
  Jwk ec = rfc7517_ec();
  ec.d = SecureString(b64u("AAAMB6gfuTJ4HtUnUvYMyJpr5eUZNP4Bk43bVdj3eAE"));
  EXPECT_EQ(KeyMaterial::from_jwk(ec).status().code(), Code::kBadParameter);
  ec = rfc7517_ec();
  ec.crv = "P-999";
  EXPECT_EQ(KeyMaterial::from_jwk(ec).status().code(), Code::kBadParameter);
  ec = rfc7517_ec();
  ec.d = SecureString();
  EXPECT_EQ(KeyMaterial::from_jwk(ec).status().code(), Code::kBadParameter);
  Jwk o;
  o.kty = "oct";
  o.k = SecureString(std::string(10, 'k'));
  EXPECT_EQ(KeyMaterial::from_jwk(o).status().code(), Code::kBadParameter);
  Jwk r = KeyMaterial::generate_rsa(2048)->private_jwk().value();
  r.qi = SecureString();
  EXPECT_EQ(KeyMaterial::from_jwk(r).status().code(), Code::kBadParameter);
  r = KeyMaterial::generate_rsa(2048)->private_jwk().value();
  r.d = SecureString(std::string(256, '\x11'));
  EXPECT_EQ(KeyMaterial::from_jwk(r).status().code(), Code::kBadParameter);
  Jwk bad;
  bad.kty = "DSA";
  EXPECT_EQ(KeyMaterial::from_jwk(bad).status().code(), Code::kBadParameter);
}

TEST(KeyMaterial, GenerationSizesAndCurves) {
  for (int bits : {2048, 3072}) {
    auto k = KeyMaterial::generate_rsa(bits);
    ASSERT_TRUE(k.ok());
    EXPECT_EQ(k->bits(), bits);
    EXPECT_EQ(k->public_jwk().e, std::string("\x01\x00\x01", 3));
  }
  EXPECT_EQ(KeyMaterial::generate_rsa(1024).status().code(), Code::kBadParameter);
  EXPECT_EQ(KeyMaterial::generate_rsa(2048, 4).status().code(), Code::kBadParameter);
  for (auto [crv, len] : {std::pair{"P-256", 32u}, {"P-384", 48u}, {"P-521", 66u}, {"P-256K", 32u}}) {
    auto k = KeyMaterial::generate_ec(crv);
    ASSERT_TRUE(k.ok()) << crv;
    EXPECT_EQ(k->curve(), crv);
    EXPECT_EQ(k->public_jwk().x.size(), len);
    EXPECT_EQ(k->public_jwk().y.size(), len);
  }
  EXPECT_EQ(KeyMaterial::generate_ec("P-192").status().code(), Code::kBadParameter);
  for (int bits : {128, 192, 256}) EXPECT_EQ(KeyMaterial::generate_oct(bits)->bits(), bits);
  EXPECT_EQ(KeyMaterial::generate_oct(512).status().code(), Code::kBadParameter);
}

TEST(KeyMaterial, SealBytesRoundTripEveryKind) {
  std::vector<KeyMaterial> keys;
  keys.push_back(KeyMaterial::generate_rsa(2048).value());
  keys.push_back(KeyMaterial::generate_ec("P-256K").value());
  keys.push_back(KeyMaterial::generate_ec("P-521").value());
  keys.push_back(KeyMaterial::generate_oct(192).value());
  for (const auto& k : keys) {
    auto bytes = k.seal_bytes();
    ASSERT_TRUE(bytes.ok());
    auto back = KeyMaterial::from_sealed_bytes(bytes->view());
    ASSERT_TRUE(back.ok()) << back.status().message();
    EXPECT_EQ(back->kind(), k.kind());
    EXPECT_EQ(back->bits(), k.bits());
    EXPECT_EQ(back->curve(), k.curve());
    EXPECT_EQ(back->private_jwk()->d.view(), k.private_jwk()->d.view());
    EXPECT_EQ(back->private_jwk()->k.view(), k.private_jwk()->k.view());
  }
}

TEST(KeyMaterial, RsaJwkRoundTripKeepsTheKey) {
  auto k = KeyMaterial::generate_rsa(2048).value();
  auto again = KeyMaterial::from_jwk(k.private_jwk().value());
  ASSERT_TRUE(again.ok()) << again.status().message();
  const std::string digest = sha("hello", EVP_sha256());
  // PKCS#1 v1.5 is deterministic: same key ⇒ same signature.
  EXPECT_EQ(k.sign("RS256", digest).value(), again->sign("RS256", digest).value());
}

TEST(KeyMaterial, EverySignatureAlgorithmSignsAndVerifies) {
  auto rsa = KeyMaterial::generate_rsa(2048).value();
  for (std::string alg : {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512"}) {
    const EVP_MD* md = alg.ends_with("256") ? EVP_sha256() : alg.ends_with("384") ? EVP_sha384() : EVP_sha512();
    const std::string digest = sha("message", md);
    auto sig = rsa.sign(alg, digest);
    ASSERT_TRUE(sig.ok()) << alg << sig.status().message();
    EXPECT_EQ(sig->size(), 256u);
    EXPECT_TRUE(rsa.verify(alg, digest, *sig).value()) << alg;
    std::string tampered = *sig;
    tampered[5] ^= 1;
    EXPECT_FALSE(rsa.verify(alg, digest, tampered).value()) << alg;
  }
  for (auto [crv, alg, md, len] : {std::tuple{"P-256", "ES256", EVP_sha256(), 64u},
                                   {"P-384", "ES384", EVP_sha384(), 96u},
                                   {"P-521", "ES512", EVP_sha512(), 132u},
                                   {"P-256K", "ES256K", EVP_sha256(), 64u}}) {
    auto ec = KeyMaterial::generate_ec(crv).value();
    const std::string digest = sha("message", md);
    auto sig = ec.sign(alg, digest);
    ASSERT_TRUE(sig.ok()) << alg << sig.status().message();
    EXPECT_EQ(sig->size(), len);
    EXPECT_TRUE(ec.verify(alg, digest, *sig).value());
    EXPECT_FALSE(ec.verify(alg, sha("other", md), *sig).value());
    EXPECT_FALSE(ec.verify(alg, digest, sig->substr(1)).value());
  }
}

TEST(KeyMaterial, SignatureErrorsAreBadParameter) {
  auto rsa = KeyMaterial::generate_rsa(2048).value();
  auto ec = KeyMaterial::generate_ec("P-256").value();
  auto sym = KeyMaterial::generate_oct(256).value();
  const std::string d256 = sha("m", EVP_sha256());
  EXPECT_EQ(rsa.sign("RS256", d256.substr(1)).status().code(), Code::kBadParameter);
  EXPECT_EQ(rsa.sign("RS384", d256).status().code(), Code::kBadParameter);
  EXPECT_EQ(rsa.sign("ES256", d256).status().code(), Code::kBadParameter);
  EXPECT_EQ(ec.sign("ES384", d256).status().code(), Code::kBadParameter);
  EXPECT_EQ(ec.sign("RS256", d256).status().code(), Code::kBadParameter);
  EXPECT_EQ(ec.verify("ES256", "short", "sig").status().code(), Code::kBadParameter);
  EXPECT_EQ(sym.sign("RS256", d256).status().code(), Code::kBadParameter);
  EXPECT_EQ(rsa.sign("nonsense", d256).status().code(), Code::kBadParameter);
}

TEST(KeyMaterial, SignaturesVerifyWithOpenSsl) {
  if (!testing::openssl_available()) GTEST_SKIP() << "openssl not installed";
  testing::TempDir dir;
  struct Case {
    KeyMaterial key;
    std::string alg;
    std::string opts;
  };
  std::vector<Case> cases;
  cases.push_back({KeyMaterial::generate_rsa(2048).value(), "RS256", "-pkeyopt digest:sha256"});
  cases.push_back({KeyMaterial::generate_rsa(3072).value(), "PS512",
                   "-pkeyopt digest:sha512 -pkeyopt rsa_padding_mode:pss -pkeyopt rsa_pss_saltlen:64"});
  cases.push_back({KeyMaterial::generate_ec("P-256").value(), "ES256", "-pkeyopt digest:sha256"});
  cases.push_back({KeyMaterial::generate_ec("P-256K").value(), "ES256K", "-pkeyopt digest:sha256"});
  for (auto& c : cases) {
    const EVP_MD* md = c.alg.ends_with("512") ? EVP_sha512() : EVP_sha256();
    const std::string digest = sha("cross-check", md);
    std::string sig = c.key.sign(c.alg, digest).value();
    if (c.key.kind() == KeyKind::kEc) {
      // openssl expects a DER ECDSA-Sig-Value: encode r||s (short-form lengths suffice here).
      const std::size_t half = sig.size() / 2;
      auto der_int = [](std::string v) {
        std::size_t i = 0;
        while (i + 1 < v.size() && v[i] == 0 && !(static_cast<unsigned char>(v[i + 1]) & 0x80)) ++i;
        v = v.substr(i);
        if (static_cast<unsigned char>(v[0]) & 0x80) v.insert(v.begin(), '\0');
        return std::string{'\x02', static_cast<char>(v.size())} + v;
      };
      std::string body = der_int(sig.substr(0, half)) + der_int(sig.substr(half));
      sig = std::string{'\x30', static_cast<char>(body.size())} + body;
    }
    testing::write_file(dir.file("pub.pem"), c.key.public_pem().value());
    testing::write_file(dir.file("digest"), digest);
    testing::write_file(dir.file("sig"), sig);
    EXPECT_EQ(testing::run("openssl pkeyutl -verify -pubin -inkey " + dir.file("pub.pem") + " -in " +
                           dir.file("digest") + " -sigfile " + dir.file("sig") + " " + c.opts),
              0)
        << c.alg;
    sig[sig.size() - 3] ^= 1;
    testing::write_file(dir.file("sig"), sig);
    EXPECT_NE(testing::run("openssl pkeyutl -verify -pubin -inkey " + dir.file("pub.pem") + " -in " +
                           dir.file("digest") + " -sigfile " + dir.file("sig") + " " + c.opts),
              0)
        << c.alg;
  }
}

TEST(KeyMaterial, RsaEncryptionAlgorithmsRoundTripAndOpenSslDecrypts) {
  auto rsa = KeyMaterial::generate_rsa(2048).value();
  for (std::string alg : {"RSA-OAEP", "RSA-OAEP-256", "RSA1_5"}) {
    auto ct = rsa.encrypt(alg, "secret payload", {}, {});
    ASSERT_TRUE(ct.ok()) << alg << ct.status().message();
    EXPECT_EQ(ct->value.size(), 256u);
    EXPECT_EQ(rsa.decrypt(alg, ct->value, {}, {}, {}).value().view(), "secret payload");
    auto wrapped = rsa.wrap(alg, std::string(32, '\x42'));
    ASSERT_TRUE(wrapped.ok());
    EXPECT_EQ(rsa.unwrap(alg, *wrapped).value().view(), std::string(32, '\x42'));
  }
  EXPECT_EQ(rsa.encrypt("RSA-OAEP", std::string(300, 'x'), {}, {}).status().code(), Code::kBadParameter);
  EXPECT_EQ(rsa.decrypt("RSA-OAEP", std::string(256, 'x'), {}, {}, {}).status().code(), Code::kBadParameter);
  EXPECT_EQ(rsa.encrypt("A256GCM", "x", {}, {}).status().code(), Code::kBadParameter);
  EXPECT_EQ(rsa.wrap("A256KW", std::string(16, 'x')).status().code(), Code::kBadParameter);

  if (!testing::openssl_available()) return;
  testing::TempDir dir;
  // Encrypt with the public key through openssl; decrypt here (the SDK's local-encrypt path).
  testing::write_file(dir.file("pub.pem"), rsa.public_pem().value());
  testing::write_file(dir.file("pt"), "from openssl");
  ASSERT_EQ(testing::run("openssl pkeyutl -encrypt -pubin -inkey " + dir.file("pub.pem") + " -in " + dir.file("pt") +
                         " -out " + dir.file("ct") +
                         " -pkeyopt rsa_padding_mode:oaep -pkeyopt rsa_oaep_md:sha256 -pkeyopt rsa_mgf1_md:sha256"),
            0);
  EXPECT_EQ(rsa.decrypt("RSA-OAEP-256", testing::read_file(dir.file("ct")), {}, {}, {}).value().view(), "from openssl");
}

TEST(KeyMaterial, AesGcmKnownAnswerAndErrors) {
  // McGrew & Viega GCM test case 2: K = 0^128, IV = 0^96, P = 0^128.
  auto k = oct("00000000000000000000000000000000");
  const std::string iv(12, '\0');
  auto ct = k.encrypt("A128GCM", std::string(16, '\0'), iv, {});
  ASSERT_TRUE(ct.ok()) << ct.status().message();
  EXPECT_EQ(hex_encode(ct->value), "0388dace60b6a392f328c2b971b2fe78");
  EXPECT_EQ(hex_encode(ct->tag), "ab6e47d42cec13bdf53a67b21257bddf");
  EXPECT_EQ(k.decrypt("A128GCM", ct->value, iv, {}, ct->tag).value().view(), std::string(16, '\0'));

  auto k256 = KeyMaterial::generate_oct(256).value();
  auto r = k256.encrypt("A256GCM", "attack at dawn", {}, "header");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->iv.size(), 12u);
  EXPECT_EQ(k256.decrypt("A256GCM", r->value, r->iv, "header", r->tag).value().view(), "attack at dawn");
  EXPECT_EQ(k256.decrypt("A256GCM", r->value, r->iv, "other", r->tag).status().code(), Code::kBadParameter);
  EXPECT_EQ(k256.decrypt("A256GCM", r->value, r->iv, "header", {}).status().code(), Code::kBadParameter);
  EXPECT_EQ(k256.decrypt("A256GCM", r->value, {}, "header", r->tag).status().code(), Code::kBadParameter);
  EXPECT_EQ(k256.encrypt("A128GCM", "x", {}, {}).status().code(), Code::kBadParameter);
  EXPECT_EQ(k256.encrypt("A256GCM", "x", "short", {}).status().code(), Code::kBadParameter);
  EXPECT_EQ(k256.encrypt("RSA-OAEP", "x", {}, {}).status().code(), Code::kBadParameter);
}

TEST(KeyMaterial, AesCbcAndCbcPad) {
  // NIST SP 800-38A F.2.1 CBC-AES128.Encrypt, first block.
  auto k = oct("2b7e151628aed2a6abf7158809cf4f3c");
  const std::string iv = unhex("000102030405060708090a0b0c0d0e0f");
  auto ct = k.encrypt("A128CBC", unhex("6bc1bee22e409f96e93d7e117393172a"), iv, {});
  ASSERT_TRUE(ct.ok()) << ct.status().message();
  EXPECT_EQ(hex_encode(ct->value), "7649abac8119b246cee98e9b12e9197d");
  EXPECT_EQ(hex_encode(k.decrypt("A128CBC", ct->value, iv, {}, {}).value().view()), "6bc1bee22e409f96e93d7e117393172a");
  EXPECT_EQ(k.encrypt("A128CBC", "not a block", iv, {}).status().code(), Code::kBadParameter);
  auto padded = k.encrypt("A128CBCPAD", "not a block", {}, {});
  ASSERT_TRUE(padded.ok());
  EXPECT_EQ(padded->value.size(), 16u);
  EXPECT_EQ(k.decrypt("A128CBCPAD", padded->value, padded->iv, {}, {}).value().view(), "not a block");
  EXPECT_EQ(k.decrypt("A128CBCPAD", padded->value, {}, {}, {}).status().code(), Code::kBadParameter);
  auto k192 = KeyMaterial::generate_oct(192).value();
  auto c192 = k192.encrypt("A192CBCPAD", "x", {}, {});
  ASSERT_TRUE(c192.ok());
  EXPECT_EQ(k192.decrypt("A192CBCPAD", c192->value, c192->iv, {}, {}).value().view(), "x");
}

TEST(KeyMaterial, AesKeyWrapRfc3394Vectors) {
  auto k128 = oct("000102030405060708090A0B0C0D0E0F");
  auto w = k128.wrap("A128KW", unhex("00112233445566778899AABBCCDDEEFF"));
  ASSERT_TRUE(w.ok()) << w.status().message();
  EXPECT_EQ(hex_encode(*w), "1fa68b0a8112b447aef34bd8fb5a7b829d3e862371d2cfe5");
  EXPECT_EQ(hex_encode(k128.unwrap("A128KW", *w).value().view()), "00112233445566778899aabbccddeeff");

  auto k256 = oct("000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F");
  auto w256 = k256.wrap("A256KW", unhex("00112233445566778899AABBCCDDEEFF000102030405060708090A0B0C0D0E0F"));
  ASSERT_TRUE(w256.ok());
  EXPECT_EQ(hex_encode(*w256), "28c9f404c4b810f4cbccb35cfb87f8263f5786e2d80ed326cbc7f0e71a99f43bfb988b9b7a02dd21");
  std::string corrupt = *w256;
  corrupt[3] ^= 1;
  EXPECT_EQ(k256.unwrap("A256KW", corrupt).status().code(), Code::kBadParameter);
  EXPECT_EQ(k256.wrap("A256KW", "short").status().code(), Code::kBadParameter);
  EXPECT_EQ(k256.wrap("A128KW", std::string(16, 'x')).status().code(), Code::kBadParameter);
  EXPECT_EQ(k256.wrap("A256GCM", std::string(16, 'x')).status().code(), Code::kBadParameter);
}

TEST(KeyMaterial, DigestSizes) {
  EXPECT_EQ(signature_digest_size("RS256"), 32u);
  EXPECT_EQ(signature_digest_size("PS384"), 48u);
  EXPECT_EQ(signature_digest_size("ES512"), 64u);
  EXPECT_EQ(signature_digest_size("ES256K"), 32u);
  EXPECT_EQ(signature_digest_size("HS256"), 0u);
}

}  // namespace
}  // namespace coffer::crypto

namespace coffer::crypto {
namespace {

TEST(KeyMaterial, PrivatePemImportsRsaAndEcAndRefusesOthers) {
  if (!testing::openssl_available()) GTEST_SKIP() << "openssl not installed";
  testing::TempDir dir;
  ASSERT_EQ(testing::run("openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384 -out " + dir.file("ec.pem")),
            0);
  auto ec = KeyMaterial::from_private_pem(testing::read_file(dir.file("ec.pem")));
  ASSERT_TRUE(ec.ok()) << ec.status().message();
  EXPECT_EQ(ec->curve(), "P-384");
  ASSERT_EQ(testing::run("openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out " + dir.file("rsa.pem")),
            0);
  auto rsa = KeyMaterial::from_private_pem(testing::read_file(dir.file("rsa.pem")));
  ASSERT_TRUE(rsa.ok()) << rsa.status().message();
  EXPECT_EQ(rsa->kind(), KeyKind::kRsa);
  EXPECT_EQ(rsa->bits(), 2048);
  ASSERT_EQ(testing::run("openssl genpkey -algorithm ED25519 -out " + dir.file("ed.pem")), 0);
  EXPECT_EQ(KeyMaterial::from_private_pem(testing::read_file(dir.file("ed.pem"))).status().code(), Code::kBadParameter);
  EXPECT_EQ(KeyMaterial::from_private_pem("not a pem").status().code(), Code::kBadParameter);
}

}  // namespace
}  // namespace coffer::crypto
