// Verification of JSON Web Signatures (RFC 7515) with public keys taken
// from JSON Web Keys (RFC 7517/7518) or X.509 certificates: what Coffer
// needs to accept client assertions signed by another party (a Kubernetes
// service-account issuer, a client certificate). Verification only: no
// private key ever enters this file.
//
// Algorithms accepted (RFC 7518 §3): RS256/RS384/RS512 and PS256/PS384/PS512
// with RSA keys of at least 2048 bits, ES256 with P-256 and ES384 with P-384
// keys. "none", the HMAC algorithms and anything else are refused, so a
// public key can never be misused as an HMAC secret.
//
// Thread-safety: a JwsPublicKey is immutable after construction and may be
// verified against from any number of threads; copies share the key.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "common/status.hpp"

namespace coffer::crypto {

// True for the algorithms listed above.
bool is_accepted_jws_algorithm(std::string_view alg);

// The members of a public JWK, exactly as the document holds them
// (base64url text for n, e, x and y). Unused members stay empty.
struct JwkParams {
  std::string kty;  // "RSA" or "EC"
  std::string crv;  // EC: "P-256" or "P-384"
  std::string n;    // RSA modulus
  std::string e;    // RSA public exponent
  std::string x;    // EC point, x coordinate (full length)
  std::string y;    // EC point, y coordinate (full length)
};

class JwsPublicKey {
 public:
  // An empty key: verifies nothing.
  JwsPublicKey() = default;

  // kBadParameter (message says why) for an unknown kty or curve, bad
  // base64url, an RSA key under 2048 bits, or an EC point not on the curve.
  static Result<JwsPublicKey> from_jwk(const JwkParams& jwk);

  // True if `alg` is accepted (see above) and fits this key's type and size.
  bool supports(std::string_view alg) const;
  // True only if supports(alg) and `signature` (the decoded JWS signature:
  // PKCS#1/PSS bytes for RSA, raw r||s for ECDSA) is valid over
  // `signing_input` (the ASCII "header.payload" of the compact JWS).
  bool verify(std::string_view alg, std::string_view signing_input, std::string_view signature) const;

  // "RSA", "EC", or empty for an empty key.
  const std::string& key_type() const { return type_; }

 private:
  friend struct KeyAccess;
  struct Impl;
  std::shared_ptr<const Impl> impl_;
  std::string type_;
};

// A parsed X.509 certificate, as registered on a service principal.
struct CertificateInfo {
  JwsPublicKey key;
  std::string der;         // the certificate itself
  std::string sha1;        // raw SHA-1 of the DER: the "x5t" thumbprint
  std::string sha256;      // raw SHA-256 of the DER: "x5t#S256"
  std::string subject;     // RFC 2253 one-line subject
  int64_t not_before = 0;  // Unix seconds
  int64_t not_after = 0;
};

// Reads one certificate from PEM text (the first CERTIFICATE block; any
// private key in the text is ignored) or from raw DER. kBadParameter when
// there is none, or its public key cannot verify JWS signatures.
Result<CertificateInfo> parse_certificate(std::string_view pem_or_der);

}  // namespace coffer::crypto
