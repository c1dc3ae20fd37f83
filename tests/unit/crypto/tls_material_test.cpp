#include "crypto/tls_material.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "common/base64.hpp"
#include "test_util.hpp"

namespace coffer::crypto {
namespace {

using testing::output_of;
using testing::read_file;
using testing::run;
using testing::TempDir;

DevTlsPaths paths_in(const TempDir& dir) {
  return {dir.file("ca.crt"), dir.file("ca.key"), dir.file("server.crt"), dir.file("server.key")};
}

unsigned mode_of(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 ? (st.st_mode & 0777) : 0;
}

std::size_t count(const std::string& haystack, const std::string& needle) {
  std::size_t n = 0;
  for (auto pos = haystack.find(needle); pos != std::string::npos; pos = haystack.find(needle, pos + 1)) {
    ++n;
  }
  return n;
}

TEST(Sha256, KnownAnswers) {
  EXPECT_EQ(hex_encode(sha256("")), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(hex_encode(sha256("abc")), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(DevTls, CreatesFilesAndKeepsThem) {
  TempDir dir;
  const DevTlsPaths p = paths_in(dir);
  ASSERT_TRUE(ensure_dev_tls(p, {"coffer.example.test", "*.vault.localhost"}).ok());
  EXPECT_EQ(mode_of(p.ca_key), 0600u);
  EXPECT_EQ(mode_of(p.server_key), 0600u);
  EXPECT_EQ(mode_of(p.ca_cert), 0644u);
  EXPECT_EQ(mode_of(p.server_cert), 0644u);
  const std::string ca = read_file(p.ca_cert), ca_key = read_file(p.ca_key);
  const std::string server = read_file(p.server_cert), server_key = read_file(p.server_key);
  EXPECT_EQ(count(server, "-----BEGIN CERTIFICATE-----"), 2u);
  EXPECT_NE(server.find(ca), std::string::npos);  // leaf then CA
  EXPECT_EQ(server.find(ca), server.size() - ca.size());
  EXPECT_EQ(ca_key.rfind("-----BEGIN PRIVATE KEY-----", 0), 0u);

  Status again = ensure_dev_tls(p, {"coffer.example.test"});
  ASSERT_TRUE(again.ok()) << again.message();
  EXPECT_EQ(read_file(p.ca_cert), ca);
  EXPECT_EQ(read_file(p.ca_key), ca_key);
  EXPECT_EQ(read_file(p.server_cert), server);
  EXPECT_EQ(read_file(p.server_key), server_key);
}

TEST(DevTls, RecreatesMissingFiles) {
  TempDir dir;
  const DevTlsPaths p = paths_in(dir);
  ASSERT_TRUE(ensure_dev_tls(p, {}).ok());
  const std::string ca = read_file(p.ca_cert), server_key = read_file(p.server_key);

  // A missing server certificate is reissued by the same CA for the same key.
  std::filesystem::remove(p.server_cert);
  ASSERT_TRUE(ensure_dev_tls(p, {}).ok());
  EXPECT_EQ(read_file(p.ca_cert), ca);
  EXPECT_EQ(read_file(p.server_key), server_key);
  EXPECT_NE(read_file(p.server_cert).find(ca), std::string::npos);

  // A new CA means a new server pair too.
  std::filesystem::remove(p.ca_key);
  ASSERT_TRUE(ensure_dev_tls(p, {}).ok());
  EXPECT_NE(read_file(p.ca_cert), ca);
  EXPECT_NE(read_file(p.server_key), server_key);
  EXPECT_NE(read_file(p.server_cert).find(read_file(p.ca_cert)), std::string::npos);
}

TEST(DevTls, RejectsBadNamesAndMismatchedCa) {
  TempDir dir;
  const DevTlsPaths p = paths_in(dir);
  Status bad = ensure_dev_tls(p, {"a,DNS:evil"});
  EXPECT_EQ(bad.code(), Code::kBadParameter);
  EXPECT_FALSE(std::filesystem::exists(p.ca_key));

  ASSERT_TRUE(ensure_dev_tls(p, {}).ok());
  TempDir other;
  ASSERT_TRUE(ensure_dev_tls(paths_in(other), {}).ok());
  std::filesystem::copy_file(other.file("ca.crt"), p.ca_cert, std::filesystem::copy_options::overwrite_existing);
  std::filesystem::remove(p.server_cert);
  Status mismatch = ensure_dev_tls(p, {});
  EXPECT_FALSE(mismatch.ok());
  EXPECT_NE(mismatch.message().find("does not match"), std::string::npos) << mismatch.message();
}

TEST(DevTls, OpensslAcceptsTheChain) {
  if (!testing::openssl_available()) GTEST_SKIP() << "openssl command not found";
  TempDir dir;
  const DevTlsPaths p = paths_in(dir);
  ASSERT_TRUE(ensure_dev_tls(p, {"coffer.example.test"}).ok());
  const std::string leaf = dir.file("leaf.pem");
  ASSERT_EQ(run("openssl x509 -in " + p.server_cert + " -out " + leaf), 0);
  EXPECT_EQ(run("openssl verify -purpose sslserver -CAfile " + p.ca_cert + " " + leaf), 0);
  EXPECT_NE(run("openssl verify -CAfile " + leaf + " " + p.ca_cert), 0);

  const std::string san = output_of("openssl x509 -in " + leaf + " -noout -ext subjectAltName");
  for (const char* want :
       {"DNS:localhost", "DNS:*.vault.localhost", "IP Address:127.0.0.1", "DNS:coffer.example.test"}) {
    EXPECT_NE(san.find(want), std::string::npos) << want << " not in " << san;
  }
  EXPECT_TRUE(san.find("IP Address:0:0:0:0:0:0:0:1") != std::string::npos ||
              san.find("IP Address:::1") != std::string::npos)
      << san;

  const std::string leaf_text = output_of("openssl x509 -in " + leaf + " -noout -text");
  EXPECT_NE(leaf_text.find("CN = localhost"), std::string::npos);
  EXPECT_NE(leaf_text.find("CA:FALSE"), std::string::npos);
  EXPECT_NE(leaf_text.find("TLS Web Server Authentication"), std::string::npos);
  EXPECT_NE(leaf_text.find("X509v3 Authority Key Identifier"), std::string::npos);
  EXPECT_NE(leaf_text.find("ecdsa-with-SHA256"), std::string::npos);
  EXPECT_NE(leaf_text.find("prime256v1"), std::string::npos);

  const std::string ca_text = output_of("openssl x509 -in " + p.ca_cert + " -noout -text");
  EXPECT_NE(ca_text.find("CN = Coffer dev CA"), std::string::npos);
  EXPECT_NE(ca_text.find("CA:TRUE"), std::string::npos);
  EXPECT_NE(ca_text.find("Certificate Sign, CRL Sign"), std::string::npos);
  EXPECT_NE(ca_text.find("X509v3 Subject Key Identifier"), std::string::npos);

  // The server key belongs to the leaf certificate.
  EXPECT_EQ(output_of("openssl x509 -in " + leaf + " -noout -pubkey"),
            output_of("openssl pkey -in " + p.server_key + " -pubout"));
  // Validity: ten years for the CA, at most 825 days for the leaf.
  EXPECT_EQ(run("openssl x509 -in " + p.ca_cert + " -noout -checkend " + std::to_string(3649L * 86400)), 0);
  EXPECT_EQ(run("openssl x509 -in " + leaf + " -noout -checkend " + std::to_string(824L * 86400)), 0);
  EXPECT_NE(run("openssl x509 -in " + leaf + " -noout -checkend " + std::to_string(826L * 86400)), 0);
}

}  // namespace
}  // namespace coffer::crypto
