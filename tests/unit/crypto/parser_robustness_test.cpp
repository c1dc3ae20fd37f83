// Robustness of the crypto parsers against malformed input: a PEM bundle, a
// PKCS#12 file, a certificate, a distinguished name, all valid, mutated at
// random (seeded) — each call returns a value or kBadParameter, never an
// exception, a crash or kInternal.
#include <gtest/gtest.h>

#include <string>

#include "../support/mutation.hpp"
#include "cert_test_util.hpp"
#include "crypto/pem_bundle.hpp"
#include "crypto/pkcs12.hpp"
#include "crypto/x509_name.hpp"

namespace coffer::crypto {
namespace {

using testing::make_chain;
using testing::rsa_key;
using testing::TestChain;

constexpr int kRounds = 400;

bool not_internal(const Status& st) { return st.code() != Code::kInternal; }

template <typename F>
void expect_robust(const char* what, const std::string& valid, F parse, uint32_t seed) {
  coffer::testing::expect_robust(
      what, valid, [&](const std::string& s) { return parse(s).status(); }, not_internal, seed, kRounds);
}

TEST(CryptoParserRobustness, PemBundlePkcs12CertificateAndName) {
  const TestChain chain = make_chain();
  const std::vector<Certificate> certs = {chain.leaf, chain.inter, chain.root};
  const std::string pem = make_pem_bundle(&rsa_key(11), certs).value().str();
  const std::string pfx = make_pkcs12(&rsa_key(11), certs).value().str();
  expect_robust(
      "parse_pem_bundle", pem, [](const std::string& s) { return parse_pem_bundle(s); }, 1);
  expect_robust(
      "parse_pkcs12", pfx, [](const std::string& s) { return parse_pkcs12(s, ""); }, 2);
  expect_robust(
      "Certificate::from_der", chain.leaf.der(), [](const std::string& s) { return Certificate::from_der(s); }, 3);
  expect_robust(
      "Certificate::from_pem", chain.leaf.pem(), [](const std::string& s) { return Certificate::from_pem(s); }, 4);
  expect_robust(
      "parse_distinguished_name", std::string("CN=leaf.example, O=Coffer, OU=Ops, C=US, E=a@b.c"),
      [](const std::string& s) { return x509name::parse_distinguished_name(s); }, 5);
}

}  // namespace
}  // namespace coffer::crypto
