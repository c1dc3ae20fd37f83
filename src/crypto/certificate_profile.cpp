#include "crypto/certificate_profile.hpp"

#include <cctype>

#include "crypto/x509_name.hpp"

namespace coffer::crypto {
namespace {

bool ldh_label(std::string_view l) {
  if (l.empty() || l.size() > 63 || l.front() == '-' || l.back() == '-') return false;
  for (char c : l) {
    if (std::isalnum(static_cast<unsigned char>(c)) == 0 && c != '-') return false;
  }
  return true;
}

// Letters, digits and hyphens in dot-separated labels; "*." may lead when allowed.
bool valid_dns_name(std::string_view name, bool allow_wildcard) {
  if (name.empty() || name.size() > 253) return false;
  if (allow_wildcard && name.size() > 2 && name.substr(0, 2) == "*.") name.remove_prefix(2);
  std::size_t start = 0;
  for (std::size_t i = 0; i <= name.size(); ++i) {
    if (i == name.size() || name[i] == '.') {
      if (!ldh_label(name.substr(start, i - start))) return false;
      start = i + 1;
    }
  }
  return true;
}

// local@domain: dot-atom local part (RFC 5322 atext), a DNS domain.
bool valid_email(std::string_view email) {
  const std::size_t at = email.rfind('@');
  if (at == std::string_view::npos || email.size() > 254) return false;
  const std::string_view local = email.substr(0, at);
  if (local.empty() || local.size() > 64 || local.front() == '.' || local.back() == '.' ||
      local.find("..") != std::string_view::npos) {
    return false;
  }
  for (char c : local) {
    const bool ok = std::isalnum(static_cast<unsigned char>(c)) != 0 ||
                    std::string_view("!#$%&'*+-/=?^_`{|}~.").find(c) != std::string_view::npos;
    if (!ok) return false;
  }
  return valid_dns_name(email.substr(at + 1), false);
}

}  // namespace

std::optional<int> key_usage_bit(std::string_view akv_name) {
  for (std::size_t i = 0; i < kKeyUsageNames.size(); ++i) {
    if (kKeyUsageNames[i] == akv_name) return static_cast<int>(i);
  }
  return std::nullopt;
}

Status validate_profile(const CertificateProfile& p) {
  if (p.subject.empty() && p.dns_names.empty() && p.emails.empty() && p.upns.empty()) {
    return bad_parameter(
        "The certificate needs a subject or at least one subject alternative name "
        "(DNS name, email or UPN).");
  }
  if (!p.subject.empty()) {
    auto name = x509name::parse_distinguished_name(p.subject);
    if (!name.ok()) return name.status();
    if (X509_NAME_entry_count(name->get()) == 0) {
      return bad_parameter("The subject name is not valid: it holds no attribute; write it as 'CN=name'.");
    }
  }
  for (const std::string& d : p.dns_names) {
    if (!valid_dns_name(d, true)) {
      return bad_parameter("The DNS name '" + d +
                           "' is not valid: use letters, digits and hyphens in dot-separated labels "
                           "of at most 63 characters, optionally starting with '*.'.");
    }
  }
  for (const std::string& e : p.emails) {
    if (!valid_email(e)) return bad_parameter("The email address '" + e + "' is not valid.");
  }
  for (const std::string& u : p.upns) {
    if (u.empty() || u.size() > 1024 || !x509name::utf8_text_length(u)) {
      return bad_parameter("The user principal name '" + u +
                           "' is not valid: it must be non-empty UTF-8 text without "
                           "control characters.");
    }
  }
  for (const std::string& k : p.key_usage) {
    if (!key_usage_bit(k)) {
      return bad_parameter("The key usage '" + k +
                           "' is not valid; use digitalSignature, nonRepudiation, keyEncipherment, "
                           "dataEncipherment, keyAgreement, keyCertSign, cRLSign, encipherOnly or decipherOnly.");
    }
  }
  for (const std::string& oid : p.ekus) {
    if (!x509name::is_dotted_oid(oid)) {
      return bad_parameter("The extended key usage '" + oid + "' is not a dotted OID such as 1.3.6.1.5.5.7.3.1.");
    }
  }
  if (p.validity_months < 1 || p.validity_months > 1200) {
    return bad_parameter("The validity in months must be between 1 and 1200, not " + std::to_string(p.validity_months) +
                         ".");
  }
  if (p.path_length) {
    if (!p.ca) return bad_parameter("A path length constraint is only valid for a CA certificate.");
    if (*p.path_length < 0) return bad_parameter("The path length constraint must be 0 or more.");
  }
  return Status::Ok();
}

}  // namespace coffer::crypto
