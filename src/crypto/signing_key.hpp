// SigningKey: the RSA-2048 key that signs access tokens (JWT RS256:
// RSASSA-PKCS1-v1_5 with SHA-256). Thread-safe for sign/verify after
// construction. The private PEM leaves this class only to be sealed by the
// Keyring before storage.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "common/secure_memory.hpp"
#include "common/status.hpp"

namespace coffer::crypto {

class SigningKey {
 public:
  static Result<SigningKey> generate();
  static Result<SigningKey> from_private_pem(const SecureString& pem);

  SecureString private_pem() const;
  // RS256 signature over `data` (raw bytes, not base64).
  Result<std::string> sign(std::string_view data) const;
  bool verify(std::string_view data, std::string_view signature) const;
  // Public parts for the JWKS document: big-endian modulus and exponent bytes.
  std::string modulus() const;
  std::string exponent() const;
  // Key id: base64url of the SHA-256 of the DER public key, truncated to 16 chars.
  const std::string& key_id() const { return kid_; }

 private:
  struct Impl;
  explicit SigningKey(std::shared_ptr<Impl> impl);
  std::shared_ptr<Impl> impl_;
  std::string kid_;
};

}  // namespace coffer::crypto
