// default_certificate_policy() and check_certificate_policy()
// (certificate_types.hpp).
#include <algorithm>

#include "vault/certificate_types.hpp"

namespace coffer::vault {
namespace {

bool is_rsa(std::string_view kty) { return kty == "RSA" || kty == "RSA-HSM"; }
bool is_ec(std::string_view kty) { return kty == "EC" || kty == "EC-HSM"; }

}  // namespace

CertificatePolicy default_certificate_policy() {
  CertificatePolicy p;
  p.x509.ekus = {"1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2"};
  p.x509.key_usage = {"digitalSignature", "keyEncipherment"};
  p.x509.validity_months = 12;
  p.lifetime_actions.push_back(CertificateLifetimeAction{80, std::nullopt, "AutoRenew"});
  return p;
}

Status check_certificate_policy(const CertificatePolicy& p) {
  const auto& k = p.key;
  if (is_rsa(k.kty)) {
    if (k.key_size != 2048 && k.key_size != 3072 && k.key_size != 4096) {
      return bad_parameter("An RSA certificate key must be 2048, 3072 or 4096 bits.");
    }
    if (!k.crv.empty()) return bad_parameter("An RSA certificate key takes no curve (crv).");
  } else if (is_ec(k.kty)) {
    if (k.crv != "P-256" && k.crv != "P-384" && k.crv != "P-521") {
      return bad_parameter("An EC certificate key needs the curve P-256, P-384 or P-521.");
    }
  } else {
    return bad_parameter("The certificate key type (kty) '" + k.kty + "' is not supported; use RSA or EC.");
  }
  if (p.content_type != kPkcs12ContentType && p.content_type != kPemContentType) {
    return bad_parameter("The secret content type must be application/x-pkcs12 or application/x-pem-file.");
  }
  if (p.issuer.empty() || p.issuer.size() > 127)
    return bad_parameter("The policy's issuer name must be 1-127 characters.");
  for (const auto& a : p.lifetime_actions) {
    if (a.action != "AutoRenew" && a.action != "EmailContacts") {
      return bad_parameter("A lifetime action must be AutoRenew or EmailContacts.");
    }
    if (a.lifetime_percentage.has_value() == a.days_before_expiry.has_value()) {
      return bad_parameter(
          "A lifetime action's trigger needs exactly one of lifetime_percentage and days_before_expiry.");
    }
    if (a.lifetime_percentage && (*a.lifetime_percentage < 1 || *a.lifetime_percentage > 99)) {
      return bad_parameter("lifetime_percentage must be between 1 and 99.");
    }
    if (a.days_before_expiry && (*a.days_before_expiry < 1 || *a.days_before_expiry > 36500)) {
      return bad_parameter("days_before_expiry must be a positive number of days.");
    }
  }
  const auto renewals = std::count_if(p.lifetime_actions.begin(), p.lifetime_actions.end(),
                                      [](const auto& a) { return a.action == "AutoRenew"; });
  if (renewals > 1) return bad_parameter("A certificate policy can have at most one AutoRenew action.");
  return crypto::validate_profile(p.x509);
}

}  // namespace coffer::vault
