// Certificate parsing, self-signed and CA-signed issuing (checked with the
// openssl command), CSRs and chain ordering.
#include "crypto/certificate.hpp"

#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <algorithm>
#include <atomic>
#include <random>
#include <thread>

#include "cert_test_util.hpp"
#include "common/base64.hpp"
#include "crypto/certificate_chain.hpp"
#include "crypto/certificate_issue.hpp"

namespace coffer::crypto {
namespace {

using testing::ca_profile;
using testing::ec_key;
using testing::leaf_profile;
using testing::make_chain;
using testing::now;
using testing::openssl_text;
using testing::output_of;
using testing::rsa_key;
using testing::run;
using testing::TempDir;
using testing::utc;
using testing::write_file;

using Strings = std::vector<std::string>;

std::string digest(std::string_view data, const EVP_MD* md) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_Digest(data.data(), data.size(), out, &n, md, nullptr);
  return std::string(reinterpret_cast<char*>(out), n);
}

// Whether `part` occurs in `s`, comparing runs of whitespace as one space.
bool contains_squashed(const std::string& s, const std::string& part) {
  auto squash = [](const std::string& in) {
    std::string out;
    for (char c : in) {
      const bool space = c == ' ' || c == '\n' || c == '\t';
      if (!space)
        out += c;
      else if (out.empty() || out.back() != ' ')
        out += ' ';
    }
    return out;
  };
  return squash(s).find(squash(part)) != std::string::npos;
}

CertificateProfile full_profile() {
  CertificateProfile p = leaf_profile("CN=Coffer Test, O=Example Org, OU=Unit, L=Zürich, ST=ZH, C=CH");
  p.dns_names = {"a.example", "*.b.example"};
  p.emails = {"e@x.example"};
  p.upns = {"u@x.example", "jürgen@contoso.example"};
  return p;
}

void expect_full_profile(const Certificate& c) {
  EXPECT_EQ(c.subject(), "CN=Coffer Test, O=Example Org, OU=Unit, L=Zürich, ST=ZH, C=CH");
  EXPECT_EQ(c.issuer(), c.subject());
  EXPECT_TRUE(c.is_self_issued());
  EXPECT_FALSE(c.is_ca());
  EXPECT_EQ(c.path_length(), std::nullopt);
  EXPECT_EQ(c.dns_names(), (Strings{"a.example", "*.b.example"}));
  EXPECT_EQ(c.emails(), (Strings{"e@x.example"}));
  EXPECT_EQ(c.upns(), (Strings{"u@x.example", "jürgen@contoso.example"}));
  EXPECT_EQ(c.key_usage(), (Strings{"digitalSignature", "keyEncipherment"}));
  EXPECT_EQ(c.ekus(), (Strings{"1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2"}));
  EXPECT_EQ(c.serial_hex().size(), 32u);  // 16 bytes
  EXPECT_LT(c.serial_hex()[0], '8');      // positive
  EXPECT_EQ(c.x5t(), base64url_encode(digest(c.der(), EVP_sha1())));
  EXPECT_EQ(c.x5t().size(), 27u);
  EXPECT_EQ(c.x5t_s256(), base64url_encode(digest(c.der(), EVP_sha256())));
}

TEST(CertificateIssue, SelfSignedRsa2048) {
  const int64_t t = utc(2024, 1, 31, 9, 30, 0);
  auto cert = issue_certificate(rsa_key(0), full_profile(), t, nullptr, nullptr);
  ASSERT_TRUE(cert.ok()) << cert.status().message();
  expect_full_profile(*cert);
  EXPECT_EQ(cert->not_before(), t - 600);
  EXPECT_EQ(cert->not_after(), utc(2025, 1, 31, 9, 30, 0));
  EXPECT_TRUE(cert->public_key_matches(rsa_key(0)));
  EXPECT_FALSE(cert->public_key_matches(rsa_key(1)));
  EXPECT_FALSE(cert->public_key_matches(ec_key(0)));
  EXPECT_TRUE(cert->issued_by(*cert));

  TempDir dir;
  write_file(dir.file("c.pem"), cert->pem());
  const std::string text = openssl_text(dir.file("c.pem"));
  EXPECT_TRUE(contains_squashed(text, "Version: 3 (0x2)")) << text;
  EXPECT_TRUE(contains_squashed(text, "Signature Algorithm: sha256WithRSAEncryption")) << text;
  EXPECT_TRUE(contains_squashed(text, "Public-Key: (2048 bit)")) << text;
  EXPECT_TRUE(
      contains_squashed(text, "X509v3 Key Usage: critical\n                Digital Signature, Key Encipherment"))
      << text;
  EXPECT_TRUE(contains_squashed(text, "X509v3 Basic Constraints: \n                CA:FALSE")) << text;
  EXPECT_TRUE(contains_squashed(text, "TLS Web Server Authentication, TLS Web Client Authentication")) << text;
  EXPECT_TRUE(contains_squashed(text, "DNS:a.example, DNS:*.b.example, email:e@x.example, othername: UPN::u@x.example"))
      << text;
  EXPECT_TRUE(contains_squashed(text, "X509v3 Subject Key Identifier")) << text;
  EXPECT_TRUE(contains_squashed(text, "X509v3 Authority Key Identifier")) << text;
  EXPECT_TRUE(contains_squashed(text, "Not Before: Jan 31 09:20:00 2024 GMT")) << text;
  EXPECT_TRUE(contains_squashed(text, "Not After : Jan 31 09:30:00 2025 GMT")) << text;
  // AKI = SKI for a self-signed certificate.
  const std::string ski = output_of("openssl x509 -noout -ext subjectKeyIdentifier -in " + dir.file("c.pem"));
  const std::string aki = output_of("openssl x509 -noout -ext authorityKeyIdentifier -in " + dir.file("c.pem"));
  const std::string ski_hex = ski.substr(ski.find('\n') + 1);
  EXPECT_FALSE(ski_hex.empty());
  EXPECT_TRUE(contains_squashed(aki, ski_hex.substr(ski_hex.find_first_not_of(' ')))) << ski << aki;
  // The subject in the certificate's order, as openssl prints it.
  EXPECT_TRUE(
      contains_squashed(output_of("openssl x509 -noout -subject -nameopt oneline,-esc_msb -in " + dir.file("c.pem")),
                        "subject=CN = Coffer Test, O = Example Org, OU = Unit, L = Zürich, ST = ZH, C = CH"));
}

TEST(CertificateIssue, SelfSignedEcP256) {
  const int64_t t = utc(2023, 8, 31, 23, 59, 59);
  CertificateProfile p = full_profile();
  p.validity_months = 6;
  auto cert = issue_certificate(ec_key(0), p, t, nullptr, nullptr);
  ASSERT_TRUE(cert.ok()) << cert.status().message();
  expect_full_profile(*cert);
  EXPECT_EQ(cert->not_before(), t - 600);
  EXPECT_EQ(cert->not_after(), utc(2024, 2, 29, 23, 59, 59));  // Aug 31 + 6 months, leap year
  EXPECT_TRUE(cert->public_key_matches(ec_key(0)));
  EXPECT_FALSE(cert->public_key_matches(ec_key(1)));

  TempDir dir;
  write_file(dir.file("c.pem"), cert->pem());
  const std::string text = openssl_text(dir.file("c.pem"));
  EXPECT_TRUE(contains_squashed(text, "Signature Algorithm: ecdsa-with-SHA256")) << text;
  EXPECT_TRUE(contains_squashed(text, "NIST CURVE: P-256")) << text;
}

TEST(CertificateIssue, EcDigestFollowsTheCurve) {
  TempDir dir;
  for (auto [crv, alg] : {std::pair{"P-384", "ecdsa-with-SHA384"}, std::pair{"P-521", "ecdsa-with-SHA512"}}) {
    auto cert = issue_certificate(ec_key(0, crv), leaf_profile("CN=ec"), now(), nullptr, nullptr);
    ASSERT_TRUE(cert.ok()) << cert.status().message();
    write_file(dir.file("c.pem"), cert->pem());
    EXPECT_TRUE(contains_squashed(openssl_text(dir.file("c.pem")), std::string("Signature Algorithm: ") + alg)) << crv;
  }
}

TEST(CertificateIssue, ValidityUsesCalendarMonths) {
  CertificateProfile p = leaf_profile("CN=v");
  p.validity_months = 1;
  auto jan31 = issue_certificate(ec_key(0), p, utc(2024, 1, 31, 12, 0, 0), nullptr, nullptr);
  ASSERT_TRUE(jan31.ok());
  EXPECT_EQ(jan31->not_after(), utc(2024, 2, 29, 12, 0, 0));
  auto jan31_2023 = issue_certificate(ec_key(0), p, utc(2023, 1, 31, 12, 0, 0), nullptr, nullptr);
  ASSERT_TRUE(jan31_2023.ok());
  EXPECT_EQ(jan31_2023->not_after(), utc(2023, 2, 28, 12, 0, 0));
  p.validity_months = 1200;  // beyond 2049: GeneralizedTime
  auto long_lived = issue_certificate(ec_key(0), p, utc(2024, 5, 6, 7, 8, 9), nullptr, nullptr);
  ASSERT_TRUE(long_lived.ok());
  EXPECT_EQ(long_lived->not_after(), utc(2124, 5, 6, 7, 8, 9));
}

TEST(CertificateIssue, SubjectOnlyOrSanOnly) {
  CertificateProfile p;
  p.subject = "cn=MyCert";
  auto plain = issue_certificate(ec_key(0), p, now(), nullptr, nullptr);
  ASSERT_TRUE(plain.ok()) << plain.status().message();
  EXPECT_EQ(plain->subject(), "CN=MyCert");
  EXPECT_TRUE(plain->key_usage().empty());
  EXPECT_TRUE(plain->ekus().empty());
  EXPECT_TRUE(plain->dns_names().empty());

  CertificateProfile san_only;
  san_only.dns_names = {"only.example"};
  auto cert = issue_certificate(ec_key(0), san_only, now(), nullptr, nullptr);
  ASSERT_TRUE(cert.ok()) << cert.status().message();
  EXPECT_EQ(cert->subject(), "");
  EXPECT_EQ(cert->dns_names(), (Strings{"only.example"}));
  TempDir dir;
  write_file(dir.file("c.pem"), cert->pem());
  EXPECT_TRUE(contains_squashed(openssl_text(dir.file("c.pem")), "X509v3 Subject Alternative Name: critical"));
}

TEST(CertificateIssue, OpensslVerifiesSelfSigned) {
  if (!testing::openssl_available()) GTEST_SKIP() << "openssl not installed";
  TempDir dir;
  for (const KeyMaterial* key : {&rsa_key(0), &ec_key(0)}) {
    auto cert = issue_certificate(*key, full_profile(), now(), nullptr, nullptr);
    ASSERT_TRUE(cert.ok()) << cert.status().message();
    write_file(dir.file("self.pem"), cert->pem());
    EXPECT_EQ(run("openssl verify -CAfile " + dir.file("self.pem") + " " + dir.file("self.pem")), 0);
  }
}

TEST(CertificateIssue, RefusesBadInput) {
  auto oct = KeyMaterial::generate_oct(256).value();
  EXPECT_EQ(issue_certificate(oct, leaf_profile("CN=x"), now(), nullptr, nullptr).status().code(), Code::kBadParameter);
  CertificateProfile bad = leaf_profile("CN=x");
  bad.key_usage = {"everything"};
  EXPECT_EQ(issue_certificate(ec_key(0), bad, now(), nullptr, nullptr).status().code(), Code::kBadParameter);
  EXPECT_EQ(make_csr_der(oct, leaf_profile("CN=x")).status().code(), Code::kBadParameter);
  EXPECT_EQ(make_csr_der(ec_key(0), bad).status().code(), Code::kBadParameter);
}

TEST(CertificateIssue, CofferCaIssuesLeaf) {
  const int64_t t = now();
  auto ca = issue_certificate(rsa_key(2), ca_profile("CN=Coffer Test CA, O=Coffer"), t, nullptr, nullptr);
  ASSERT_TRUE(ca.ok()) << ca.status().message();
  EXPECT_TRUE(ca->is_ca());
  EXPECT_EQ(ca->key_usage(), (Strings{"keyCertSign", "cRLSign"}));

  CertificateProfile lp = leaf_profile("CN=leaf.example, O=Coffer");
  lp.dns_names = {"leaf.example"};
  auto leaf = issue_certificate(ec_key(2), lp, t, &*ca, &rsa_key(2));
  ASSERT_TRUE(leaf.ok()) << leaf.status().message();
  EXPECT_EQ(leaf->issuer(), "CN=Coffer Test CA, O=Coffer");
  EXPECT_FALSE(leaf->is_self_issued());
  EXPECT_TRUE(leaf->issued_by(*ca));
  EXPECT_FALSE(ca->issued_by(*leaf));
  EXPECT_FALSE(leaf->issued_by(*leaf));
  EXPECT_TRUE(leaf->public_key_matches(ec_key(2)));

  TempDir dir;
  write_file(dir.file("ca.pem"), ca->pem());
  write_file(dir.file("leaf.pem"), leaf->pem());
  EXPECT_EQ(run("openssl verify -CAfile " + dir.file("ca.pem") + " " + dir.file("leaf.pem")), 0);
  const std::string ca_text = openssl_text(dir.file("ca.pem"));
  EXPECT_TRUE(contains_squashed(ca_text, "X509v3 Basic Constraints: critical\n                CA:TRUE")) << ca_text;
  // DER, not just BER: the BasicConstraints value is SEQUENCE { BOOLEAN 0xFF } (strict parsers,
  // such as Python's cryptography, refuse a TRUE encoded as 0x01).
  EXPECT_NE(ca->der().find(std::string("\x30\x03\x01\x01\xff", 5)), std::string::npos);
  // The leaf's AKI is the CA's SKI; signed by the CA's RSA key.
  const std::string ca_ski = output_of("openssl x509 -noout -ext subjectKeyIdentifier -in " + dir.file("ca.pem"));
  const std::string leaf_aki = output_of("openssl x509 -noout -ext authorityKeyIdentifier -in " + dir.file("leaf.pem"));
  const std::string ski_hex = ca_ski.substr(ca_ski.find('\n') + 1);
  EXPECT_TRUE(contains_squashed(leaf_aki, ski_hex.substr(ski_hex.find_first_not_of(' ')))) << ca_ski << leaf_aki;
  EXPECT_TRUE(contains_squashed(openssl_text(dir.file("leaf.pem")), "Signature Algorithm: sha256WithRSAEncryption"));
}

TEST(CertificateIssue, IntermediateWithPathLength) {
  testing::TestChain chain = make_chain();
  EXPECT_EQ(chain.inter.path_length(), 0);
  EXPECT_TRUE(chain.inter.is_ca());
  TempDir dir;
  write_file(dir.file("root.pem"), chain.root.pem());
  write_file(dir.file("inter.pem"), chain.inter.pem());
  write_file(dir.file("leaf.pem"), chain.leaf.pem());
  EXPECT_EQ(run("openssl verify -CAfile " + dir.file("root.pem") + " -untrusted " + dir.file("inter.pem") + " " +
                dir.file("leaf.pem")),
            0);
  EXPECT_NE(run("openssl verify -CAfile " + dir.file("root.pem") + " " + dir.file("leaf.pem")), 0);
  EXPECT_TRUE(contains_squashed(openssl_text(dir.file("inter.pem")), "CA:TRUE, pathlen:0"));
  // pathlen 0 forbids another CA below the intermediate.
  auto sub_ca = issue_certificate(ec_key(3), ca_profile("CN=Sub CA"), now(), &chain.inter, &ec_key(10));
  EXPECT_EQ(sub_ca.status().code(), Code::kBadParameter);
  EXPECT_TRUE(contains_squashed(sub_ca.status().message(), "path length")) << sub_ca.status().message();
}

TEST(CertificateIssue, RefusesUnusableIssuers) {
  const int64_t t = now();
  auto not_ca = issue_certificate(rsa_key(3), leaf_profile("CN=not a CA"), t, nullptr, nullptr).value();
  auto r = issue_certificate(ec_key(3), leaf_profile("CN=x"), t, &not_ca, &rsa_key(3));
  EXPECT_EQ(r.status().code(), Code::kBadParameter);
  EXPECT_TRUE(contains_squashed(r.status().message(), "not a CA")) << r.status().message();

  auto ca = issue_certificate(rsa_key(2), ca_profile("CN=CA"), t, nullptr, nullptr).value();
  r = issue_certificate(ec_key(3), leaf_profile("CN=x"), t, &ca, &rsa_key(3));  // wrong key
  EXPECT_EQ(r.status().code(), Code::kBadParameter);
  EXPECT_TRUE(contains_squashed(r.status().message(), "does not match")) << r.status().message();

  CertificateProfile no_cert_sign = ca_profile("CN=CA without keyCertSign");
  no_cert_sign.key_usage = {"digitalSignature"};
  auto weak_ca = issue_certificate(rsa_key(2), no_cert_sign, t, nullptr, nullptr).value();
  r = issue_certificate(ec_key(3), leaf_profile("CN=x"), t, &weak_ca, &rsa_key(2));
  EXPECT_EQ(r.status().code(), Code::kBadParameter);
  EXPECT_TRUE(contains_squashed(r.status().message(), "keyCertSign")) << r.status().message();

  r = issue_certificate(ec_key(3), leaf_profile("CN=x"), t, &ca, nullptr);
  EXPECT_EQ(r.status().code(), Code::kBadParameter);
  auto oct = KeyMaterial::generate_oct(256).value();
  r = issue_certificate(ec_key(3), leaf_profile("CN=x"), t, &ca, &oct);
  EXPECT_EQ(r.status().code(), Code::kBadParameter);
}

TEST(Csr, OpensslShowsTheExtensions) {
  TempDir dir;
  for (const KeyMaterial* key : {&rsa_key(0), &ec_key(0)}) {
    auto csr = make_csr_der(*key, full_profile());
    ASSERT_TRUE(csr.ok()) << csr.status().message();
    EXPECT_EQ(static_cast<unsigned char>((*csr)[0]), 0x30);
    write_file(dir.file("csr.der"), *csr);
    const std::string cmd = "openssl req -in " + dir.file("csr.der") + " -inform DER -verify -noout -text";
    EXPECT_EQ(run(cmd), 0);
    const std::string text = output_of("(" + cmd + " 2>&1)");
    EXPECT_TRUE(contains_squashed(text, "verify OK")) << text;
    EXPECT_TRUE(contains_squashed(text, "Subject: CN = Coffer Test, O = Example Org")) << text;
    EXPECT_TRUE(contains_squashed(text, "Requested Extensions:")) << text;
    EXPECT_TRUE(
        contains_squashed(text, "X509v3 Key Usage: critical\n                Digital Signature, Key Encipherment"))
        << text;
    EXPECT_TRUE(contains_squashed(text, "TLS Web Server Authentication, TLS Web Client Authentication")) << text;
    EXPECT_TRUE(
        contains_squashed(text, "DNS:a.example, DNS:*.b.example, email:e@x.example, othername: UPN::u@x.example"))
        << text;
    EXPECT_TRUE(contains_squashed(text, "X509v3 Basic Constraints: \n                CA:FALSE")) << text;
  }
  CertificateProfile ca = ca_profile("CN=CA", 2);
  auto csr = make_csr_der(ec_key(0), ca);
  ASSERT_TRUE(csr.ok());
  write_file(dir.file("ca.der"), *csr);
  const std::string text = output_of("openssl req -in " + dir.file("ca.der") + " -inform DER -noout -text");
  EXPECT_TRUE(contains_squashed(text, "X509v3 Basic Constraints: critical\n                CA:TRUE, pathlen:2"))
      << text;
}

TEST(CertificateParse, DerAndPem) {
  auto cert = issue_certificate(ec_key(0), leaf_profile("CN=parse"), now(), nullptr, nullptr).value();
  auto from_der = Certificate::from_der(cert.der());
  ASSERT_TRUE(from_der.ok());
  EXPECT_EQ(*from_der, cert);
  EXPECT_EQ(from_der->x5t(), cert.x5t());
  // PEM: 64-character lines, LF, trailing LF; CRLF and surrounding text are fine.
  const std::string& pem = cert.pem();
  EXPECT_EQ(pem.rfind("-----BEGIN CERTIFICATE-----\n", 0), 0u);
  EXPECT_EQ(pem.back(), '\n');
  EXPECT_FALSE(contains_squashed(pem, "\r"));
  for (std::size_t pos = 0, next; (next = pem.find('\n', pos)) != std::string::npos; pos = next + 1) {
    EXPECT_LE(next - pos, 64u);
  }
  std::string crlf;
  for (char c : "subject=whatever\n" + pem) {
    if (c == '\n') crlf += '\r';
    crlf += c;
  }
  auto from_pem =
      Certificate::from_pem("-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\n" + crlf +
                            make_chain().root.pem());
  ASSERT_TRUE(from_pem.ok()) << from_pem.status().message();
  EXPECT_EQ(*from_pem, cert);  // the first CERTIFICATE block
  // openssl's own PEM parses the same.
  TempDir dir;
  write_file(dir.file("c.pem"), pem);
  EXPECT_EQ(output_of("openssl x509 -outform DER -in " + dir.file("c.pem")), cert.der());
}

TEST(CertificateParse, GarbageIsBadParameter) {
  const std::string der = issue_certificate(rsa_key(0), full_profile(), now(), nullptr, nullptr).value().der();
  for (const std::string& junk : {std::string(), std::string("hello"), std::string(1, '\x30'), der + "x",
                                  der.substr(0, der.size() - 1), der.substr(0, 10), std::string(5000, '\0')}) {
    auto r = Certificate::from_der(junk);
    EXPECT_EQ(r.status().code(), Code::kBadParameter) << junk.size();
  }
  for (const std::string& junk : {std::string(), std::string("no pem here"),
                                  std::string("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"),
                                  std::string("-----BEGIN CERTIFICATE-----\nMIIB\n"),
                                  std::string("-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n")}) {
    EXPECT_EQ(Certificate::from_pem(junk).status().code(), Code::kBadParameter) << junk;
  }
  // Every single-byte corruption parses or is refused as bad input; none crashes or is internal.
  int parsed = 0;
  for (std::size_t i = 0; i < der.size(); ++i) {
    std::string bent = der;
    bent[i] = static_cast<char>(bent[i] ^ 0x5a);
    auto r = Certificate::from_der(bent);
    if (r.ok()) {
      ++parsed;
      (void)r->subject();
      (void)r->issued_by(*r);
    } else {
      EXPECT_EQ(r.status().code(), Code::kBadParameter) << i << ": " << r.status().message();
    }
  }
  EXPECT_GT(parsed, 0);
}

TEST(CertificateChain, OrdersShuffledChains) {
  testing::TestChain c = make_chain();
  const std::vector<Certificate> expected = {c.leaf, c.inter, c.root};
  std::vector<Certificate> input = expected;
  std::mt19937 rng(7);
  for (int i = 0; i < 6; ++i) {
    std::shuffle(input.begin(), input.end(), rng);
    auto ordered = order_chain(input);
    ASSERT_TRUE(ordered.ok()) << ordered.status().message();
    EXPECT_EQ(*ordered, expected);
  }
  // Stopping before the root is fine; duplicates are dropped; a single certificate is a chain.
  EXPECT_EQ(order_chain({c.inter, c.leaf}).value(), (std::vector<Certificate>{c.leaf, c.inter}));
  EXPECT_EQ(order_chain({c.leaf, c.inter, c.leaf}).value(), (std::vector<Certificate>{c.leaf, c.inter}));
  EXPECT_EQ(order_chain({c.root}).value(), (std::vector<Certificate>{c.root}));
  EXPECT_EQ(order_chain({c.leaf}).value(), (std::vector<Certificate>{c.leaf}));
}

TEST(CertificateChain, RefusesWhatIsNotOneChain) {
  testing::TestChain c = make_chain();
  EXPECT_EQ(order_chain({}).status().code(), Code::kBadParameter);
  // A gap in the middle: leaf and root without the intermediate.
  auto gap = order_chain({c.leaf, c.root});
  EXPECT_EQ(gap.status().code(), Code::kBadParameter);
  EXPECT_TRUE(contains_squashed(gap.status().message(), "one chain")) << gap.status().message();
  // Two leaves of one issuer.
  CertificateProfile lp = leaf_profile("CN=second.example");
  auto second = issue_certificate(ec_key(4), lp, now(), &c.inter, &ec_key(10)).value();
  EXPECT_EQ(order_chain({c.leaf, second, c.inter}).status().code(), Code::kBadParameter);
  // An unrelated self-signed certificate.
  auto other = issue_certificate(ec_key(4), lp, now(), nullptr, nullptr).value();
  EXPECT_EQ(order_chain({c.leaf, c.inter, other}).status().code(), Code::kBadParameter);
  // A certificate whose issuer name matches but whose signature does not.
  auto impostor =
      issue_certificate(rsa_key(11), ca_profile("CN=Test Intermediate, O=Coffer", 0), now(), nullptr, nullptr).value();
  EXPECT_FALSE(c.leaf.issued_by(impostor));
  EXPECT_EQ(order_chain({c.leaf, impostor}).status().code(), Code::kBadParameter);
  std::vector<Certificate> many(51, c.leaf);
  EXPECT_TRUE(order_chain(many).ok());  // duplicates collapse to one
}

TEST(CertificateChain, SharedCertificatesAcrossThreads) {
  testing::TestChain c = make_chain();
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 25; ++i) {
        const Certificate copy = c.leaf;  // copies share the parsed certificate
        const bool ok = copy.issued_by(c.inter) && c.inter.issued_by(c.root) && !c.leaf.issued_by(c.root) &&
                        copy.public_key_matches(rsa_key(11)) && copy.subject() == "CN=leaf.example" &&
                        order_chain({c.root, copy, c.inter}).ok();
        if (!ok) ++failures;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
}

}  // namespace
}  // namespace coffer::crypto
