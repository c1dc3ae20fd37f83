#include "crypto/public_key_pem.hpp"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/x509.h>

#include <array>

#include "crypto/key_material_internal.hpp"
#include "crypto/openssl_util.hpp"
#include "crypto/pem.hpp"

namespace coffer::crypto {
namespace {

using ossl::ParamBld;
using ossl::u8;

Result<ossl::PKey> from_public_params(const char* type, OSSL_PARAM_BLD* bld) {
  return ossl::pkey_from_params(type, bld, EVP_PKEY_PUBLIC_KEY, "The key's public members do not form a valid key.");
}

Result<ossl::PKey> rsa_public(const Jwk& jwk) {
  if (jwk.n.empty() || jwk.e.empty() || jwk.n.size() > 2048 || jwk.e.size() > 8) {
    return bad_parameter("The RSA key lacks a usable 'n' or 'e'.");
  }
  ossl::BigNum n(BN_bin2bn(u8(jwk.n), static_cast<int>(jwk.n.size()), nullptr));
  ossl::BigNum e(BN_bin2bn(u8(jwk.e), static_cast<int>(jwk.e.size()), nullptr));
  ParamBld bld(OSSL_PARAM_BLD_new());
  if (!n || !e || !bld || OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, n.get()) != 1 ||
      OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, e.get()) != 1) {
    return ossl::error("RSA parameters");
  }
  return from_public_params("RSA", bld.get());
}

Result<ossl::PKey> ec_public(const Jwk& jwk) {
  // P-256K has no PEM form here (public_key_pem.hpp).
  const ossl::EcCurve* curve = jwk.crv == "P-256K" ? nullptr : ossl::find_ec_curve(jwk.crv);
  if (!curve)
    return bad_parameter("The EC curve '" + jwk.crv + "' has no public-key PEM form here; use P-256, P-384 or P-521.");
  const std::size_t fb = curve->field_bytes;
  if (jwk.x.empty() || jwk.y.empty() || jwk.x.size() > fb || jwk.y.size() > fb) {
    return bad_parameter("The EC key members 'x' and 'y' must be present and at most " + std::to_string(fb) +
                         " bytes.");
  }
  const std::string point =
      "\x04" + std::string(fb - jwk.x.size(), '\0') + jwk.x + std::string(fb - jwk.y.size(), '\0') + jwk.y;
  ParamBld bld(OSSL_PARAM_BLD_new());
  if (!bld || OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, curve->openssl, 0) != 1 ||
      OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size()) != 1) {
    return ossl::error("EC parameters");
  }
  return from_public_params("EC", bld.get());
}

}  // namespace

Result<ossl::PKey> public_pkey_from_jwk(const Jwk& jwk) {
  if (jwk.kty == "RSA" || jwk.kty == "RSA-HSM") return rsa_public(jwk);
  if (jwk.kty == "EC" || jwk.kty == "EC-HSM") return ec_public(jwk);
  return bad_parameter("A key of type '" + jwk.kty.substr(0, 16) + "' has no public-key PEM form.");
}

Result<std::string> public_key_pem(const Jwk& jwk) {
  COFFER_ASSIGN_OR_RETURN(ossl::PKey pkey, public_pkey_from_jwk(jwk));
  unsigned char* der = nullptr;
  const int len = i2d_PUBKEY(pkey.get(), &der);
  if (len <= 0) return ossl::error("i2d_PUBKEY");
  std::string out = pem::encode_block(
      "PUBLIC KEY", std::string_view(reinterpret_cast<const char*>(der), static_cast<std::size_t>(len)));
  OPENSSL_free(der);
  return out;
}

}  // namespace coffer::crypto
