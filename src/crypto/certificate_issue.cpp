#include "crypto/certificate_issue.hpp"

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <vector>

#include "crypto/certificate_internal.hpp"
#include "crypto/key_material_internal.hpp"
#include "crypto/random.hpp"
#include "crypto/x509_name.hpp"

namespace coffer::crypto {
namespace {

constexpr int64_t kNotBeforeBackdateSeconds = 600;  // AKV: notBefore = creation − 10 min

using ossl::Owned;

void free_ext_stack(STACK_OF(X509_EXTENSION) * s) { sk_X509_EXTENSION_pop_free(s, X509_EXTENSION_free); }
using ExtStack = Owned<STACK_OF(X509_EXTENSION), free_ext_stack>;
using ReqPtr = Owned<X509_REQ, X509_REQ_free>;

// The key's EVP_PKEY, or kBadParameter for a key that cannot be in a certificate.
Result<EVP_PKEY*> certificate_key(const KeyMaterial& key, std::string_view role) {
  EVP_PKEY* pkey = KeyMaterialAccess::pkey(key);
  if (pkey == nullptr) {
    return ossl::bad_parameter("The " + std::string(role) +
                               " key is a symmetric (oct) key; certificates need an RSA or EC key.");
  }
  return pkey;
}

const EVP_MD* signature_digest(const KeyMaterial& signer) {
  if (signer.kind() == KeyKind::kEc && signer.curve() == "P-384") return EVP_sha384();
  if (signer.kind() == KeyKind::kEc && signer.curve() == "P-521") return EVP_sha512();
  return EVP_sha256();
}

Result<ossl::X509ExtPtr> encode_ext(int nid, bool critical, void* value) {
  ossl::X509ExtPtr ext(X509V3_EXT_i2d(nid, critical ? 1 : 0, value));
  if (!ext) return ossl::error(std::string("encode extension ") + OBJ_nid2sn(nid));
  return ext;
}

Status push(STACK_OF(X509_EXTENSION) * exts, Result<ossl::X509ExtPtr> ext) {
  if (!ext.ok()) return ext.status();
  if (sk_X509_EXTENSION_push(exts, ext->get()) <= 0) return ossl::error("sk_X509_EXTENSION_push");
  ext->release();
  return Status::Ok();
}

Status add_string_name(GENERAL_NAMES* names, int type, const std::string& value) {
  Owned<GENERAL_NAME, GENERAL_NAME_free> name(GENERAL_NAME_new());
  Owned<ASN1_IA5STRING, ASN1_IA5STRING_free> text(ASN1_IA5STRING_new());
  if (!name || !text || ASN1_STRING_set(text.get(), value.data(), static_cast<int>(value.size())) != 1) {
    return ossl::error("GENERAL_NAME");
  }
  GENERAL_NAME_set0_value(name.get(), type, text.release());
  if (sk_GENERAL_NAME_push(names, name.get()) <= 0) return ossl::error("sk_GENERAL_NAME_push");
  name.release();
  return Status::Ok();
}

Status add_upn(GENERAL_NAMES* names, const std::string& upn) {
  Owned<GENERAL_NAME, GENERAL_NAME_free> name(GENERAL_NAME_new());
  Owned<ASN1_TYPE, ASN1_TYPE_free> value(ASN1_TYPE_new());
  Owned<ASN1_UTF8STRING, ASN1_UTF8STRING_free> text(ASN1_UTF8STRING_new());
  if (!name || !value || !text || ASN1_STRING_set(text.get(), upn.data(), static_cast<int>(upn.size())) != 1) {
    return ossl::error("UPN otherName");
  }
  ASN1_TYPE_set(value.get(), V_ASN1_UTF8STRING, text.release());
  if (GENERAL_NAME_set0_othername(name.get(), OBJ_nid2obj(NID_ms_upn), value.get()) != 1) {
    return ossl::error("GENERAL_NAME_set0_othername");
  }
  value.release();
  if (sk_GENERAL_NAME_push(names, name.get()) <= 0) return ossl::error("sk_GENERAL_NAME_push");
  name.release();
  return Status::Ok();
}

// SubjectAltName, KeyUsage, ExtendedKeyUsage and BasicConstraints of a (validated) profile.
Result<ExtStack> profile_extensions(const CertificateProfile& p) {
  ExtStack exts(sk_X509_EXTENSION_new_null());
  if (!exts) return ossl::error("sk_X509_EXTENSION_new_null");

  if (!p.key_usage.empty()) {
    Owned<ASN1_BIT_STRING, ASN1_BIT_STRING_free> bits(ASN1_BIT_STRING_new());
    if (!bits) return ossl::error("ASN1_BIT_STRING_new");
    for (const std::string& name : p.key_usage) {
      if (ASN1_BIT_STRING_set_bit(bits.get(), *key_usage_bit(name), 1) != 1) return ossl::error("key usage bit");
    }
    COFFER_RETURN_IF_ERROR(push(exts.get(), encode_ext(NID_key_usage, true, bits.get())));
  }
  if (!p.ekus.empty()) {
    Owned<EXTENDED_KEY_USAGE, EXTENDED_KEY_USAGE_free> eku(sk_ASN1_OBJECT_new_null());
    if (!eku) return ossl::error("sk_ASN1_OBJECT_new_null");
    for (const std::string& oid : p.ekus) {
      ASN1_OBJECT* obj = OBJ_txt2obj(oid.c_str(), 1);
      if (obj == nullptr) return ossl::bad_parameter("The extended key usage '" + oid + "' is not a valid OID.");
      if (sk_ASN1_OBJECT_push(eku.get(), obj) <= 0) {
        ASN1_OBJECT_free(obj);
        return ossl::error("sk_ASN1_OBJECT_push");
      }
    }
    COFFER_RETURN_IF_ERROR(push(exts.get(), encode_ext(NID_ext_key_usage, false, eku.get())));
  }
  if (!p.dns_names.empty() || !p.emails.empty() || !p.upns.empty()) {
    Owned<GENERAL_NAMES, GENERAL_NAMES_free> names(sk_GENERAL_NAME_new_null());
    if (!names) return ossl::error("sk_GENERAL_NAME_new_null");
    for (const std::string& d : p.dns_names) COFFER_RETURN_IF_ERROR(add_string_name(names.get(), GEN_DNS, d));
    for (const std::string& e : p.emails) COFFER_RETURN_IF_ERROR(add_string_name(names.get(), GEN_EMAIL, e));
    for (const std::string& u : p.upns) COFFER_RETURN_IF_ERROR(add_upn(names.get(), u));
    // RFC 5280 §4.2.1.6: critical when the subject is empty.
    COFFER_RETURN_IF_ERROR(push(exts.get(), encode_ext(NID_subject_alt_name, p.subject.empty(), names.get())));
  }
  Owned<BASIC_CONSTRAINTS, BASIC_CONSTRAINTS_free> bc(BASIC_CONSTRAINTS_new());
  if (!bc) return ossl::error("BASIC_CONSTRAINTS_new");
  bc->ca = p.ca ? 0xFF : 0;  // DER: TRUE is 0xFF (OpenSSL writes the int as it is)
  if (p.ca && p.path_length) {
    bc->pathlen = ASN1_INTEGER_new();
    if (bc->pathlen == nullptr || ASN1_INTEGER_set(bc->pathlen, *p.path_length) != 1) return ossl::error("pathlen");
  }
  COFFER_RETURN_IF_ERROR(push(exts.get(), encode_ext(NID_basic_constraints, p.ca, bc.get())));
  return exts;
}

// SHA-1 of the subjectPublicKey bits (RFC 5280 §4.2.1.2 method 1).
Result<std::string> key_id(const X509* cert) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  if (X509_pubkey_digest(cert, EVP_sha1(), md, &n) != 1) return ossl::error("X509_pubkey_digest");
  return std::string(reinterpret_cast<const char*>(md), n);
}

Status add_key_identifiers(X509* cert, X509* signer) {
  COFFER_ASSIGN_OR_RETURN(const std::string own, key_id(cert));
  std::string authority = own;
  if (signer != cert) {
    if (const ASN1_OCTET_STRING* ski = X509_get0_subject_key_id(signer)) {
      authority.assign(reinterpret_cast<const char*>(ASN1_STRING_get0_data(ski)),
                       static_cast<std::size_t>(ASN1_STRING_length(ski)));
    } else {
      COFFER_ASSIGN_OR_RETURN(authority, key_id(signer));
    }
  }
  Owned<ASN1_OCTET_STRING, ASN1_OCTET_STRING_free> ski(ASN1_OCTET_STRING_new());
  Owned<AUTHORITY_KEYID, AUTHORITY_KEYID_free> akid(AUTHORITY_KEYID_new());
  if (!ski || !akid ||
      ASN1_OCTET_STRING_set(ski.get(), reinterpret_cast<const unsigned char*>(own.data()),
                            static_cast<int>(own.size())) != 1) {
    return ossl::error("key identifiers");
  }
  akid->keyid = ASN1_OCTET_STRING_new();
  if (akid->keyid == nullptr ||
      ASN1_OCTET_STRING_set(akid->keyid, reinterpret_cast<const unsigned char*>(authority.data()),
                            static_cast<int>(authority.size())) != 1) {
    return ossl::error("authority key identifier");
  }
  COFFER_ASSIGN_OR_RETURN(ossl::X509ExtPtr ski_ext, encode_ext(NID_subject_key_identifier, false, ski.get()));
  COFFER_ASSIGN_OR_RETURN(ossl::X509ExtPtr akid_ext, encode_ext(NID_authority_key_identifier, false, akid.get()));
  if (X509_add_ext(cert, ski_ext.get(), -1) != 1 || X509_add_ext(cert, akid_ext.get(), -1) != 1) {
    return ossl::error("X509_add_ext");
  }
  return Status::Ok();
}

Status set_random_serial(X509* cert) {
  SecureString bytes = random_bytes(16);
  auto* b = reinterpret_cast<unsigned char*>(bytes.data());
  b[0] &= 0x7f;             // positive
  if (b[0] == 0) b[0] = 1;  // and 16 bytes long in DER
  ossl::BigNum bn(BN_bin2bn(b, 16, nullptr));
  if (!bn || BN_to_ASN1_INTEGER(bn.get(), X509_get_serialNumber(cert)) == nullptr) return ossl::error("serial");
  return Status::Ok();
}

Status check_issuer(const CertificateProfile& profile, const Certificate& cert, const KeyMaterial& key) {
  if (!cert.is_ca()) {
    return ossl::bad_parameter(
        "The issuer certificate is not a CA certificate (its basic constraints do not say CA:TRUE).");
  }
  const auto& ku = cert.key_usage();
  if (!ku.empty() && std::find(ku.begin(), ku.end(), "keyCertSign") == ku.end()) {
    return ossl::bad_parameter("The issuer certificate's key usage does not allow signing certificates (keyCertSign).");
  }
  if (profile.ca && cert.path_length() == 0) {
    return ossl::bad_parameter(
        "The issuer certificate's path length constraint (0) does not allow issuing a CA certificate.");
  }
  if (!cert.public_key_matches(key))
    return ossl::bad_parameter("The issuer key does not match the issuer certificate.");
  return Status::Ok();
}

}  // namespace

