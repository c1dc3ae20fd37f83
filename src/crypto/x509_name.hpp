// Internal to crypto/: X.509 distinguished names as text, both ways.
// - parse_distinguished_name() reads "CN=a, O=b" style text: RDNs separated
//   by ',', attribute names case-insensitive (CN, O, OU, L, ST/S, C,
//   E/EMAIL/emailAddress, DC, SERIALNUMBER, STREET, T/TITLE, G/GN/GIVENNAME,
//   SN/SURNAME, I/INITIALS, POSTALCODE, UID, DNQUALIFIER, or a dotted OID,
//   optionally prefixed "OID."), values trimmed, "quoted" or \-escaped
//   (\, or \2C), '+' joining several attributes into one RDN when an
//   attribute name follows it. The RDNs are encoded in the order written;
//   values are PrintableString when they fit, else UTF8String (IA5String for
//   E and DC). Malformed text → kBadParameter naming the problem.
// - format_distinguished_name() writes the same syntax, RDNs in the order of
//   the encoding, joined by ", " (what AKV shows: "CN=x, O=y"); its output
//   parses back to the same name.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/status.hpp"
#include "crypto/openssl_util.hpp"

namespace coffer::crypto::x509name {

// An empty text gives an empty name (no RDN).
Result<ossl::X509NamePtr> parse_distinguished_name(std::string_view text);

std::string format_distinguished_name(const X509_NAME* name);

// Whether `s` is a dotted-decimal OID ("1.3.6.1.5.5.7.3.1"): at least two
// arcs, no leading zeros, first arc 0..2, second arc < 40 under 0 and 1.
bool is_dotted_oid(std::string_view s);

// The number of code points of `s` if it is valid UTF-8 without control
// characters (what a name or a UPN may hold), else nullopt.
std::optional<std::size_t> utf8_text_length(std::string_view s);

}  // namespace coffer::crypto::x509name
