#include "crypto/jws.hpp"

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include <climits>
#include <cstring>
#include <ctime>
#include <optional>

#include "common/base64.hpp"
#include "crypto/openssl_util.hpp"

namespace coffer::crypto {

struct JwsPublicKey::Impl {
  ossl::PKey key;
  int rsa_bits = 0;   // RSA keys
  std::string curve;  // EC keys: "P-256" or "P-384"
};

// Builds JwsPublicKey objects from an EVP_PKEY (private to this file).
struct KeyAccess {
  static Result<JwsPublicKey> make(ossl::PKey key);
};

namespace {

constexpr int kMinRsaBits = 2048;
constexpr std::size_t kMaxJwkMember = 2048;  // base64url chars: 8192-bit RSA needs 1366

using ossl::EcdsaSig;
using ossl::ParamBld;

Result<std::string> decode_member(const std::string& value, const char* name) {
  if (value.empty()) return ossl::bad_parameter(std::string("JWK member '") + name + "' is missing.");
  if (value.size() > kMaxJwkMember) return ossl::bad_parameter(std::string("JWK member '") + name + "' is too long.");
  auto raw = base64url_decode(value);
  if (!raw || raw->empty()) return ossl::bad_parameter(std::string("JWK member '") + name + "' is not base64url.");
  return std::move(*raw);
}

Result<ossl::PKey> rsa_from_jwk(const JwkParams& jwk) {
  COFFER_ASSIGN_OR_RETURN(std::string n, decode_member(jwk.n, "n"));
  COFFER_ASSIGN_OR_RETURN(std::string e, decode_member(jwk.e, "e"));
  if (e.size() > 8) return ossl::bad_parameter("JWK member 'e' is too large.");
  ossl::BigNum bn_n(BN_bin2bn(reinterpret_cast<const unsigned char*>(n.data()), int(n.size()), nullptr));
  ossl::BigNum bn_e(BN_bin2bn(reinterpret_cast<const unsigned char*>(e.data()), int(e.size()), nullptr));
  if (!bn_n || !bn_e) return ossl::error("BN_bin2bn");
  if (BN_num_bits(bn_n.get()) < kMinRsaBits) return ossl::bad_parameter("RSA keys must have at least 2048 bits.");
  ParamBld bld(OSSL_PARAM_BLD_new());
  if (!bld || OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, bn_n.get()) != 1 ||
      OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, bn_e.get()) != 1) {
    return ossl::error("OSSL_PARAM_BLD");
  }
  return ossl::pkey_from_params("RSA", bld.get(), EVP_PKEY_PUBLIC_KEY, "The JWK is not a valid RSA public key.");
}

Result<ossl::PKey> ec_from_jwk(const JwkParams& jwk) {
  std::size_t coord = 0;
  const char* group = nullptr;
  if (jwk.crv == "P-256") {
    coord = 32;
    group = "prime256v1";
  } else if (jwk.crv == "P-384") {
    coord = 48;
    group = "secp384r1";
  } else {
    return ossl::bad_parameter("JWK curve '" + jwk.crv.substr(0, 32) + "' is not supported (P-256, P-384).");
  }
  COFFER_ASSIGN_OR_RETURN(std::string x, decode_member(jwk.x, "x"));
  COFFER_ASSIGN_OR_RETURN(std::string y, decode_member(jwk.y, "y"));
  if (x.size() != coord || y.size() != coord)
    return ossl::bad_parameter("JWK members 'x' and 'y' have the wrong length.");
  std::string point = "\x04" + x + y;  // uncompressed SEC1 point
  ParamBld bld(OSSL_PARAM_BLD_new());
  if (!bld || OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, group, 0) != 1 ||
      OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size()) != 1) {
    return ossl::error("OSSL_PARAM_BLD");
  }
  return ossl::pkey_from_params("EC", bld.get(), EVP_PKEY_PUBLIC_KEY, "The JWK is not a valid EC public key.");
}

// The digest and padding an algorithm name stands for.
struct AlgSpec {
  const EVP_MD* md = nullptr;
  bool rsa = false;
  bool pss = false;
  const char* curve = nullptr;  // EC only
  std::size_t coord = 0;        // EC only: bytes of r and of s
};

