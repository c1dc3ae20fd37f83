// Certificate: one parsed X.509 certificate and what AKV reports about it.
// - from_der()/from_pem() accept exactly one well-formed certificate;
//   anything else (garbage, trailing bytes, malformed or duplicate
//   extensions) → kBadParameter. They never crash on hostile input.
// - Every accessor returns what was decoded once at construction.
// Immutable: copies share one parsed certificate, and every const method is
// safe to call from many threads without external synchronisation.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.hpp"
#include "crypto/key_material.hpp"

namespace coffer::crypto {

class Certificate {
 public:
  // The DER bytes of one certificate, with nothing after it.
  static Result<Certificate> from_der(std::string_view der);
  // The first CERTIFICATE block of a PEM text; other blocks and text around
  // them are skipped, CRLF is fine.
  static Result<Certificate> from_pem(std::string_view pem);

  const std::string& der() const;
  // One CERTIFICATE block: 64-character lines, LF, trailing LF.
  const std::string& pem() const;
  // base64url (no padding) of the SHA-1 / SHA-256 of der(): AKV's x5t / x5t#S256.
  const std::string& x5t() const;
  const std::string& x5t_s256() const;

  // Names as AKV shows them: "CN=x, O=y", RDNs in the certificate's order.
  const std::string& subject() const;
  const std::string& issuer() const;
  // The serial number as lowercase hex of its big-endian bytes ("-" first if negative).
  const std::string& serial_hex() const;
  // Validity in Unix seconds (UTC).
  int64_t not_before() const;
  int64_t not_after() const;

  // Subject and issuer names are equal (RFC 5280 "self-issued").
  bool is_self_issued() const;
  // BasicConstraints says cA=TRUE; path_length() is its pathLenConstraint.
  bool is_ca() const;
  std::optional<int> path_length() const;
  // KeyUsage as AKV names (bit order); empty when the extension is absent.
  const std::vector<std::string>& key_usage() const;
  // ExtendedKeyUsage as dotted OIDs, in the certificate's order.
  const std::vector<std::string>& ekus() const;
  // SubjectAltName entries: dNSName, rfc822Name and the UPN otherName.
  const std::vector<std::string>& dns_names() const;
  const std::vector<std::string>& emails() const;
  const std::vector<std::string>& upns() const;

  // Whether `key` (RSA/EC) is the private key of this certificate's public key.
  bool public_key_matches(const KeyMaterial& key) const;
  // Whether `issuer`'s subject is this certificate's issuer name and its key
  // verifies this certificate's signature. (No validity or usage checks.)
  bool issued_by(const Certificate& issuer) const;

  // Same DER bytes.
  bool operator==(const Certificate& other) const { return der() == other.der(); }

 private:
  friend struct CertificateAccess;  // crypto-internal: certificate_internal.hpp
  struct Impl;
  explicit Certificate(std::shared_ptr<const Impl> impl) : impl_(std::move(impl)) {}

  std::shared_ptr<const Impl> impl_;
};

}  // namespace coffer::crypto
