// PKCS#12: Coffer's PFX read by openssl and Python's cryptography, PFX files
// made by `openssl pkcs12 -export` read by Coffer, passwords, refusals.
#include "crypto/pkcs12.hpp"

#include <gtest/gtest.h>

#include "cert_test_util.hpp"
#include "crypto/pem_bundle.hpp"

namespace coffer::crypto {
namespace {

using testing::ec_key;
using testing::make_chain;
using testing::output_of;
using testing::read_file;
using testing::rsa_key;
using testing::run;
using testing::TempDir;
using testing::write_file;

using testing::contains;

bool python_cryptography_available() {
  return run("/usr/bin/python3 -c 'from cryptography.hazmat.primitives.serialization import pkcs12'") == 0;
}

// Writes key.pem (PKCS#8), leaf.pem and chain.pem (intermediate + root) for openssl to pack.
testing::TestChain write_inputs(const TempDir& dir) {
  testing::TestChain c = make_chain();
  const std::string bundle(make_pem_bundle(&rsa_key(11), {c.leaf}).value().view());
  write_file(dir.file("key.pem"), bundle.substr(0, bundle.find("-----BEGIN CERTIFICATE-----")));
  write_file(dir.file("leaf.pem"), c.leaf.pem());
  write_file(dir.file("chain.pem"), c.inter.pem() + c.root.pem());
  return c;
}

std::string openssl_export(const TempDir& dir, const std::string& options) {
  const std::string out = dir.file("o.pfx");
  std::remove(out.c_str());
  EXPECT_EQ(run("openssl pkcs12 -export -inkey " + dir.file("key.pem") + " -in " + dir.file("leaf.pem") +
                " -certfile " + dir.file("chain.pem") + " -out " + out + " " + options),
            0)
      << options;
  return read_file(out);
}

TEST(Pkcs12, RoundTripWithKeyAndChain) {
  testing::TestChain c = make_chain();
  auto pfx = make_pkcs12(&rsa_key(11), {c.leaf, c.inter, c.root});
  ASSERT_TRUE(pfx.ok()) << pfx.status().message();
  auto parsed = parse_pkcs12(pfx->view(), "");
  ASSERT_TRUE(parsed.ok()) << parsed.status().message();
  ASSERT_TRUE(parsed->key.has_value());
  EXPECT_TRUE(c.leaf.public_key_matches(*parsed->key));
  EXPECT_EQ(parsed->chain, (std::vector<Certificate>{c.leaf, c.inter, c.root}));
  // A password given for a password-less file is wrong.
  EXPECT_EQ(parse_pkcs12(pfx->view(), "x").status().code(), Code::kBadParameter);
}

TEST(Pkcs12, RoundTripCertificatesOnly) {
  testing::TestChain c = make_chain();
  auto pfx = make_pkcs12(nullptr, {c.leaf, c.inter});
  ASSERT_TRUE(pfx.ok()) << pfx.status().message();
  auto parsed = parse_pkcs12(pfx->view(), "");
  ASSERT_TRUE(parsed.ok()) << parsed.status().message();
  EXPECT_FALSE(parsed->key.has_value());
  EXPECT_EQ(parsed->chain, (std::vector<Certificate>{c.leaf, c.inter}));

  auto ec_cert = issue_certificate(ec_key(0), testing::leaf_profile("CN=ec"), testing::now(), nullptr, nullptr).value();
  auto ec_pfx = make_pkcs12(&ec_key(0), {ec_cert});
  ASSERT_TRUE(ec_pfx.ok());
  auto ec_parsed = parse_pkcs12(ec_pfx->view(), "");
  ASSERT_TRUE(ec_parsed.ok()) << ec_parsed.status().message();
  EXPECT_EQ(ec_parsed->key->kind(), KeyKind::kEc);
  EXPECT_EQ(ec_parsed->key->curve(), "P-256");
}

TEST(Pkcs12, OpensslReadsOurs) {
  if (!testing::openssl_available()) GTEST_SKIP() << "openssl not installed";
  testing::TestChain c = make_chain();
  TempDir dir;
  write_file(dir.file("k.pfx"), std::string(make_pkcs12(&rsa_key(11), {c.leaf, c.inter, c.root}).value().view()));
  const std::string cmd = "openssl pkcs12 -info -nodes -passin pass: -in " + dir.file("k.pfx");
  EXPECT_EQ(run(cmd), 0);
  const std::string info = output_of("(" + cmd + " 2>&1)");
  EXPECT_TRUE(contains(info, "MAC: sha256")) << info;
  EXPECT_TRUE(contains(info, "Shrouded Keybag: PBES2, PBKDF2, AES-256-CBC")) << info;
  EXPECT_TRUE(contains(info, "PKCS7 Encrypted data: PBES2, PBKDF2, AES-256-CBC")) << info;
  EXPECT_FALSE(contains(info, "RC2-")) << info;  // an algorithm name (pbeWithSHA1And40BitRC2-CBC), never base64
  EXPECT_TRUE(contains(info, "-----BEGIN PRIVATE KEY-----")) << info;
  std::size_t certs = 0;
  for (auto pos = info.find("-----BEGIN CERTIFICATE-----"); pos != std::string::npos;
       pos = info.find("-----BEGIN CERTIFICATE-----", pos + 1)) {
    ++certs;
  }
  EXPECT_EQ(certs, 3u);
  // The key openssl extracts is the leaf's.
  write_file(dir.file("leaf.pem"), c.leaf.pem());
  const std::string leaf_key = output_of("openssl x509 -noout -pubkey -in " + dir.file("leaf.pem"));
  EXPECT_FALSE(leaf_key.empty());
  EXPECT_EQ(
      output_of("openssl pkcs12 -nodes -nocerts -passin pass: -in " + dir.file("k.pfx") + " | openssl pkey -pubout"),
      leaf_key);

  write_file(dir.file("c.pfx"), std::string(make_pkcs12(nullptr, {c.leaf}).value().view()));
  EXPECT_EQ(run("openssl pkcs12 -info -nodes -passin pass: -in " + dir.file("c.pfx")), 0);
}

TEST(Pkcs12, PythonCryptographyReadsOurs) {
  if (!python_cryptography_available()) GTEST_SKIP() << "python3-cryptography not installed";
  testing::TestChain c = make_chain();
  TempDir dir;
  write_file(dir.file("k.pfx"), std::string(make_pkcs12(&rsa_key(11), {c.leaf, c.inter, c.root}).value().view()));
  write_file(dir.file("c.pfx"), std::string(make_pkcs12(nullptr, {c.leaf, c.inter}).value().view()));
  const std::string script =
      "import sys\n"
      "from cryptography.hazmat.primitives.serialization import pkcs12\n"
      "for path in sys.argv[1:]:\n"
      "    key, cert, extra = pkcs12.load_key_and_certificates(open(path, 'rb').read(), None)\n"
      "    names = [c.subject.rfc4514_string() for c in ([cert] if cert else []) + extra]\n"
      "    print(key is not None, cert is not None, len(extra), ';'.join(names))\n";
  write_file(dir.file("load.py"), script);
  const std::string out =
      output_of("/usr/bin/python3 " + dir.file("load.py") + " " + dir.file("k.pfx") + " " + dir.file("c.pfx"));
  EXPECT_EQ(out,
            "True True 2 CN=leaf.example;O=Coffer,CN=Test Intermediate;O=Coffer,CN=Test Root\n"
            "False False 2 CN=leaf.example;O=Coffer,CN=Test Intermediate\n");
}

TEST(Pkcs12, ReadsOpensslExports) {
  if (!testing::openssl_available()) GTEST_SKIP() << "openssl not installed";
  TempDir dir;
  testing::TestChain c = write_inputs(dir);
  const std::vector<Certificate> expected = {c.leaf, c.inter, c.root};

  const std::string with_password = openssl_export(dir, "-passout pass:s3cret");
  auto parsed = parse_pkcs12(with_password, "s3cret");
  ASSERT_TRUE(parsed.ok()) << parsed.status().message();
  EXPECT_TRUE(parsed->key.has_value());
  EXPECT_EQ(parsed->chain, expected);

  auto wrong = parse_pkcs12(with_password, "wrong");
  EXPECT_EQ(wrong.status().code(), Code::kBadParameter);
  EXPECT_TRUE(contains(wrong.status().message(), "password")) << wrong.status().message();
  EXPECT_FALSE(contains(wrong.status().message(), "wrong"));  // the password is not echoed
  auto none = parse_pkcs12(with_password, "");
  EXPECT_EQ(none.status().code(), Code::kBadParameter);
  EXPECT_TRUE(contains(none.status().message(), "password")) << none.status().message();

  const std::string empty_password = openssl_export(dir, "-passout pass:");
  parsed = parse_pkcs12(empty_password, "");
  ASSERT_TRUE(parsed.ok()) << parsed.status().message();
  EXPECT_TRUE(parsed->key.has_value());
  EXPECT_EQ(parsed->chain, expected);

  const std::string unicode_password = openssl_export(dir, "-passout 'pass:pässwörd'");
  parsed = parse_pkcs12(unicode_password, "pässwörd");
  ASSERT_TRUE(parsed.ok()) << parsed.status().message();

  const std::string unencrypted = openssl_export(dir, "-passout pass:pw -keypbe NONE -certpbe NONE");
  parsed = parse_pkcs12(unencrypted, "pw");
  ASSERT_TRUE(parsed.ok()) << parsed.status().message();
  EXPECT_TRUE(parsed->key.has_value());

  const std::string no_mac = openssl_export(dir, "-passout pass:pw -nomac");
  parsed = parse_pkcs12(no_mac, "pw");
  ASSERT_TRUE(parsed.ok()) << parsed.status().message();
  EXPECT_EQ(parse_pkcs12(no_mac, "nope").status().code(), Code::kBadParameter);

  // 3DES, as AKV's own PFX files use (default provider).
  const std::string triple_des = openssl_export(dir,
                                                "-passout pass:pw -keypbe PBE-SHA1-3DES -certpbe PBE-SHA1-3DES "
                                                "-macalg sha1");
  parsed = parse_pkcs12(triple_des, "pw");
  ASSERT_TRUE(parsed.ok()) << parsed.status().message();
  EXPECT_EQ(parsed->chain, expected);
}

TEST(Pkcs12, ReadsLegacyRc2Exports) {
  if (!testing::openssl_available()) GTEST_SKIP() << "openssl not installed";
  TempDir dir;
  testing::TestChain c = write_inputs(dir);
  const std::string legacy = openssl_export(dir, "-legacy -passout pass:pw");
  if (legacy.empty()) GTEST_SKIP() << "openssl cannot write legacy PKCS#12 here";
  auto parsed = parse_pkcs12(legacy, "pw");
  ASSERT_TRUE(parsed.ok()) << parsed.status().message();
  EXPECT_TRUE(parsed->key.has_value());
  EXPECT_EQ(parsed->chain, (std::vector<Certificate>{c.leaf, c.inter, c.root}));
  EXPECT_EQ(parse_pkcs12(legacy, "wrong").status().code(), Code::kBadParameter);
}

TEST(Pkcs12, RefusesBadInput) {
  testing::TestChain c = make_chain();
  for (const std::string& junk : {std::string(), std::string("hello"), std::string(1, '\x30'), std::string(4096, '\0'),
                                  c.leaf.der(), c.leaf.pem()}) {
    auto r = parse_pkcs12(junk, "");
    EXPECT_EQ(r.status().code(), Code::kBadParameter) << junk.size();
  }
  EXPECT_EQ(make_pkcs12(nullptr, {}).status().code(), Code::kBadParameter);
  EXPECT_EQ(make_pkcs12(&rsa_key(0), {c.leaf}).status().code(), Code::kBadParameter);  // not the leaf's key
  auto oct = KeyMaterial::generate_oct(256).value();
  EXPECT_EQ(make_pkcs12(&oct, {c.leaf}).status().code(), Code::kBadParameter);

  // Truncations and corruptions: parsed or refused as bad input, never a crash or an internal error.
  const std::string pfx(make_pkcs12(&rsa_key(11), {c.leaf, c.inter}).value().view());
  for (std::size_t n : {pfx.size() - 1, pfx.size() / 2, std::size_t{20}}) {
    EXPECT_EQ(parse_pkcs12(pfx.substr(0, n), "").status().code(), Code::kBadParameter) << n;
  }
  for (std::size_t i = 0; i < pfx.size(); i += 11) {
    std::string bent = pfx;
    bent[i] = static_cast<char>(bent[i] ^ 0x21);
    auto r = parse_pkcs12(bent, "");
    if (!r.ok()) {
      EXPECT_EQ(r.status().code(), Code::kBadParameter) << i << ": " << r.status().message();
    }
  }
}

TEST(Pkcs12, RefusesWhatIsNotOneKeyAndChain) {
  if (!testing::openssl_available()) GTEST_SKIP() << "openssl not installed";
  TempDir dir;
  testing::TestChain c = write_inputs(dir);
  // A chain with a gap: leaf and root without the intermediate.
  write_file(dir.file("chain.pem"), c.root.pem());
  const std::string gap = openssl_export(dir, "-passout pass:pw");
  auto r = parse_pkcs12(gap, "pw");
  EXPECT_EQ(r.status().code(), Code::kBadParameter);
  // Only a key, no certificate.
  ASSERT_EQ(run("openssl pkcs12 -export -nocerts -inkey " + dir.file("key.pem") + " -passout pass:pw -out " +
                dir.file("k.pfx")),
            0);
  r = parse_pkcs12(read_file(dir.file("k.pfx")), "pw");
  EXPECT_EQ(r.status().code(), Code::kBadParameter);
  EXPECT_TRUE(contains(r.status().message(), "no X.509 certificate")) << r.status().message();
}

}  // namespace
}  // namespace coffer::crypto
