// Pkcs11Keys: AKV's RSA-HSM, EC-HSM and oct-HSM keys as objects of a PKCS#11
// token (crypto::HardwareKeys; SEAL-SPEC.md §2.3–§2.6). Private and secret
// halves are token objects, private, sensitive and never extractable, found
// by CKA_ID and class; the handles found are kept in memory as hints (a
// stale one is searched again, and the operation retried once); the flags
// allow everything the key type allows and Coffer enforces key_ops.
// Operations borrow pooled sessions; one that finds the token's sessions
// lost logs in again and retries once (generation is not retried).
// Objects are made and destroyed one at a time, never during a search
// (SoftHSM fails otherwise).
// Mechanisms: RS* as CKM_RSA_PKCS over DigestInfo ‖ digest, PS* as
// CKM_RSA_PKCS_PSS (MGF1 with the same hash, salt = hash length), ES* as
// CKM_ECDSA (r‖s); RSA1_5 / RSA-OAEP / RSA-OAEP-256 (where the token offers
// it) as CKM_RSA_PKCS / CKM_RSA_PKCS_OAEP; AES GCM, CBC and CBC-PAD with
// C_Encrypt; AES key wrap (RFC 3394) through a session object holding the
// key to wrap or unwrapped, destroyed at once. Thread-safe.
#pragma once

#include <memory>

#include "crypto/hardware_keys.hpp"
#include "seal/pkcs11_token.hpp"

namespace coffer::seal {

namespace p11 {
class TokenSessions;
}

class Pkcs11Keys final : public crypto::HardwareKeys {
 public:
  // The token of `options` (its key_label is not used); errors as Pkcs11Token::open.
  static Result<std::unique_ptr<Pkcs11Keys>> open(const Pkcs11Options& options);
  ~Pkcs11Keys() override;

  Result<crypto::Jwk> generate(const crypto::HardwareKeyRef& ref, std::string_view label) override;
  Result<std::string> sign(const crypto::HardwareKeyRef& key, std::string_view alg, std::string_view digest) override;
  Result<SecureString> decrypt(const crypto::HardwareKeyRef& key, std::string_view alg, std::string_view ciphertext,
                               std::string_view iv, std::string_view aad, std::string_view tag) override;
  Result<crypto::CipherResult> encrypt(const crypto::HardwareKeyRef& key, std::string_view alg,
                                       std::string_view plaintext, std::string_view iv, std::string_view aad) override;
  Result<std::string> wrap(const crypto::HardwareKeyRef& key, std::string_view alg,
                           std::string_view key_bytes) override;
  Result<SecureString> unwrap(const crypto::HardwareKeyRef& key, std::string_view alg,
                              std::string_view wrapped) override;
  Status destroy(std::string_view id) override;
  const std::string& token() const override;

  struct ObjectIndex;  // pkcs11_keys.cpp's

 private:
  explicit Pkcs11Keys(std::unique_ptr<p11::TokenSessions> sessions);
  std::unique_ptr<p11::TokenSessions> sessions_;
  std::unique_ptr<ObjectIndex> objects_;
};

}  // namespace coffer::seal
