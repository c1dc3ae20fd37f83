// Helpers shared by the certificate tests: cached keys (RSA generation is
// slow), a profile builder, a root → intermediate → leaf chain, and time
// arithmetic written independently of the code under test.
#pragma once

#include <ctime>
#include <map>
#include <string>

#include "crypto/certificate_issue.hpp"
#include "crypto/key_material.hpp"
#include "test_util.hpp"

namespace coffer::crypto::testing {

inline const KeyMaterial& rsa_key(int i) {
  static std::map<int, KeyMaterial> keys;
  auto it = keys.find(i);
  if (it == keys.end()) it = keys.emplace(i, KeyMaterial::generate_rsa(2048).value()).first;
  return it->second;
}

inline const KeyMaterial& ec_key(int i, const std::string& crv = "P-256") {
  static std::map<std::string, KeyMaterial> keys;
  const std::string id = crv + "/" + std::to_string(i);
  auto it = keys.find(id);
  if (it == keys.end()) it = keys.emplace(id, KeyMaterial::generate_ec(crv).value()).first;
  return it->second;
}

// Unix seconds of a UTC date and time.
inline int64_t utc(int y, int mo, int d, int h = 0, int mi = 0, int s = 0) {
  std::tm tm{};
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = s;
  return static_cast<int64_t>(::timegm(&tm));
}

inline int64_t now() { return static_cast<int64_t>(std::time(nullptr)); }

inline CertificateProfile leaf_profile(const std::string& subject) {
  CertificateProfile p;
  p.subject = subject;
  p.key_usage = {"digitalSignature", "keyEncipherment"};
  p.ekus = {"1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2"};
  return p;
}

inline CertificateProfile ca_profile(const std::string& subject, std::optional<int> path_length = std::nullopt) {
  CertificateProfile p;
  p.subject = subject;
  p.key_usage = {"keyCertSign", "cRLSign"};
  p.ca = true;
  p.path_length = path_length;
  p.validity_months = 60;
  return p;
}

// root (RSA key 10) → intermediate (EC key 10) → leaf (RSA key 11, leaf.example).
struct TestChain {
  Certificate root, inter, leaf;
};

inline TestChain make_chain() {
  const int64_t t = now();
  Certificate root = issue_certificate(rsa_key(10), ca_profile("CN=Test Root, O=Coffer"), t, nullptr, nullptr).value();
  Certificate inter =
      issue_certificate(ec_key(10), ca_profile("CN=Test Intermediate, O=Coffer", 0), t, &root, &rsa_key(10)).value();
  CertificateProfile lp = leaf_profile("CN=leaf.example");
  lp.dns_names = {"leaf.example"};
  Certificate leaf = issue_certificate(rsa_key(11), lp, t, &inter, &ec_key(10)).value();
  return {root, inter, leaf};
}

inline std::string openssl_text(const std::string& pem_path) {
  return output_of("openssl x509 -noout -text -in " + pem_path);
}

}  // namespace coffer::crypto::testing
