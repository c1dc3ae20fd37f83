#include "crypto/certificate.hpp"

#include <openssl/err.h>
#include <openssl/evp.h>

#include <chrono>
#include <ctime>

#include "common/base64.hpp"
#include "crypto/certificate_internal.hpp"
#include "crypto/certificate_profile.hpp"
#include "crypto/key_material_internal.hpp"
#include "crypto/pem.hpp"
#include "crypto/x509_name.hpp"

namespace coffer::crypto {

struct Certificate::Impl {
  ossl::X509Ptr x509;
  std::string der, pem, x5t, x5t_s256;
  std::string subject, issuer, serial_hex;
  int64_t not_before = 0, not_after = 0;
  bool self_issued = false, ca = false;
  std::optional<int> path_length;
  std::vector<std::string> key_usage, ekus, dns_names, emails, upns;
};

namespace {

constexpr std::size_t kMaxDerSize = 1 << 20;

std::string digest(std::string_view data, const EVP_MD* md) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  if (EVP_Digest(data.data(), data.size(), out, &n, md, nullptr) != 1) {
    ERR_clear_error();
    return {};
  }
  return std::string(reinterpret_cast<const char*>(out), n);
}

std::string text_of(const ASN1_STRING* s) {
  return std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                     static_cast<std::size_t>(ASN1_STRING_length(s)));
}

std::optional<int64_t> unix_time(const ASN1_TIME* t) {
  std::tm tm{};
  if (t == nullptr || ASN1_TIME_to_tm(t, &tm) != 1) return std::nullopt;
  using namespace std::chrono;
  const year_month_day date{year{tm.tm_year + 1900}, month{static_cast<unsigned>(tm.tm_mon + 1)},
                            day{static_cast<unsigned>(tm.tm_mday)}};
  if (!date.ok()) return std::nullopt;
  return duration_cast<seconds>(sys_days{date}.time_since_epoch()).count() + tm.tm_hour * 3600 + tm.tm_min * 60 +
         tm.tm_sec;
}

std::string serial_text(const ASN1_INTEGER* serial) {
  const std::string bytes = text_of(serial);
  if (bytes.empty()) return "00";
  std::string out = ASN1_STRING_type(serial) == V_ASN1_NEG_INTEGER ? "-" : "";
  return out.append(hex_encode(bytes));
}

// The KeyUsage bits of X509_get_key_usage(), in RFC 5280 bit order.
constexpr uint32_t kKuFlags[] = {KU_DIGITAL_SIGNATURE, KU_NON_REPUDIATION, KU_KEY_ENCIPHERMENT,
                                 KU_DATA_ENCIPHERMENT, KU_KEY_AGREEMENT,   KU_KEY_CERT_SIGN,
                                 KU_CRL_SIGN,          KU_ENCIPHER_ONLY,   KU_DECIPHER_ONLY};

// Fills the extension-derived members of a Certificate::Impl.
template <typename Impl>
void read_extensions(X509* x, Impl& impl) {
  const uint32_t flags = X509_get_extension_flags(x);
  if ((flags & EXFLAG_KUSAGE) != 0) {
    const uint32_t ku = X509_get_key_usage(x);
    for (std::size_t i = 0; i < kKeyUsageNames.size(); ++i) {
      if ((ku & kKuFlags[i]) != 0) impl.key_usage.emplace_back(kKeyUsageNames[i]);
    }
  }
  if (auto* eku = static_cast<EXTENDED_KEY_USAGE*>(X509_get_ext_d2i(x, NID_ext_key_usage, nullptr, nullptr))) {
    for (int i = 0; i < sk_ASN1_OBJECT_num(eku); ++i) {
      char buf[128];
      const int n = OBJ_obj2txt(buf, sizeof buf, sk_ASN1_OBJECT_value(eku, i), 1);
      if (n > 0 && n < static_cast<int>(sizeof buf)) impl.ekus.emplace_back(buf, static_cast<std::size_t>(n));
    }
    EXTENDED_KEY_USAGE_free(eku);
  }
  if (auto* sans = static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(x, NID_subject_alt_name, nullptr, nullptr))) {
    for (int i = 0; i < sk_GENERAL_NAME_num(sans); ++i) {
      const GENERAL_NAME* g = sk_GENERAL_NAME_value(sans, i);
      if (g->type == GEN_DNS) {
        impl.dns_names.push_back(text_of(g->d.dNSName));
      } else if (g->type == GEN_EMAIL) {
        impl.emails.push_back(text_of(g->d.rfc822Name));
      } else if (g->type == GEN_OTHERNAME && OBJ_obj2nid(g->d.otherName->type_id) == NID_ms_upn &&
                 g->d.otherName->value != nullptr && g->d.otherName->value->type == V_ASN1_UTF8STRING) {
        impl.upns.push_back(text_of(g->d.otherName->value->value.utf8string));
      }
    }
    GENERAL_NAMES_free(sans);
  }
  if (auto* bc = static_cast<BASIC_CONSTRAINTS*>(X509_get_ext_d2i(x, NID_basic_constraints, nullptr, nullptr))) {
    impl.ca = bc->ca != 0;
    if (impl.ca && bc->pathlen != nullptr) {
      const long len = ASN1_INTEGER_get(bc->pathlen);
      if (len >= 0 && len <= INT32_MAX) impl.path_length = static_cast<int>(len);
    }
    BASIC_CONSTRAINTS_free(bc);
  }
  ERR_clear_error();
}

}  // namespace

