// The pure pieces of `coffer keyvault certificate`: az's default policy, the
// reading of --policy documents, import values, merge chains and downloads.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "cli/certificate_files.hpp"
#include "cli/certificate_policy_json.hpp"
#include "common/base64.hpp"

namespace coffer::cli {
namespace {
namespace json = boost::json;

// Two self-signed P-256 certificates made with `openssl req -x509`.
constexpr const char* kLeafPem =
    "-----BEGIN CERTIFICATE-----\n"
    "MIIBezCCASGgAwIBAgIUZ1LVWi2XsSU54Zna15RT4gsb9gYwCgYIKoZIzj0EAwIw\n"
    "EzERMA8GA1UEAwwIY2xpLXVuaXQwHhcNMjYxMTI3MjMyNzMxWhcNMzYxMTI0MjMy\n"
    "NzMxWjATMREwDwYDVQQDDAhjbGktdW5pdDBZMBMGByqGSM49AgEGCCqGSM49AwEH\n"
    "A0IABGz7ki9zFXsxma+R4uRQrLFQRSpiUH6g+HPpvAB4zMLt8YuhDwDbIW2aH61h\n"
    "MG+69qMosOiNeOirXLr+jnjjaFqjUzBRMB0GA1UdDgQWBBRn+ssZ5Nt0CXK7DJ5i\n"
    "ol39yUqFnTAfBgNVHSMEGDAWgBRn+ssZ5Nt0CXK7DJ5iol39yUqFnTAPBgNVHRMB\n"
    "Af8EBTADAQH/MAoGCCqGSM49BAMCA0gAMEUCIQC56t4co9EDNelBMomVF9+51w/a\n"
    "UEQpu7zM9aXcudABWgIgXzGRuX0tj27Y7fwvWKeDV2k9CvvPtEzQMFhGI8UBXdc=\n"
    "-----END CERTIFICATE-----\n";
constexpr const char* kCaPem =
    "-----BEGIN CERTIFICATE-----\n"
    "MIIBgTCCASegAwIBAgIUGimHtF1LuNfj/GBunsdCPg9rCO4wCgYIKoZIzj0EAwIw\n"
    "FjEUMBIGA1UEAwwLY2xpLXVuaXQtY2EwHhcNMjYxMTI3MjMyNzMxWhcNMzYxMTI0\n"
    "MjMyNzMxWjAWMRQwEgYDVQQDDAtjbGktdW5pdC1jYTBZMBMGByqGSM49AgEGCCqG\n"
    "SM49AwEHA0IABLcMh3eyoUKFerHnsrnEr27Vm3NdLLLbGEFVutpEtodFdqrYo4hj\n"
    "A+f+BhuWKL64bjKMlGDiltTj6EDMTDD47R+jUzBRMB0GA1UdDgQWBBSkv+/gllHJ\n"
    "/Elyrd9fCKK4cDQ32TAfBgNVHSMEGDAWgBSkv+/gllHJ/Elyrd9fCKK4cDQ32TAP\n"
    "BgNVHRMBAf8EBTADAQH/MAoGCCqGSM49BAMCA0gAMEUCIQDH3Rd+GeH06+UQP0AG\n"
    "IBRgPY/VXvTv4lAg/CtHF09gawIgT3pZcJEXPAviIrBEPcQFO5ELxvjfXkFjF+A6\n"
    "m5NtgbY=\n"
    "-----END CERTIFICATE-----\n";

// The DER of a one-block PEM text (its body, base64-decoded).
std::string der_of(std::string_view pem) {
  const auto begin = pem.find('\n') + 1;
  const auto end = pem.find("-----END");
  std::string b64;
  for (char c : pem.substr(begin, end - begin)) {
    if (c != '\n') b64 += c;
  }
  return base64_decode(b64).value();
}

TEST(CertificatePolicyJson, DefaultPolicyIsAzs) {
  const json::object p = default_certificate_policy();
  EXPECT_EQ(json::serialize(p.at("key_props")), R"({"exportable":true,"kty":"RSA","key_size":2048,"reuse_key":true})");
  EXPECT_EQ(p.at("secret_props").at("contentType"), "application/x-pkcs12");
  EXPECT_EQ(p.at("x509_props").at("subject"), "CN=CLIGetDefaultPolicy");
  EXPECT_EQ(p.at("x509_props").at("key_usage").as_array().size(), 6u);
  EXPECT_EQ(p.at("x509_props").at("validity_months"), 12);
  EXPECT_EQ(json::serialize(p.at("lifetime_actions")),
            R"([{"trigger":{"days_before_expiry":90},"action":{"action_type":"AutoRenew"}}])");
  EXPECT_EQ(policy_issuer_name(p), "Self");
  // Already in the wire form: reading it changes nothing.
  EXPECT_EQ(wire_certificate_policy(p), p);
}

TEST(CertificatePolicyJson, ReadsModelNamesAndWrappers) {
  const json::object az = json::parse(R"({
      "keyProperties": {"curve": null, "exportable": true, "keySize": 2048, "keyType": "RSA", "reuseKey": false},
      "secretProperties": {"contentType": "application/x-pem-file"},
      "x509CertificateProperties": {"subject": "CN=x", "validityInMonths": 3, "keyUsage": ["digitalSignature"],
                                    "subjectAlternativeNames": {"dnsNames": ["a.example"]}, "ekus": null},
      "lifetimeActions": [{"trigger": {"lifetimePercentage": 80}, "action": {"actionType": "EmailContacts"}}],
      "issuer_parameters": {"name": "Unknown", "certificate_type": "OV-SSL"}, "id": null})")
                              .as_object();
  const json::object wire = wire_certificate_policy(az);
  EXPECT_EQ(json::serialize(wire.at("key_props")),
            R"({"exportable":true,"key_size":2048,"kty":"RSA","reuse_key":false})");
  EXPECT_EQ(wire.at("secret_props").at("contentType"), "application/x-pem-file");
  EXPECT_EQ(wire.at("x509_props").at("validity_months"), 3);
  EXPECT_EQ(wire.at("x509_props").at("sans").at("dns_names").as_array().size(), 1u);
  EXPECT_FALSE(wire.at("x509_props").as_object().contains("ekus"));
  EXPECT_EQ(wire.at("lifetime_actions").at(0).at("trigger").at("lifetime_percentage"), 80);
  EXPECT_EQ(wire.at("lifetime_actions").at(0).at("action").at("action_type"), "EmailContacts");
  EXPECT_EQ(json::serialize(wire.at("issuer")), R"({"name":"Unknown","cty":"OV-SSL"})");
  EXPECT_FALSE(wire.contains("id"));
  EXPECT_EQ(policy_issuer_name(wire), "Unknown");

