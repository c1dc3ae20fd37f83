// PKCS#12 (PFX) files: a private key and its certificate chain, the
// "application/x-pkcs12" form of an AKV certificate's secret and an import
// format.
// - parse_pkcs12() opens a PFX with `password`. An empty password opens
//   files made with no password as well as with "" (it tries both, as
//   OpenSSL's PKCS12_parse does). Bags encrypted with legacy algorithms
//   (RC2, RC4, DES — common in files exported by Windows) are read through a
//   private OpenSSL library context with the legacy provider, when that
//   provider is installed; the process's default context is not changed.
//   Result: the chain leaf first, the key (if any) matching the leaf.
//   A wrong password, malformed input, more than one key, no certificate
//   or an unsupported algorithm → kBadParameter with a message that says
//   which; never kInternal for bad input.
// - make_pkcs12() writes a PFX with no password (MAC and encryption under
//   the empty password ""), like AKV's secret value: the key (when not null)
//   as a PKCS#8 shrouded key bag and the certificates in cert bags, both
//   encrypted with PBES2 (PBKDF2-HMAC-SHA256, AES-256-CBC, 2048 iterations),
//   and a SHA-256 HMAC. Readable by OpenSSL ≥ 1.1 and Python's
//   pkcs12.load_key_and_certificates(data, None). The result holds the
//   private key, so it is a SecureString. kBadParameter for an empty chain,
//   an oct key or a key that does not match chain[0].
// Thread-safe.
#pragma once

#include <string_view>
#include <vector>

#include "common/secure_memory.hpp"
#include "common/status.hpp"
#include "crypto/certificate_chain.hpp"

namespace coffer::crypto {

Result<KeyAndChain> parse_pkcs12(std::string_view der, std::string_view password);

Result<SecureString> make_pkcs12(const KeyMaterial* key, const std::vector<Certificate>& chain);

}  // namespace coffer::crypto