std::optional<int64_t> add_calendar_months(int64_t unix_seconds, int months) {
  using namespace std::chrono;
  const sys_seconds t{seconds{unix_seconds}};
  const sys_days day = floor<days>(t);
  const seconds time_of_day = t - day;
  const year_month_day ymd{day};
  year_month_day target = ymd + std::chrono::months{months};
  if (!target.ok()) target = target.year() / target.month() / last;  // clamp: Jan 31 + 1 month → Feb 28/29
  if (target.year() < year{1950} || target.year() > year{9999}) return std::nullopt;
  return (sys_days{target} + time_of_day).time_since_epoch().count();
}

Result<Certificate> issue_certificate(const KeyMaterial& subject_key, const CertificateProfile& profile, int64_t now,
                                      const Certificate* issuer_cert, const KeyMaterial* issuer_key) {
  COFFER_RETURN_IF_ERROR(validate_profile(profile));
  COFFER_ASSIGN_OR_RETURN(EVP_PKEY * subject_pkey, certificate_key(subject_key, "subject"));
  if ((issuer_cert == nullptr) != (issuer_key == nullptr)) {
    return ossl::bad_parameter("An issuer needs both its certificate and its private key.");
  }
  const KeyMaterial& signer = issuer_key != nullptr ? *issuer_key : subject_key;
  COFFER_ASSIGN_OR_RETURN(EVP_PKEY * signer_pkey, certificate_key(signer, "issuer"));
  if (issuer_cert != nullptr) COFFER_RETURN_IF_ERROR(check_issuer(profile, *issuer_cert, *issuer_key));

  const std::optional<int64_t> not_after = add_calendar_months(now, profile.validity_months);
  const std::optional<int64_t> not_before = add_calendar_months(now - kNotBeforeBackdateSeconds, 0);
  if (!not_after || !not_before) return ossl::bad_parameter("The validity period does not fit an X.509 certificate.");

  COFFER_ASSIGN_OR_RETURN(ossl::X509NamePtr subject, x509name::parse_distinguished_name(profile.subject));
  ossl::X509Ptr cert(X509_new());
  if (!cert || X509_set_version(cert.get(), X509_VERSION_3) != 1) return ossl::error("X509_new");
  COFFER_RETURN_IF_ERROR(set_random_serial(cert.get()));
  if (ASN1_TIME_set(X509_getm_notBefore(cert.get()), static_cast<time_t>(*not_before)) == nullptr ||
      ASN1_TIME_set(X509_getm_notAfter(cert.get()), static_cast<time_t>(*not_after)) == nullptr) {
    return ossl::error("certificate validity");
  }
  X509* issuer_x509 = issuer_cert != nullptr ? CertificateAccess::x509(*issuer_cert) : nullptr;
  if (X509_set_subject_name(cert.get(), subject.get()) != 1 ||
      X509_set_issuer_name(cert.get(), issuer_x509 != nullptr ? X509_get_subject_name(issuer_x509) : subject.get()) !=
          1 ||
      X509_set_pubkey(cert.get(), subject_pkey) != 1) {
    return ossl::error("certificate names and key");
  }
  COFFER_ASSIGN_OR_RETURN(ExtStack exts, profile_extensions(profile));
  for (int i = 0; i < sk_X509_EXTENSION_num(exts.get()); ++i) {
    if (X509_add_ext(cert.get(), sk_X509_EXTENSION_value(exts.get(), i), -1) != 1) return ossl::error("X509_add_ext");
  }
  COFFER_RETURN_IF_ERROR(add_key_identifiers(cert.get(), issuer_x509 != nullptr ? issuer_x509 : cert.get()));
  if (X509_sign(cert.get(), signer_pkey, signature_digest(signer)) <= 0) return ossl::error("X509_sign");
  return CertificateAccess::from_x509(cert.get());
}