  const json::object wrapped = json::parse(R"({"policy": {"issuer": {"name": "Self"}}, "attributes": {}})").as_object();
  EXPECT_EQ(json::serialize(wire_certificate_policy(wrapped)), R"({"issuer":{"name":"Self"}})");
  // Members it does not know pass through.
  const json::object extra = json::parse(R"({"x509_props": {"basic_constraints": {"ca": true}}})").as_object();
  EXPECT_EQ(wire_certificate_policy(extra), extra);
  EXPECT_EQ(policy_issuer_name(json::object()), "");
}

TEST(CertificateFiles, ImportValueIsPemTextOrBase64) {
  auto pem = certificate_import_value("junk\r\n-----BEGIN CERTIFICATE-----\r\nAAAA\r\n-----END CERTIFICATE-----\r\n");
  ASSERT_TRUE(pem.ok());
  EXPECT_EQ(pem->value, "junk\n-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n");
  EXPECT_EQ(pem->content_type, kPemContentType);
  auto pfx = certificate_import_value(std::string("\x30\x82\x01\x00\r\n", 6));
  ASSERT_TRUE(pfx.ok());
  EXPECT_EQ(pfx->value, base64_encode(std::string("\x30\x82\x01\x00\r\n", 6)));
  EXPECT_EQ(pfx->content_type, kPkcs12ContentType);
  EXPECT_FALSE(certificate_import_value("").ok());
}

TEST(CertificateFiles, ChainKeepsTheFilesOrder) {
  const std::string bundle = std::string("subject=leaf\r\n") + kLeafPem +
                             "-----BEGIN PRIVATE KEY-----\nAA==\n"
                             "-----END PRIVATE KEY-----\n" +
                             kCaPem;
  auto chain = certificates_der(bundle);
  ASSERT_TRUE(chain.ok()) << chain.status().message();
  ASSERT_EQ(chain->size(), 2u);
  EXPECT_EQ((*chain)[0], der_of(kLeafPem));
  EXPECT_EQ((*chain)[1], der_of(kCaPem));

  auto der = certificates_der(der_of(kCaPem));
  ASSERT_TRUE(der.ok());
  EXPECT_EQ(*der, std::vector<std::string>{der_of(kCaPem)});

  EXPECT_FALSE(certificates_der("-----BEGIN PRIVATE KEY-----\nAA==\n-----END PRIVATE KEY-----\n").ok());
  EXPECT_FALSE(certificates_der("not a certificate").ok());
  std::string truncated = kLeafPem;
  truncated.erase(truncated.find("UEQpu"));
  EXPECT_FALSE(certificates_der(truncated).ok());
}

TEST(CertificateFiles, DownloadWritesPemOrDer) {
  const std::string cer = base64_encode(der_of(kLeafPem));
  auto pem = certificate_download_bytes(cer, "PEM");
  ASSERT_TRUE(pem.ok());
  EXPECT_EQ(*pem, kLeafPem);
  auto der = certificate_download_bytes(cer, "DER");
  ASSERT_TRUE(der.ok());
  EXPECT_EQ(*der, der_of(kLeafPem));
  EXPECT_FALSE(certificate_download_bytes("%%%", "PEM").ok());
  EXPECT_FALSE(certificate_download_bytes(base64_encode("not DER"), "PEM").ok());
}

}  // namespace
}  // namespace coffer::cli
