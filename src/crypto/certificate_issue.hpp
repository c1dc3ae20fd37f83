// Making certificates and certificate requests from a CertificateProfile, as
// AKV's "Self" issuer does:
// - X.509 v3, a random positive 16-byte serial, notBefore = now − 600 s,
//   notAfter = add_calendar_months(now, validity_months);
// - the profile's subject; SubjectAltName (dNSName, rfc822Name, UPN as
//   otherName 1.3.6.1.4.1.311.20.2.3 UTF8String) when there is any SAN,
//   critical when the subject is empty; KeyUsage (critical) and
//   ExtendedKeyUsage when non-empty; BasicConstraints: CA:TRUE critical
//   (+ pathlen) for a CA profile, else CA:FALSE non-critical;
//   SubjectKeyIdentifier (SHA-1 of the public key) and
//   AuthorityKeyIdentifier (the signer's key id; its own when self-signed);
// - signed with the issuer's key: RSA PKCS#1 v1.5 with SHA-256, ECDSA with
//   SHA-256 (P-256, P-256K), SHA-384 (P-384) or SHA-512 (P-521).
// Bad input (profile, oct key, unusable issuer) → kBadParameter naming the
// problem; kInternal only if OpenSSL itself fails. Thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "common/status.hpp"
#include "crypto/certificate.hpp"
#include "crypto/certificate_profile.hpp"
#include "crypto/key_material.hpp"

namespace coffer::crypto {

// A certificate for `subject_key`'s public key, `now` in Unix seconds.
// Self-signed (by subject_key) when issuer_cert and issuer_key are both
// null; otherwise signed by issuer_key, which must be the key of
// issuer_cert, a CA certificate (BasicConstraints CA:TRUE, keyCertSign when
// it has a KeyUsage, a path length that allows a CA profile below it).
Result<Certificate> issue_certificate(const KeyMaterial& subject_key, const CertificateProfile& profile, int64_t now,
                                      const Certificate* issuer_cert, const KeyMaterial* issuer_key);

// A PKCS#10 request (DER) signed by `key`, with the profile's subject and an
// extensionRequest carrying SubjectAltName, KeyUsage, ExtendedKeyUsage and
// BasicConstraints as above.
Result<std::string> make_csr_der(const KeyMaterial& key, const CertificateProfile& profile);

// `unix_seconds` plus `months` calendar months in UTC, keeping the time of
// day and clamping the day to the target month's length (Jan 31 + 1 month =
// Feb 28, or Feb 29 in a leap year). nullopt outside the years 1950..9999
// (what an X.509 validity can express).
std::optional<int64_t> add_calendar_months(int64_t unix_seconds, int months);

}  // namespace coffer::crypto
