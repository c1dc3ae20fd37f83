// Internal to crypto/: PEM encoding and decoding of keys and certificates.
// Private keys are PKCS#8, unencrypted; buffers that held them are wiped.
// Encrypted PEM input is refused (no password prompt is ever shown).
#pragma once

#include <string>
#include <string_view>

#include "common/secure_memory.hpp"
#include "common/status.hpp"
#include "crypto/openssl_util.hpp"

namespace coffer::crypto::pem {

Result<SecureString> write_private_key(EVP_PKEY* key);
Result<std::string> write_certificate(X509* cert);
Result<ossl::PKey> read_private_key(std::string_view pem);
Result<ossl::X509Ptr> read_certificate(std::string_view pem);

}  // namespace coffer::crypto::pem
