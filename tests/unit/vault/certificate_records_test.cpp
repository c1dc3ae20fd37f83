// The certificate records' store codec: every field of a version, a policy
// (lists keep their order) and an operation survives a round trip, and
// garbage is an error, not a crash.
#include "vault/certificate_records.hpp"

#include <gtest/gtest.h>

namespace coffer::vault {
namespace {

TEST(CertificateRecords, VersionRoundTrip) {
  CertificateVersionRecord v;
  v.properties.version = "0123456789abcdef0123456789abcdef";
  v.properties.attributes = Attributes{false, 100, 200, 50, 60};
  v.properties.tags = {{"team", "web"}};
  v.properties.cer = std::string("\x30\x82\x01\x00", 4);
  v.properties.x5t = "abc_-";
  v.properties.content_type = "application/x-pem-file";
  auto back = decode_certificate_version(encode_certificate_version(v)).value();
  EXPECT_EQ(back.properties.version, v.properties.version);
  EXPECT_FALSE(back.properties.attributes.enabled);
  EXPECT_EQ(back.properties.attributes.not_before, 100);
  EXPECT_EQ(back.properties.attributes.expires, 200);
  EXPECT_EQ(back.properties.attributes.created, 50);
  EXPECT_EQ(back.properties.attributes.updated, 60);
  EXPECT_EQ(back.properties.tags, v.properties.tags);
  EXPECT_EQ(back.properties.cer, v.properties.cer);
  EXPECT_EQ(back.properties.x5t, "abc_-");
  EXPECT_EQ(back.properties.content_type, "application/x-pem-file");
}

TEST(CertificateRecords, PolicyRoundTripKeepsListOrder) {
  CertificatePolicy p = default_certificate_policy();
  p.key = CertificateKeyProps{false, "EC", 384, "P-384", true};
  p.content_type = "application/x-pem-file";
  p.x509.subject = "CN=a, O=b";
  p.x509.dns_names = {"z.example", "a.example", "m.example"};
  p.x509.emails = {"x@example.com"};
  p.x509.upns = {"u@example.com"};
  p.x509.key_usage = {"keyCertSign", "digitalSignature", "cRLSign"};
  p.x509.validity_months = 24;
  p.x509.ca = true;
  p.x509.path_length = 0;
  p.lifetime_actions = {{std::nullopt, 30, "EmailContacts"}, {70, std::nullopt, "AutoRenew"}};
  p.issuer = "Unknown";
  p.certificate_type = "OV-SSL";
  p.certificate_transparency = false;
  p.enabled = false;
  p.created = 5;
  p.updated = 6;
  auto b = decode_certificate_policy(encode_certificate_policy(p)).value();
  EXPECT_FALSE(b.key.exportable);
  EXPECT_EQ(b.key.kty, "EC");
  EXPECT_EQ(b.key.key_size, 384);
  EXPECT_EQ(b.key.crv, "P-384");
  EXPECT_TRUE(b.key.reuse_key);
  EXPECT_EQ(b.content_type, p.content_type);
  EXPECT_EQ(b.x509.subject, p.x509.subject);
  EXPECT_EQ(b.x509.dns_names, p.x509.dns_names);
  EXPECT_EQ(b.x509.emails, p.x509.emails);
  EXPECT_EQ(b.x509.upns, p.x509.upns);
  EXPECT_EQ(b.x509.ekus, p.x509.ekus);
  EXPECT_EQ(b.x509.key_usage, p.x509.key_usage);
  EXPECT_EQ(b.x509.validity_months, 24);
  EXPECT_TRUE(b.x509.ca);
  EXPECT_EQ(b.x509.path_length, 0);
  ASSERT_EQ(b.lifetime_actions.size(), 2u);
  EXPECT_EQ(b.lifetime_actions[0].action, "EmailContacts");
  EXPECT_EQ(b.lifetime_actions[0].days_before_expiry, 30);
  EXPECT_FALSE(b.lifetime_actions[0].lifetime_percentage);
  EXPECT_EQ(b.lifetime_actions[1].lifetime_percentage, 70);
  EXPECT_EQ(b.issuer, "Unknown");
  EXPECT_EQ(b.certificate_type, "OV-SSL");
  EXPECT_EQ(b.certificate_transparency, false);
  EXPECT_FALSE(b.enabled);
  EXPECT_EQ(b.created, 5);
  EXPECT_EQ(b.updated, 6);
}

TEST(CertificateRecords, OperationRoundTripAndGarbage) {
  CertificateOperation op{"0123456789abcdef0123456789abcdef",
                          "Unknown",
                          std::string("\x30\x01\x00", 3),
                          true,
                          "inProgress",
                          "Please Perform Merge to complete the request.",
                          "req",
                          std::nullopt};
  auto b = decode_certificate_operation(encode_certificate_operation(op)).value();
  EXPECT_EQ(b.version, op.version);
  EXPECT_EQ(b.issuer, "Unknown");
  EXPECT_EQ(b.csr, op.csr);
  EXPECT_TRUE(b.cancellation_requested);
  EXPECT_EQ(b.status, "inProgress");
  EXPECT_EQ(b.status_details, op.status_details);
  EXPECT_EQ(b.request_id, "req");
  EXPECT_FALSE(decode_certificate_operation("\xff\xff\xff").ok());
  EXPECT_FALSE(decode_certificate_policy("\x01\x7f").ok());
  EXPECT_FALSE(decode_certificate_version("\x02").ok());
}

}  // namespace
}  // namespace coffer::vault
