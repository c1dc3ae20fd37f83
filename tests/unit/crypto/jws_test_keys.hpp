// Test-only signing keys for JWS tests (crypto and auth): RSA and EC key
// pairs made with OpenSSL, their public JWKs, JWS signatures in the JOSE
// encodings (PKCS#1 v1.5 / PSS bytes, ECDSA r||s), compact tokens and
// self-signed certificates. Production code never signs with foreign keys,
// so none of this lives in src/.
#pragma once

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>

#include "common/base64.hpp"
#include "crypto/jws.hpp"

namespace coffer::crypto::testing {

class TestKey {
 public:
  static TestKey rsa(int bits = 2048) {
    return TestKey(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(bits)), 0);
  }
  static TestKey ec(const char* curve = "P-256") {
    const std::size_t coord = std::string_view(curve) == "P-384" ? 48 : 32;
    return TestKey(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", curve), coord);
  }

  bool is_ec() const { return coord_ != 0; }
  EVP_PKEY* get() const { return key_.get(); }

  JwkParams jwk() const {
    JwkParams p;
    if (is_ec()) {
      p.kty = "EC";
      p.crv = coord_ == 48 ? "P-384" : "P-256";
      p.x = base64url_encode(bn(OSSL_PKEY_PARAM_EC_PUB_X, coord_));
      p.y = base64url_encode(bn(OSSL_PKEY_PARAM_EC_PUB_Y, coord_));
    } else {
      p.kty = "RSA";
      p.n = base64url_encode(bn(OSSL_PKEY_PARAM_RSA_N, 0));
      p.e = base64url_encode(bn(OSSL_PKEY_PARAM_RSA_E, 0));
    }
    return p;
  }

  // {"kty":…,"kid":…,…} as JSON text, for JWKS documents.
  std::string jwk_json(const std::string& kid) const {
    JwkParams p = jwk();
    std::string out = "{\"kty\":\"" + p.kty + "\",\"use\":\"sig\"";
    if (!kid.empty()) out += ",\"kid\":\"" + kid + "\"";
    if (is_ec())
      out += ",\"crv\":\"" + p.crv + "\",\"x\":\"" + p.x + "\",\"y\":\"" + p.y + "\"";
    else
      out += ",\"n\":\"" + p.n + "\",\"e\":\"" + p.e + "\"";
    return out + "}";
  }

  // The JWS signature of `data` with `alg` (RS*/PS* for RSA, ES* for EC).
  std::string sign(std::string_view alg, std::string_view data) const {
    const EVP_MD* md = alg.substr(2) == "384" ? EVP_sha384() : alg.substr(2) == "512" ? EVP_sha512() : EVP_sha256();
    std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
    EVP_PKEY_CTX* pctx = nullptr;
    if (EVP_DigestSignInit(ctx.get(), &pctx, md, nullptr, key_.get()) != 1) throw std::runtime_error("sign init");
    if (alg.substr(0, 2) == "PS") {
      EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING);
      EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST);
    } else if (!is_ec()) {
      EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING);
    }
    std::size_t len = 0;
    const auto* in = reinterpret_cast<const unsigned char*>(data.data());
    if (EVP_DigestSign(ctx.get(), nullptr, &len, in, data.size()) != 1) throw std::runtime_error("sign");
    std::string sig(len, '\0');
    if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len, in, data.size()) != 1) {
      throw std::runtime_error("sign");
    }
    sig.resize(len);
    if (!is_ec()) return sig;
    const auto* p = reinterpret_cast<const unsigned char*>(sig.data());
    ECDSA_SIG* es = d2i_ECDSA_SIG(nullptr, &p, long(sig.size()));
    std::string raw(2 * coord_, '\0');
    BN_bn2binpad(ECDSA_SIG_get0_r(es), reinterpret_cast<unsigned char*>(raw.data()), int(coord_));
    BN_bn2binpad(ECDSA_SIG_get0_s(es), reinterpret_cast<unsigned char*>(raw.data()) + coord_, int(coord_));
    ECDSA_SIG_free(es);
    return raw;
  }

  // A compact JWS: header and claims are JSON texts.
  std::string token(std::string_view alg, const std::string& header_json, const std::string& claims_json) const {
    std::string input = base64url_encode(header_json) + "." + base64url_encode(claims_json);
    return input + "." + base64url_encode(sign(alg, input));
  }

  // A self-signed certificate for this key, valid from now+`from` to now+`to` seconds.
  std::string self_signed_pem(const std::string& cn, long from = -3600, long to = 86400) const {
    std::unique_ptr<X509, decltype(&X509_free)> cert(X509_new(), X509_free);
    X509_set_version(cert.get(), 2);
    ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 4711);
    X509_NAME* name = X509_get_subject_name(cert.get());
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
    X509_set_issuer_name(cert.get(), name);
    X509_gmtime_adj(X509_getm_notBefore(cert.get()), from);
    X509_gmtime_adj(X509_getm_notAfter(cert.get()), to);
    X509_set_pubkey(cert.get(), key_.get());
    if (X509_sign(cert.get(), key_.get(), EVP_sha256()) <= 0) throw std::runtime_error("X509_sign");
    std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
    PEM_write_bio_X509(bio.get(), cert.get());
    char* data = nullptr;
    long n = BIO_get_mem_data(bio.get(), &data);
    return std::string(data, std::size_t(n));
  }

 private:
  TestKey(EVP_PKEY* key, std::size_t coord) : key_(key, EVP_PKEY_free), coord_(coord) {
    if (!key) throw std::runtime_error("key generation failed");
  }

  std::string bn(const char* param, std::size_t pad) const {
    BIGNUM* b = nullptr;
    if (EVP_PKEY_get_bn_param(key_.get(), param, &b) != 1) throw std::runtime_error("get_bn_param");
    std::string out(pad ? pad : std::size_t(BN_num_bytes(b)), '\0');
    BN_bn2binpad(b, reinterpret_cast<unsigned char*>(out.data()), int(out.size()));
    BN_free(b);
    return out;
  }

  std::shared_ptr<EVP_PKEY> key_;
  std::size_t coord_;
};

}  // namespace coffer::crypto::testing
