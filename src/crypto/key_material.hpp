// KeyMaterial: one AKV key (RSA, EC or symmetric "oct") and the
// cryptographic operations AKV offers on it, all through OpenSSL 3 EVP.
// - Jwk carries raw (already base64url-decoded) members; private members
//   are SecureStrings. from_jwk() validates sizes and the key itself.
// - seal_bytes()/from_sealed_bytes() are the private form kept (sealed by
//   the Keyring) in the store: PKCS#8 DER for RSA/EC, raw bytes for oct.
// - Operations take AKV algorithm names ("RS256", "RSA-OAEP-256",
//   "A256GCM", "A128KW", …). An algorithm that does not fit the key, a
//   digest of the wrong length or a malformed input → kBadParameter with a
//   message naming the problem; failed decryption → kBadParameter too
//   (never kInternal, which would be a 500). Key bytes never appear in a
//   message.
// Immutable after construction; const operations are thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "common/secure_memory.hpp"
#include "common/status.hpp"

struct evp_pkey_st;  // OpenSSL's EVP_PKEY

namespace coffer::crypto {

enum class KeyKind { kRsa, kEc, kOct };

struct Jwk {
  std::string kty;                      // "RSA", "EC", "oct" (the -HSM suffix is the caller's business)
  std::string crv;                      // EC: "P-256", "P-384", "P-521", "P-256K"
  std::string n, e, x, y;               // public members, raw big-endian bytes
  SecureString d, p, q, dp, dq, qi, k;  // private members
};

// Result of encrypt(): ciphertext and, for AES-GCM/CBC, the iv and tag used.
struct CipherResult {
  std::string value;
  std::string iv;
  std::string tag;
};

class KeyMaterial {
 public:
  KeyMaterial(KeyMaterial&&) noexcept;
  KeyMaterial& operator=(KeyMaterial&&) noexcept;
  ~KeyMaterial();

  // RSA: bits 2048/3072/4096 (others 1024..16384 accepted for import only);
  // exponent odd ≥ 3.
  static Result<KeyMaterial> generate_rsa(int bits, uint64_t public_exponent = 65537);
  static Result<KeyMaterial> generate_ec(std::string_view crv);
  static Result<KeyMaterial> generate_oct(int bits);  // 128/192/256
  // A private JWK (import). kBadParameter when a member is missing or the key is inconsistent.
  static Result<KeyMaterial> from_jwk(const Jwk& jwk);
  static Result<KeyMaterial> from_sealed_bytes(std::string_view bytes);
  // The public half of an RSA or EC key (n, e / crv, x, y): verify,
  // encrypt and wrap only — the private operations, seal_bytes() and
  // private_jwk() fail. For keys whose private half is in a token
  // (hardware_keys.hpp).
  static Result<KeyMaterial> from_public_jwk(const Jwk& jwk);
  // An unencrypted PEM private key (PKCS#8, PKCS#1 or SEC1), RSA or EC.
  static Result<KeyMaterial> from_private_pem(std::string_view pem);

  // The private form for sealing (PKCS#8 DER, or oct bytes) tagged with its kind.
  Result<SecureString> seal_bytes() const;
  // Public members only (kty, crv, n, e, x, y); oct gives just kty.
  Jwk public_jwk() const;
  // Every member including private ones (export/tests only).
  Result<Jwk> private_jwk() const;
  // PEM SubjectPublicKeyInfo (RSA/EC; kBadParameter for oct).
  Result<std::string> public_pem() const;

  KeyKind kind() const { return kind_; }
  int bits() const { return bits_; }                 // RSA modulus / oct key bits / EC field bits
  const std::string& curve() const { return crv_; }  // EC only

  // Whether `alg` belongs to this key's type for the operation family.
  bool fits_signature(std::string_view alg) const;
  bool fits_encryption(std::string_view alg) const;
  bool fits_wrap(std::string_view alg) const;

  Result<std::string> sign(std::string_view alg, std::string_view digest) const;
  Result<bool> verify(std::string_view alg, std::string_view digest, std::string_view signature) const;
  // iv: AES only; empty → random. aad: AES-GCM only.
  Result<CipherResult> encrypt(std::string_view alg, std::string_view plaintext, std::string_view iv,
                               std::string_view aad) const;
  Result<SecureString> decrypt(std::string_view alg, std::string_view ciphertext, std::string_view iv,
                               std::string_view aad, std::string_view tag) const;
  Result<std::string> wrap(std::string_view alg, std::string_view key) const;
  Result<SecureString> unwrap(std::string_view alg, std::string_view wrapped) const;

 private:
  friend struct KeyMaterialAccess;  // crypto-internal: key_material_internal.hpp
  struct Impl;
  KeyMaterial(KeyKind kind, std::unique_ptr<Impl> impl, int bits, std::string crv);
  // RSA or EC key material around `owned`, an EVP_PKEY holding a private key (ownership taken).
  static Result<KeyMaterial> from_pkey(evp_pkey_st* owned);

  KeyKind kind_;
  std::unique_ptr<Impl> impl_;
  int bits_ = 0;
  std::string crv_;
};

enum class KeyUse { kSignature, kEncryption, kWrap };
// Whether the AKV algorithm `alg` belongs to a key of this kind and size
// (RSA modulus or AES bits; EC: the curve) for the use.
bool algorithm_fits(KeyKind kind, int bits, std::string_view crv, KeyUse use, std::string_view alg);

// The digest length (bytes) a signature algorithm signs, 0 if unknown.
std::size_t signature_digest_size(std::string_view alg);

}  // namespace coffer::crypto