Result<Certificate> Certificate::from_der(std::string_view der) {
  if (der.empty() || der.size() > kMaxDerSize) {
    return ossl::bad_parameter("The certificate is not a valid DER-encoded X.509 certificate.");
  }
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  ossl::X509Ptr x(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
  if (!x || p != reinterpret_cast<const unsigned char*>(der.data()) + der.size()) {
    return ossl::bad_parameter("The certificate is not a valid DER-encoded X.509 certificate.");
  }
  const uint32_t flags = X509_get_extension_flags(x.get());  // also caches the extensions
  if ((flags & EXFLAG_INVALID) != 0) {
    return ossl::bad_parameter("The certificate has a malformed or duplicated extension.");
  }
  auto impl = std::make_shared<Impl>();
  impl->der = std::string(der);
  impl->pem = pem::encode_block("CERTIFICATE", der);
  impl->x5t = base64url_encode(digest(der, EVP_sha1()));
  impl->x5t_s256 = base64url_encode(digest(der, EVP_sha256()));
  impl->subject = x509name::format_distinguished_name(X509_get_subject_name(x.get()));
  impl->issuer = x509name::format_distinguished_name(X509_get_issuer_name(x.get()));
  impl->serial_hex = serial_text(X509_get0_serialNumber(x.get()));
  const std::optional<int64_t> nb = unix_time(X509_get0_notBefore(x.get()));
  const std::optional<int64_t> na = unix_time(X509_get0_notAfter(x.get()));
  if (!nb || !na) return ossl::bad_parameter("The certificate's validity period is malformed.");
  impl->not_before = *nb;
  impl->not_after = *na;
  impl->self_issued = X509_NAME_cmp(X509_get_subject_name(x.get()), X509_get_issuer_name(x.get())) == 0;
  if (X509_get0_pubkey(x.get()) == nullptr) {
    return ossl::bad_parameter("The certificate's public key is malformed or of an unsupported type.");
  }
  read_extensions(x.get(), *impl);
  impl->x509 = std::move(x);
  ERR_clear_error();
  return Certificate(std::move(impl));
}

Result<Certificate> Certificate::from_pem(std::string_view text) {
  auto blocks = pem::read_blocks(text);
  if (!blocks.ok()) return ossl::bad_parameter("The certificate PEM can not be read: " + blocks.status().message());
  for (const pem::Block& b : *blocks) {
    if (b.label == "CERTIFICATE") return from_der(b.der.view());
  }
  return ossl::bad_parameter("The text holds no PEM CERTIFICATE block.");
}

const std::string& Certificate::der() const { return impl_->der; }
const std::string& Certificate::pem() const { return impl_->pem; }
const std::string& Certificate::x5t() const { return impl_->x5t; }
const std::string& Certificate::x5t_s256() const { return impl_->x5t_s256; }
const std::string& Certificate::subject() const { return impl_->subject; }
const std::string& Certificate::issuer() const { return impl_->issuer; }
const std::string& Certificate::serial_hex() const { return impl_->serial_hex; }
int64_t Certificate::not_before() const { return impl_->not_before; }
int64_t Certificate::not_after() const { return impl_->not_after; }
bool Certificate::is_self_issued() const { return impl_->self_issued; }
bool Certificate::is_ca() const { return impl_->ca; }
std::optional<int> Certificate::path_length() const { return impl_->path_length; }
const std::vector<std::string>& Certificate::key_usage() const { return impl_->key_usage; }
const std::vector<std::string>& Certificate::ekus() const { return impl_->ekus; }
const std::vector<std::string>& Certificate::dns_names() const { return impl_->dns_names; }
const std::vector<std::string>& Certificate::emails() const { return impl_->emails; }
const std::vector<std::string>& Certificate::upns() const { return impl_->upns; }

bool Certificate::public_key_matches(const KeyMaterial& key) const {
  EVP_PKEY* pk = KeyMaterialAccess::pkey(key);
  const bool eq = pk != nullptr && EVP_PKEY_eq(X509_get0_pubkey(impl_->x509.get()), pk) == 1;
  ERR_clear_error();
  return eq;
}

bool Certificate::issued_by(const Certificate& issuer) const {
  X509* self = impl_->x509.get();
  X509* other = issuer.impl_->x509.get();
  const bool ok = X509_NAME_cmp(X509_get_issuer_name(self), X509_get_subject_name(other)) == 0 &&
                  X509_verify(self, X509_get0_pubkey(other)) == 1;
  ERR_clear_error();
  return ok;
}

X509* CertificateAccess::x509(const Certificate& cert) { return cert.impl_->x509.get(); }

Result<Certificate> CertificateAccess::from_x509(X509* cert) {
  unsigned char* der = nullptr;
  const int len = i2d_X509(cert, &der);
  if (len <= 0) return ossl::error("i2d_X509");
  std::string bytes(reinterpret_cast<const char*>(der), static_cast<std::size_t>(len));
  OPENSSL_free(der);
  return Certificate::from_der(bytes);
}

}  // namespace coffer::crypto
