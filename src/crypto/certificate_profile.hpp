// CertificateProfile: the content of a certificate or CSR Coffer makes (the
// x509_props of an AKV certificate policy, already decoded from JSON).
// validate_profile() is the one place that says whether a profile can be
// issued: OK, or kBadParameter with a message naming the first problem.
// issue_certificate() and make_csr_der() validate again, so an unchecked
// profile cannot produce a malformed certificate.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.hpp"

namespace coffer::crypto {

struct CertificateProfile {
  // Distinguished name, "CN=a, O=b" (see x509_name.hpp for the syntax). May
  // be empty when there is at least one subject alternative name.
  std::string subject;
  std::vector<std::string> dns_names;  // "host.example", "*.example"
  std::vector<std::string> emails;     // rfc822Name
  std::vector<std::string> upns;       // otherName 1.3.6.1.4.1.311.20.2.3
  std::vector<std::string> ekus;       // dotted OIDs, e.g. "1.3.6.1.5.5.7.3.1"
  // AKV names: digitalSignature, nonRepudiation, keyEncipherment,
  // dataEncipherment, keyAgreement, keyCertSign, cRLSign, encipherOnly,
  // decipherOnly (exact spelling).
  std::vector<std::string> key_usage;
  int validity_months = 12;  // 1..1200
  bool ca = false;
  std::optional<int> path_length;  // only with ca; >= 0
};

Status validate_profile(const CertificateProfile& profile);

// The AKV key usage names in KeyUsage bit order (RFC 5280 §4.2.1.3:
// bit 0 digitalSignature … bit 8 decipherOnly).
inline constexpr std::array<std::string_view, 9> kKeyUsageNames = {
    "digitalSignature", "nonRepudiation", "keyEncipherment", "dataEncipherment", "keyAgreement",
    "keyCertSign",      "cRLSign",        "encipherOnly",    "decipherOnly"};

// The KeyUsage bit of an AKV key usage name; nullopt if it is not one.
std::optional<int> key_usage_bit(std::string_view akv_name);

}  // namespace coffer::crypto
