// Internal to crypto/: what other crypto/ code (X.509, PKCS#12, PEM bundles)
// needs from a KeyMaterial without widening its public API: the EVP_PKEY it
// holds, and a KeyMaterial made from an EVP_PKEY a parser found. Not for use
// outside crypto/.
#pragma once

#include <openssl/evp.h>

#include "common/status.hpp"
#include "crypto/key_material.hpp"
#include "crypto/openssl_util.hpp"

namespace coffer::crypto {

struct KeyMaterialAccess {
  // The key's EVP_PKEY (a private key), borrowed: valid while `key` lives.
  // nullptr for an oct key. Use it read-only (sign, compare, serialise).
  static EVP_PKEY* pkey(const KeyMaterial& key);
  // An RSA or EC KeyMaterial owning `private_key`; kBadParameter for other
  // key types and unsupported curves.
  static Result<KeyMaterial> from_pkey(ossl::PKey private_key);
};

// The public key of an RSA (n, e) or EC (crv P-256/384/521, x, y) JWK;
// kBadParameter for members that do not form a valid key (public_key_pem.cpp).
Result<ossl::PKey> public_pkey_from_jwk(const Jwk& jwk);

}  // namespace coffer::crypto
