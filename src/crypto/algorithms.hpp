// Internal to crypto/: OpenSSL 3 algorithm implementations fetched once per
// process and kept for its lifetime, instead of an implicit fetch by name
// (EVP_sha256(), EVP_aes_256_gcm()) on every call. Aborts if the default
// provider lacks one (nothing can work then). Thread-safe.
#pragma once

#include <openssl/evp.h>

namespace coffer::crypto::ossl {

const EVP_MD* sha256_md();
EVP_CIPHER* aes_256_gcm();
EVP_MAC* hmac_mac();

}  // namespace coffer::crypto::ossl
