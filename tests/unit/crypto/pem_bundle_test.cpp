// PEM bundles (application/x-pem-file): round trips, key formats made by the
// openssl command, ordering, CRLF, and refusals.
#include "crypto/pem_bundle.hpp"

#include <gtest/gtest.h>

#include "cert_test_util.hpp"
#include "common/base64.hpp"
#include "crypto/pem.hpp"

namespace coffer::crypto {
namespace {

using testing::ec_key;
using testing::make_chain;
using testing::output_of;
using testing::rsa_key;
using testing::run;
using testing::TempDir;
using testing::write_file;

using testing::contains;

constexpr const char* kAkvMessage = "The specified PEM X.509 certificate content can not be read.";

std::string crlf(const std::string& lf) {
  std::string out;
  for (char c : lf) {
    if (c == '\n') out += '\r';
    out += c;
  }
  return out;
}

// The PKCS#8 PEM block of `key`, by way of a bundle with `cert` (which it must match).
std::string key_block(const KeyMaterial& key, const Certificate& cert) {
  const std::string bundle(make_pem_bundle(&key, {cert}).value().view());
  return bundle.substr(0, bundle.find("-----BEGIN CERTIFICATE-----"));
}

TEST(PemBlock, LinesOf64AtEverySize) {
  std::string der;
  for (std::size_t n = 0; n < 200; ++n) {
    const std::string b64 = base64_encode(der);
    std::string expected = "-----BEGIN PRIVATE KEY-----\n";
    for (std::size_t i = 0; i < b64.size(); i += 64) expected += b64.substr(i, 64) + "\n";
    expected += "-----END PRIVATE KEY-----\n";
    EXPECT_EQ(pem::encode_block("PRIVATE KEY", der), expected) << n;
    der += static_cast<char>(n * 131);
  }
}

TEST(PemBundle, MakeWritesKeyThenChain) {
  testing::TestChain c = make_chain();
  auto bundle = make_pem_bundle(&rsa_key(11), {c.leaf, c.inter, c.root});
  ASSERT_TRUE(bundle.ok()) << bundle.status().message();
  const std::string text(bundle->view());
  EXPECT_EQ(text.rfind("-----BEGIN PRIVATE KEY-----\n", 0), 0u);
  const std::size_t key_end = text.find("-----END PRIVATE KEY-----\n");
  ASSERT_NE(key_end, std::string::npos);
  EXPECT_EQ(text.substr(key_end + 26), c.leaf.pem() + c.inter.pem() + c.root.pem());
  EXPECT_FALSE(contains(text, "\r"));
  EXPECT_EQ(text.back(), '\n');
  for (std::size_t pos = 0, next; (next = text.find('\n', pos)) != std::string::npos; pos = next + 1) {
    EXPECT_LE(next - pos, 64u);
  }
  // openssl reads the key as PKCS#8 and it matches the leaf.
  TempDir dir;
  write_file(dir.file("b.pem"), text);
  EXPECT_EQ(output_of("openssl pkey -pubout -in " + dir.file("b.pem")),
            output_of("openssl x509 -noout -pubkey -in " + dir.file("b.pem")));

  auto no_key = make_pem_bundle(nullptr, {c.leaf, c.inter});
  ASSERT_TRUE(no_key.ok());
  EXPECT_EQ(std::string(no_key->view()), c.leaf.pem() + c.inter.pem());
}

TEST(PemBundle, RoundTrip) {
  testing::TestChain c = make_chain();
  const std::string text(make_pem_bundle(&rsa_key(11), {c.leaf, c.inter, c.root}).value().view());
  auto parsed = parse_pem_bundle(text);
  ASSERT_TRUE(parsed.ok()) << parsed.status().message();
  ASSERT_TRUE(parsed->key.has_value());
  EXPECT_EQ(parsed->key->kind(), KeyKind::kRsa);
  EXPECT_EQ(parsed->key->public_jwk().n, rsa_key(11).public_jwk().n);
  EXPECT_EQ(parsed->chain, (std::vector<Certificate>{c.leaf, c.inter, c.root}));

  auto crlf_parsed = parse_pem_bundle(crlf(text));
  ASSERT_TRUE(crlf_parsed.ok()) << crlf_parsed.status().message();
  EXPECT_EQ(crlf_parsed->chain.size(), 3u);
  EXPECT_TRUE(crlf_parsed->key.has_value());
}

TEST(PemBundle, AnyOrderAndTextAround) {
  testing::TestChain c = make_chain();
  const std::string text = "Bag Attributes\n    friendlyName: x\nsubject=CN = root\n" + c.root.pem() + "\n\n" +
                           key_block(rsa_key(11), c.leaf) + "issuer=whatever\n" + c.leaf.pem() + c.inter.pem();
  auto parsed = parse_pem_bundle(text);
  ASSERT_TRUE(parsed.ok()) << parsed.status().message();
  EXPECT_TRUE(parsed->key.has_value());
  EXPECT_EQ(parsed->chain, (std::vector<Certificate>{c.leaf, c.inter, c.root}));

  auto certs_only = parse_pem_bundle(c.inter.pem() + c.leaf.pem());
  ASSERT_TRUE(certs_only.ok());
  EXPECT_FALSE(certs_only->key.has_value());
  EXPECT_EQ(certs_only->chain, (std::vector<Certificate>{c.leaf, c.inter}));
}

TEST(PemBundle, ReadsPkcs1AndSec1KeysFromOpenssl) {
  if (!testing::openssl_available()) GTEST_SKIP() << "openssl not installed";
  TempDir dir;
  const int64_t t = testing::now();
  struct Case {
    const KeyMaterial* key;
    std::string convert;  // openssl command turning k.pem (PKCS#8) into the traditional form
    std::string label;
  };
  for (const Case& k :
       {Case{&rsa_key(0), "openssl rsa -traditional", "RSA PRIVATE KEY"},
        Case{&ec_key(0), "openssl ec", "EC PRIVATE KEY"}, Case{&ec_key(0, "P-384"), "openssl pkey", "PRIVATE KEY"}}) {
    auto cert = issue_certificate(*k.key, testing::leaf_profile("CN=k"), t, nullptr, nullptr).value();
    write_file(dir.file("k.pem"), key_block(*k.key, cert));
    const std::string key = output_of(k.convert + " -in " + dir.file("k.pem"));
    ASSERT_TRUE(contains(key, "-----BEGIN " + k.label + "-----")) << key;
    auto parsed = parse_pem_bundle(cert.pem() + key);
    ASSERT_TRUE(parsed.ok()) << k.label << ": " << parsed.status().message();
    ASSERT_TRUE(parsed->key.has_value());
    EXPECT_TRUE(cert.public_key_matches(*parsed->key));
    EXPECT_EQ(parsed->key->kind(), k.key->kind());
  }
  // An encrypted key is refused with a clear message, never a password prompt.
  auto cert = issue_certificate(ec_key(0), testing::leaf_profile("CN=k"), t, nullptr, nullptr).value();
  write_file(dir.file("k.pem"), key_block(ec_key(0), cert));
  for (const std::string cmd :
       {"openssl pkcs8 -topk8 -v2 aes-256-cbc -passout pass:pw", "openssl ec -aes256 -passout pass:pw"}) {
    const std::string enc = output_of(cmd + " -in " + dir.file("k.pem"));
    ASSERT_TRUE(contains(enc, "ENCRYPTED")) << enc;
    auto parsed = parse_pem_bundle(cert.pem() + enc);
    EXPECT_EQ(parsed.status().code(), Code::kBadParameter);
    EXPECT_TRUE(contains(parsed.status().message(), "encrypted")) << parsed.status().message();
  }
}

TEST(PemBundle, KeyMustMatchLeaf) {
  testing::TestChain c = make_chain();
  auto made = make_pem_bundle(&rsa_key(0), {c.leaf});
  EXPECT_EQ(made.status().code(), Code::kBadParameter);
  EXPECT_TRUE(contains(made.status().message(), "does not match")) << made.status().message();

  const std::string other_key = key_block(
      ec_key(1), issue_certificate(ec_key(1), testing::leaf_profile("CN=o"), testing::now(), nullptr, nullptr).value());
  auto parsed = parse_pem_bundle(other_key + c.leaf.pem() + c.inter.pem());
  EXPECT_EQ(parsed.status().code(), Code::kBadParameter);
  EXPECT_TRUE(contains(parsed.status().message(), "does not match")) << parsed.status().message();
  // The key of the intermediate, not of the leaf: refused too.
  parsed = parse_pem_bundle(key_block(ec_key(10), c.inter) + c.leaf.pem() + c.inter.pem());
  EXPECT_EQ(parsed.status().code(), Code::kBadParameter);
}

TEST(PemBundle, RefusesWhatItCannotRead) {
  testing::TestChain c = make_chain();
  const std::string key_only = key_block(rsa_key(11), c.leaf);
  for (const std::string& bad : {
           std::string(), std::string("hello"), std::string("\x30\x82\x01\x00 binary", 12), key_only,
           std::string("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"),
           std::string("-----BEGIN CERTIFICATE-----\nMIIB\n"), c.leaf.pem().substr(0, 200),
           std::string("-----BEGIN CERTIFICATE-----\n%%%%\n-----END CERTIFICATE-----\n"),
           std::string("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n") + c.leaf.pem(),
           key_only + key_only + c.leaf.pem(),
           c.leaf.pem() + c.root.pem(),  // gap
       }) {
    auto parsed = parse_pem_bundle(bad);
    EXPECT_EQ(parsed.status().code(), Code::kBadParameter) << bad;
  }
  auto no_cert = parse_pem_bundle(key_only);
  EXPECT_EQ(no_cert.status().message().rfind(kAkvMessage, 0), 0u) << no_cert.status().message();
  auto bad_block = parse_pem_bundle("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n");
  EXPECT_EQ(bad_block.status().message().rfind(kAkvMessage, 0), 0u) << bad_block.status().message();
  // Messages never carry key material.
  auto two_keys = parse_pem_bundle(key_only + key_only + c.leaf.pem());
  const std::string b64_line = key_only.substr(28, 40);
  EXPECT_FALSE(contains(two_keys.status().message(), b64_line));

  EXPECT_EQ(make_pem_bundle(nullptr, {}).status().code(), Code::kBadParameter);
  auto oct = KeyMaterial::generate_oct(256).value();
  EXPECT_EQ(make_pem_bundle(&oct, {c.leaf}).status().code(), Code::kBadParameter);
}

}  // namespace
}  // namespace coffer::crypto
