// Ed25519Key: the audit log's checkpoint signing key (RFC 8032 Ed25519,
// through OpenSSL 3 EVP). Thread-safe after construction. The private PEM
// leaves this class only to be sealed by the Keyring before storage; the
// public PEM is what `coffer audit verify` needs offline.
// ed25519_verify() checks a signature against a public key PEM alone.
#pragma once

#include "crypto/digest.hpp"  // hmac_sha256(), which callers of this header use

#include <memory>
#include <string>
#include <string_view>

#include "common/secure_memory.hpp"
#include "common/status.hpp"

namespace coffer::crypto {

class Ed25519Key {
 public:
  static Result<Ed25519Key> generate();
  static Result<Ed25519Key> from_private_pem(const SecureString& pem);

  SecureString private_pem() const;
  const std::string& public_pem() const { return public_pem_; }
  // 64-byte signature over `data`.
  Result<std::string> sign(std::string_view data) const;
  // First 16 hex characters of the SHA-256 of the DER public key.
  const std::string& key_id() const { return kid_; }

 private:
  struct Impl;
  Ed25519Key(std::shared_ptr<Impl> impl, std::string public_pem, std::string kid)
      : impl_(std::move(impl)), public_pem_(std::move(public_pem)), kid_(std::move(kid)) {}
  std::shared_ptr<Impl> impl_;
  std::string public_pem_;
  std::string kid_;
};

// True only if `signature` is a valid Ed25519 signature of `data` by the
// public key in `public_pem`. `key_id`, when non-null, receives the key id.
bool ed25519_verify(std::string_view public_pem, std::string_view data, std::string_view signature,
                    std::string* key_id = nullptr);

}  // namespace coffer::crypto
