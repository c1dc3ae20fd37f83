// PEM bundles: a private key and its certificate chain as one text, the
// "application/x-pem-file" form of an AKV certificate's secret.
// - parse_pem_bundle() reads an unencrypted private key block (PKCS#8
//   "PRIVATE KEY", PKCS#1 "RSA PRIVATE KEY" or SEC1 "EC PRIVATE KEY"; at most
//   one) and CERTIFICATE blocks in any order; other blocks and text between
//   blocks are ignored, CRLF is fine. The chain comes back leaf first; the
//   key, when present, matches the leaf. Unreadable input → kBadParameter
//   with AKV's "The specified PEM X.509 certificate content can not be
//   read..." message plus the reason; key bytes never appear in a message.
// - make_pem_bundle() writes the PKCS#8 "PRIVATE KEY" block (when key is not
//   null), then the certificates in the order given (leaf first): 64-char
//   lines, LF, trailing LF. The result holds the private key, so it is a
//   SecureString. kBadParameter for an empty chain, an oct key or a key that
//   does not match chain[0].
#pragma once

#include <string_view>
#include <vector>

#include "common/secure_memory.hpp"
#include "common/status.hpp"
#include "crypto/certificate_chain.hpp"

namespace coffer::crypto {

Result<KeyAndChain> parse_pem_bundle(std::string_view text);

Result<SecureString> make_pem_bundle(const KeyMaterial* key, const std::vector<Certificate>& chain);

}  // namespace coffer::crypto
