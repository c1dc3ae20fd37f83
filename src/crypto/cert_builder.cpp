#include "crypto/cert_builder.hpp"

#include "crypto/random.hpp"

namespace coffer::crypto::certs {
namespace {

constexpr long kCaValidityDays = 3650;
constexpr long kServerValidityDays = 825;
constexpr long kSelfSignedBackdateSeconds = 3600;  // tolerate a little clock skew

// A v3 certificate with a random positive 128-bit serial, subject CN=`cn`,
// the public key of `key` and the validity window.
Result<ossl::X509Ptr> new_certificate(EVP_PKEY* key, const char* cn, long days) {
  ossl::X509Ptr cert(X509_new());
  if (!cert || X509_set_version(cert.get(), X509_VERSION_3) != 1) return ossl::error("X509_new");

  SecureString serial = random_bytes(16);
  serial.data()[0] = static_cast<char>((static_cast<unsigned char>(serial.data()[0]) & 0x7f) | 0x40);
  ossl::BigNum bn(
      BN_bin2bn(reinterpret_cast<const unsigned char*>(serial.data()), static_cast<int>(serial.size()), nullptr));
  if (!bn || BN_to_ASN1_INTEGER(bn.get(), X509_get_serialNumber(cert.get())) == nullptr) {
    return ossl::error("certificate serial");
  }

  if (X509_gmtime_adj(X509_getm_notBefore(cert.get()), -kSelfSignedBackdateSeconds) == nullptr ||
      X509_time_adj_ex(X509_getm_notAfter(cert.get()), static_cast<int>(days), -kSelfSignedBackdateSeconds, nullptr) ==
          nullptr) {
    return ossl::error("certificate validity");
  }

  ossl::X509NamePtr name(X509_NAME_new());
  if (!name ||
      X509_NAME_add_entry_by_txt(name.get(), "CN", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>(cn), -1, -1,
                                 0) != 1 ||
      X509_set_subject_name(cert.get(), name.get()) != 1) {
    return ossl::error("certificate subject");
  }
  if (X509_set_pubkey(cert.get(), key) != 1) return ossl::error("X509_set_pubkey");
  return cert;
}

Status add_extension(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  ossl::X509ExtPtr ext(X509V3_EXT_nconf_nid(nullptr, &ctx, nid, value.c_str()));
  if (!ext) return ossl::error("certificate extension " + std::string(OBJ_nid2sn(nid)));
  if (X509_add_ext(cert, ext.get(), -1) != 1) return ossl::error("X509_add_ext");
  return Status::Ok();
}

Status sign(X509* cert, EVP_PKEY* issuer_key) {
  if (X509_sign(cert, issuer_key, EVP_sha256()) <= 0) return ossl::error("X509_sign");
  return Status::Ok();
}

}  // namespace

Result<ossl::PKey> generate_p256_key() {
  ossl::PKey key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  if (!key) return ossl::error("EC P-256 key generation");
  return key;
}

Result<ossl::X509Ptr> make_ca_certificate(EVP_PKEY* ca_key) {
  COFFER_ASSIGN_OR_RETURN(ossl::X509Ptr cert, new_certificate(ca_key, "Coffer dev CA", kCaValidityDays));
  X509* c = cert.get();
  if (X509_set_issuer_name(c, X509_get_subject_name(c)) != 1) return ossl::error("issuer name");
  COFFER_RETURN_IF_ERROR(add_extension(c, c, NID_basic_constraints, "critical,CA:TRUE"));
  COFFER_RETURN_IF_ERROR(add_extension(c, c, NID_key_usage, "critical,keyCertSign,cRLSign"));
  COFFER_RETURN_IF_ERROR(add_extension(c, c, NID_subject_key_identifier, "hash"));
  COFFER_RETURN_IF_ERROR(sign(c, ca_key));
  return cert;
}

Result<ossl::X509Ptr> make_server_certificate(EVP_PKEY* server_key, X509* ca_cert, EVP_PKEY* ca_key,
                                              const std::vector<std::string>& subject_alt_names) {
  COFFER_ASSIGN_OR_RETURN(ossl::X509Ptr cert, new_certificate(server_key, "localhost", kServerValidityDays));
  X509* c = cert.get();
  if (X509_set_issuer_name(c, X509_get_subject_name(ca_cert)) != 1) {
    return ossl::error("issuer name");
  }
  std::string sans;
  for (const std::string& san : subject_alt_names) sans += (sans.empty() ? "" : ",") + san;
  COFFER_RETURN_IF_ERROR(add_extension(c, ca_cert, NID_basic_constraints, "CA:FALSE"));
  COFFER_RETURN_IF_ERROR(add_extension(c, ca_cert, NID_key_usage, "critical,digitalSignature"));
  COFFER_RETURN_IF_ERROR(add_extension(c, ca_cert, NID_ext_key_usage, "serverAuth"));
  COFFER_RETURN_IF_ERROR(add_extension(c, ca_cert, NID_subject_alt_name, sans));
  COFFER_RETURN_IF_ERROR(add_extension(c, ca_cert, NID_subject_key_identifier, "hash"));
  COFFER_RETURN_IF_ERROR(add_extension(c, ca_cert, NID_authority_key_identifier, "keyid:always"));
  COFFER_RETURN_IF_ERROR(sign(c, ca_key));
  return cert;
}

}  // namespace coffer::crypto::certs