Result<std::string> make_csr_der(const KeyMaterial& key, const CertificateProfile& profile) {
  COFFER_RETURN_IF_ERROR(validate_profile(profile));
  COFFER_ASSIGN_OR_RETURN(EVP_PKEY * pkey, certificate_key(key, "request"));
  COFFER_ASSIGN_OR_RETURN(ossl::X509NamePtr subject, x509name::parse_distinguished_name(profile.subject));
  ReqPtr req(X509_REQ_new());
  if (!req || X509_REQ_set_version(req.get(), X509_REQ_VERSION_1) != 1 ||
      X509_REQ_set_subject_name(req.get(), subject.get()) != 1 || X509_REQ_set_pubkey(req.get(), pkey) != 1) {
    return ossl::error("X509_REQ");
  }
  COFFER_ASSIGN_OR_RETURN(ExtStack exts, profile_extensions(profile));
  if (X509_REQ_add_extensions(req.get(), exts.get()) != 1) return ossl::error("X509_REQ_add_extensions");
  if (X509_REQ_sign(req.get(), pkey, signature_digest(key)) <= 0) return ossl::error("X509_REQ_sign");
  unsigned char* der = nullptr;
  const int len = i2d_X509_REQ(req.get(), &der);
  if (len <= 0) return ossl::error("i2d_X509_REQ");
  std::string out(reinterpret_cast<const char*>(der), static_cast<std::size_t>(len));
  OPENSSL_free(der);
  return out;
}

}  // namespace coffer::crypto
