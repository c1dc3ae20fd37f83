// Internal to crypto/: owning handles for OpenSSL objects and a helper that
// turns the OpenSSL error queue into a Status. Not for use outside crypto/.
#pragma once

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>
#include <string>
#include <string_view>

#include "common/status.hpp"

namespace coffer::crypto::ossl {

template <typename T, void (*Free)(T*)>
struct Deleter {
  void operator()(T* p) const { Free(p); }
};

using PKey = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using PKeyCtx = std::unique_ptr<EVP_PKEY_CTX, Deleter<EVP_PKEY_CTX, EVP_PKEY_CTX_free>>;
using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, Deleter<EVP_CIPHER_CTX, EVP_CIPHER_CTX_free>>;
using MdCtx = std::unique_ptr<EVP_MD_CTX, Deleter<EVP_MD_CTX, EVP_MD_CTX_free>>;
using Bio = std::unique_ptr<BIO, Deleter<BIO, BIO_free_all>>;
using X509Ptr = std::unique_ptr<X509, Deleter<X509, X509_free>>;
using X509NamePtr = std::unique_ptr<X509_NAME, Deleter<X509_NAME, X509_NAME_free>>;
using X509ExtPtr = std::unique_ptr<X509_EXTENSION, Deleter<X509_EXTENSION, X509_EXTENSION_free>>;
using BigNum = std::unique_ptr<BIGNUM, Deleter<BIGNUM, BN_free>>;
using Asn1Int = std::unique_ptr<ASN1_INTEGER, Deleter<ASN1_INTEGER, ASN1_INTEGER_free>>;
using ParamBld = std::unique_ptr<OSSL_PARAM_BLD, Deleter<OSSL_PARAM_BLD, OSSL_PARAM_BLD_free>>;
using Params = std::unique_ptr<OSSL_PARAM, Deleter<OSSL_PARAM, OSSL_PARAM_free>>;
using EcdsaSig = std::unique_ptr<ECDSA_SIG, Deleter<ECDSA_SIG, ECDSA_SIG_free>>;
using Pkcs8 = std::unique_ptr<PKCS8_PRIV_KEY_INFO, Deleter<PKCS8_PRIV_KEY_INFO, PKCS8_PRIV_KEY_INFO_free>>;
// Any other OpenSSL object with its free function.
template <typename T, void (*Free)(T*)>
using Owned = std::unique_ptr<T, Deleter<T, Free>>;

// A byte string as OpenSSL's unsigned char pointer.
inline const unsigned char* u8(std::string_view s) { return reinterpret_cast<const unsigned char*>(s.data()); }

// The EC curves of JSON web keys: OpenSSL's group name, the field size in
// bytes and the ES* signing algorithm. nullptr for a name AKV does not know.
struct EcCurve {
  std::string_view jwk;
  const char* openssl;
  int field_bytes;
  std::string_view alg;
};
const EcCurve* find_ec_curve(std::string_view jwk_name);
const EcCurve* find_ec_curve_by_group(std::string_view openssl_group);

// Status(kInternal, "decryption failed"): one answer for every mismatch, so a
// caller learns nothing about which part was wrong. Clears the error queue.
Status decryption_failed();

// Status(kInternal, "<what>: <first OpenSSL error>"), and clears the error queue
// so a later failure is not reported with a stale cause.
Status error(std::string_view what);

// Status(kBadParameter, message) for input OpenSSL refused, clearing the error
// queue as error() does.
Status bad_parameter(std::string message);

// A key of `type` ("RSA", "EC") from the parameters in `bld`:
// EVP_PKEY_fromdata with `selection` (EVP_PKEY_PUBLIC_KEY or EVP_PKEY_KEYPAIR),
// then EVP_PKEY_public_check or EVP_PKEY_check. kBadParameter with `invalid`
// as the message when OpenSSL refuses the parameters or the key fails the check.
Result<PKey> pkey_from_params(const char* type, OSSL_PARAM_BLD* bld, int selection, std::string_view invalid);

// The bytes a memory BIO holds (not wiped: use for public data only).
std::string bio_contents(BIO* bio);

}  // namespace coffer::crypto::ossl