std::optional<AlgSpec> alg_spec(std::string_view alg) {
  if (alg == "RS256") return AlgSpec{EVP_sha256(), true, false, nullptr, 0};
  if (alg == "RS384") return AlgSpec{EVP_sha384(), true, false, nullptr, 0};
  if (alg == "RS512") return AlgSpec{EVP_sha512(), true, false, nullptr, 0};
  if (alg == "PS256") return AlgSpec{EVP_sha256(), true, true, nullptr, 0};
  if (alg == "PS384") return AlgSpec{EVP_sha384(), true, true, nullptr, 0};
  if (alg == "PS512") return AlgSpec{EVP_sha512(), true, true, nullptr, 0};
  if (alg == "ES256") return AlgSpec{EVP_sha256(), false, false, "P-256", 32};
  if (alg == "ES384") return AlgSpec{EVP_sha384(), false, false, "P-384", 48};
  return std::nullopt;
}

// JWS carries ECDSA signatures as r||s; OpenSSL wants DER.
std::optional<std::string> ecdsa_der(std::string_view raw, std::size_t coord) {
  if (raw.size() != 2 * coord) return std::nullopt;
  const auto* p = reinterpret_cast<const unsigned char*>(raw.data());
  BIGNUM* r = BN_bin2bn(p, int(coord), nullptr);
  BIGNUM* s = BN_bin2bn(p + coord, int(coord), nullptr);
  EcdsaSig sig(ECDSA_SIG_new());
  if (!r || !s || !sig || ECDSA_SIG_set0(sig.get(), r, s) != 1) {
    BN_free(r);
    BN_free(s);
    return std::nullopt;
  }
  int len = i2d_ECDSA_SIG(sig.get(), nullptr);
  if (len <= 0) return std::nullopt;
  std::string der(std::size_t(len), '\0');
  auto* out = reinterpret_cast<unsigned char*>(der.data());
  if (i2d_ECDSA_SIG(sig.get(), &out) != len) return std::nullopt;
  return der;
}

std::optional<int64_t> asn1_time(const ASN1_TIME* t) {
  struct tm tm {};
  if (t == nullptr || ASN1_TIME_to_tm(t, &tm) != 1) return std::nullopt;
  return int64_t(timegm(&tm));
}

std::string digest(const EVP_MD* md, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), out, &len, md, nullptr) != 1) {
    ERR_clear_error();
    return {};
  }
  return std::string(reinterpret_cast<char*>(out), len);
}

}  // namespace

Result<JwsPublicKey> KeyAccess::make(ossl::PKey key) {
  auto impl = std::make_shared<JwsPublicKey::Impl>();
  JwsPublicKey out;
  if (EVP_PKEY_is_a(key.get(), "RSA") == 1) {
    impl->rsa_bits = EVP_PKEY_get_bits(key.get());
    if (impl->rsa_bits < kMinRsaBits) return ossl::bad_parameter("RSA keys must have at least 2048 bits.");
    out.type_ = "RSA";
  } else if (EVP_PKEY_is_a(key.get(), "EC") == 1) {
    char group[64] = {0};
    std::size_t len = 0;
    if (EVP_PKEY_get_utf8_string_param(key.get(), OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group, &len) != 1) {
      return ossl::bad_parameter("The EC key has no named curve.");
    }
    const std::string name(group, len);
    if (name == "prime256v1" || name == "P-256")
      impl->curve = "P-256";
    else if (name == "secp384r1" || name == "P-384")
      impl->curve = "P-384";
    else
      return ossl::bad_parameter("EC curve '" + name + "' is not supported (P-256, P-384).");
    out.type_ = "EC";
  } else {
    return ossl::bad_parameter("Only RSA and EC keys can verify signatures.");
  }
  impl->key = std::move(key);
  out.impl_ = std::move(impl);
  return out;
}

bool is_accepted_jws_algorithm(std::string_view alg) { return alg_spec(alg).has_value(); }

