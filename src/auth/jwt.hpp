// Parsing of JWTs issued by others (client assertions, service-account
// tokens) and of JWK Set documents. Nothing here decides whether a token is
// trusted: that is ClientAssertionVerifier's job, with keys from
// IssuerKeyCache or a registered certificate.
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.hpp"
#include "crypto/jws.hpp"

namespace coffer::auth {

inline constexpr std::size_t kMaxAssertionBytes = 16 * 1024;
// How far a token's or certificate's times may be off our clock (as Entra ID allows).
inline constexpr int64_t kClockSkewSeconds = 300;

// An issuer or audience URL compared as Entra ID does: trailing slashes do not count.
inline std::string_view trimmed_trailing_slashes(std::string_view s) {
  while (!s.empty() && s.back() == '/') s.remove_suffix(1);
  return s;
}
inline std::string without_trailing_slashes(std::string_view s) { return std::string(trimmed_trailing_slashes(s)); }

// A compact JWS split into its parts. The signature is not checked.
struct CompactJws {
  boost::json::object header;
  boost::json::object claims;
  std::string signing_input;  // "<header>.<payload>" exactly as received
  std::string signature;      // decoded bytes
};

// kBadParameter unless `token` is three base64url parts (at most
// kMaxAssertionBytes) whose first two decode to JSON objects. JWE (five
// parts) and unsigned tokens (empty signature) are refused too.
Result<CompactJws> parse_compact_jws(std::string_view token);

// A string claim/header member; nullopt when absent or not a string.
std::optional<std::string> string_member(const boost::json::object& o, std::string_view name);
// A NumericDate claim (integer or number, truncated); nullopt when absent or not numeric.
std::optional<int64_t> time_member(const boost::json::object& o, std::string_view name);
// The "aud" claim as a list (a string or an array of strings); empty when
// absent or of another type.
std::vector<std::string> audience_claim(const boost::json::object& claims);

// A JWK Set: its signature keys by "kid", and the ones without a kid.
struct JwkSet {
  std::map<std::string, crypto::JwsPublicKey> by_kid;
  std::vector<crypto::JwsPublicKey> without_kid;
  std::size_t skipped = 0;  // keys ignored: encryption keys, unknown types, bad members
  bool empty() const { return by_kid.empty() && without_kid.empty(); }
};

// Parses {"keys":[…]} (RFC 7517 §5). Keys with "use" other than "sig", of
// an unsupported type, or with bad members are skipped; kBadParameter when
// the document is not a JWK Set or has no usable key at all.
Result<JwkSet> parse_jwks(std::string_view json);

}  // namespace coffer::auth
