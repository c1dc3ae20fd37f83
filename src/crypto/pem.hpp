// Internal to crypto/: PEM encoding and decoding of keys and certificates.
// Private keys are PKCS#8, unencrypted; buffers that held them are wiped.
// Encrypted PEM input is refused (no password prompt is ever shown).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/secure_memory.hpp"
#include "common/status.hpp"
#include "crypto/openssl_util.hpp"

namespace coffer::crypto::pem {

Result<SecureString> write_private_key(EVP_PKEY* key);
Result<std::string> write_certificate(X509* cert);
Result<ossl::PKey> read_private_key(std::string_view pem);
Result<ossl::X509Ptr> read_certificate(std::string_view pem);

// One "-----BEGIN <label>-----" … "-----END <label>-----" block of a PEM text.
struct Block {
  std::string label;
  SecureString der;          // the decoded body (wiped: it may hold a private key)
  bool has_headers = false;  // RFC 1421 headers, e.g. "Proc-Type: 4,ENCRYPTED"
};

// Every block of `text`, in order. Text between blocks is ignored; CR,
// spaces and tabs are tolerated anywhere. kBadParameter (naming the block's
// label, never its content) for a block without its END line or a body that
// is not base64.
Result<std::vector<Block>> read_blocks(std::string_view text);

// A PEM block of public data: 64-character base64 lines, LF line ends,
// a trailing LF.
std::string encode_block(std::string_view label, std::string_view der);

}  // namespace coffer::crypto::pem