Result<JwsPublicKey> JwsPublicKey::from_jwk(const JwkParams& jwk) {
  if (jwk.kty == "RSA") {
    COFFER_ASSIGN_OR_RETURN(ossl::PKey key, rsa_from_jwk(jwk));
    return KeyAccess::make(std::move(key));
  }
  if (jwk.kty == "EC") {
    COFFER_ASSIGN_OR_RETURN(ossl::PKey key, ec_from_jwk(jwk));
    return KeyAccess::make(std::move(key));
  }
  return ossl::bad_parameter("JWK key type '" + jwk.kty.substr(0, 32) + "' is not supported (RSA, EC).");
}

bool JwsPublicKey::supports(std::string_view alg) const {
  auto spec = alg_spec(alg);
  if (!impl_ || !spec) return false;
  if (spec->rsa) return type_ == "RSA";
  return type_ == "EC" && impl_->curve == spec->curve;
}

bool JwsPublicKey::verify(std::string_view alg, std::string_view signing_input, std::string_view signature) const {
  if (!supports(alg)) return false;
  const AlgSpec spec = *alg_spec(alg);
  std::string der;
  if (!spec.rsa) {
    auto converted = ecdsa_der(signature, spec.coord);
    if (!converted) return false;
    der = std::move(*converted);
    signature = der;
  }
  ossl::MdCtx ctx(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;  // owned by ctx
  bool ok = ctx && EVP_DigestVerifyInit(ctx.get(), &pctx, spec.md, nullptr, impl_->key.get()) == 1;
  if (ok && spec.rsa) {
    ok = EVP_PKEY_CTX_set_rsa_padding(pctx, spec.pss ? RSA_PKCS1_PSS_PADDING : RSA_PKCS1_PADDING) == 1;
    if (ok && spec.pss) ok = EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) == 1;
  }
  ok = ok && EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()), signature.size(),
                              reinterpret_cast<const unsigned char*>(signing_input.data()), signing_input.size()) == 1;
  ERR_clear_error();
  return ok;
}

Result<CertificateInfo> parse_certificate(std::string_view input) {
  if (input.empty() || input.size() > 64 * 1024)
    return ossl::bad_parameter("The certificate must be 1 byte to 64 KiB of PEM or DER.");
  ossl::X509Ptr cert;
  if (input.find("-----BEGIN CERTIFICATE-----") != std::string_view::npos) {
    ossl::Bio bio(BIO_new_mem_buf(input.data(), int(input.size())));
    if (!bio) return ossl::error("BIO_new_mem_buf");
    cert.reset(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  } else {
    const auto* p = reinterpret_cast<const unsigned char*>(input.data());
    cert.reset(d2i_X509(nullptr, &p, long(input.size())));
  }
  if (!cert) return ossl::bad_parameter("The input holds no readable X.509 certificate (PEM or DER).");
  ossl::PKey pub(X509_get_pubkey(cert.get()));
  if (!pub) return ossl::bad_parameter("The certificate's public key cannot be read.");
  CertificateInfo info;
  COFFER_ASSIGN_OR_RETURN(info.key, KeyAccess::make(std::move(pub)));
  int len = i2d_X509(cert.get(), nullptr);
  if (len <= 0) return ossl::error("i2d_X509");
  info.der.assign(std::size_t(len), '\0');
  auto* out = reinterpret_cast<unsigned char*>(info.der.data());
  if (i2d_X509(cert.get(), &out) != len) return ossl::error("i2d_X509");
  info.sha1 = digest(EVP_sha1(), info.der);
  info.sha256 = digest(EVP_sha256(), info.der);
  if (info.sha1.empty() || info.sha256.empty()) return Status(Code::kInternal, "certificate digest failed");
  auto nb = asn1_time(X509_get0_notBefore(cert.get()));
  auto na = asn1_time(X509_get0_notAfter(cert.get()));
  if (!nb || !na) return ossl::bad_parameter("The certificate's validity period cannot be read.");
  info.not_before = *nb;
  info.not_after = *na;
  ossl::Bio name(BIO_new(BIO_s_mem()));
  if (name && X509_NAME_print_ex(name.get(), X509_get_subject_name(cert.get()), 0, XN_FLAG_RFC2253) >= 0) {
    info.subject = ossl::bio_contents(name.get());
  }
  ERR_clear_error();
  return info;
}

}  // namespace coffer::crypto
