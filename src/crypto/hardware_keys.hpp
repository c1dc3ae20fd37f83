// HardwareKeys: AKV keys whose private or secret half is made and kept in a
// hardware token and never leaves it (RSA-HSM, EC-HSM, oct-HSM; SEAL-SPEC.md
// §2). A key is named by its object id (the AKV version's 16 bytes); the
// caller keeps the public half and does public-key work (verify, RSA
// encrypt and wrap) itself with KeyMaterial::from_public_jwk().
// - Algorithms are AKV's names and are checked against the key first
//   (algorithm_fits()); a refusal, a digest of the wrong length or a
//   ciphertext that does not decrypt is kBadParameter, with one message for
//   every failed RSA decryption (no padding oracle); an algorithm the token
//   does not offer is kBadParameter naming the HSM.
// - The token away, busy or failing is kUnavailable (503 with Retry-After),
//   never kInternal; a key whose object is missing is kUnavailable
//   "HsmKeyMissing".
// Thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "common/secure_memory.hpp"
#include "common/status.hpp"
#include "crypto/key_material.hpp"

namespace coffer::crypto {

struct HardwareKeyRef {
  std::string id;  // the object id (CKA_ID): the AKV version's 16 bytes
  KeyKind kind = KeyKind::kRsa;
  int bits = 0;     // RSA modulus / AES key bits (EC: 0)
  std::string crv;  // EC: P-256, P-384, P-521
};

class HardwareKeys {
 public:
  virtual ~HardwareKeys() = default;

  // Makes the key `ref` in the token (RSA with exponent 65537), labelled
  // `label` for people listing the token; returns its public JWK (oct: kty only).
  virtual Result<Jwk> generate(const HardwareKeyRef& ref, std::string_view label) = 0;
  virtual Result<std::string> sign(const HardwareKeyRef& key, std::string_view alg, std::string_view digest) = 0;
  // RSA (RSA1_5, RSA-OAEP, RSA-OAEP-256) and AES (GCM, CBC, CBCPAD).
  virtual Result<SecureString> decrypt(const HardwareKeyRef& key, std::string_view alg, std::string_view ciphertext,
                                       std::string_view iv, std::string_view aad, std::string_view tag) = 0;
  // AES only: GCM (iv drawn when empty), CBC and CBCPAD.
  virtual Result<CipherResult> encrypt(const HardwareKeyRef& key, std::string_view alg, std::string_view plaintext,
                                       std::string_view iv, std::string_view aad) = 0;
  // AES key wrap (RFC 3394, A*KW) only.
  virtual Result<std::string> wrap(const HardwareKeyRef& key, std::string_view alg, std::string_view key_bytes) = 0;
  // RSA (as decrypt) and AES key wrap.
  virtual Result<SecureString> unwrap(const HardwareKeyRef& key, std::string_view alg, std::string_view wrapped) = 0;
  // Destroys every object of `id`; OK when none is left.
  virtual Status destroy(std::string_view id) = 0;
  // The token, as recorded with each key and named in messages.
  virtual const std::string& token() const = 0;
};

}  // namespace coffer::crypto
