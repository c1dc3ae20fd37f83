// Shamir's secret sharing over GF(2^8), the scheme of Vault's `shamir`
// package (SEAL-SPEC.md §1.3): each byte of the secret is the constant term
// of its own random polynomial of degree threshold−1 (top coefficient never
// zero); a share is that polynomial's value at one x for every byte, x drawn
// from a random permutation of 1..255. Any `threshold` shares rebuild the
// secret by Lagrange interpolation at 0; fewer tell nothing about it. The
// field is AES's (x^8+x^4+x^3+x+1) and every operation on secret bytes is
// branch-free shift-and-add: no table is indexed by a secret.
//
// Shares travel as text: "cfs1-" + base64url of keyset_id(4) ‖ x(1) ‖ y ‖
// check(4), the check being the first 4 bytes of SHA-256 over what precedes
// it, so a typo is caught when a share is handed in, not at the threshold.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/secure_memory.hpp"
#include "common/status.hpp"

namespace coffer::crypto::shamir {

struct Share {
  std::uint8_t x = 0;  // 1..255
  SecureString y;      // as long as the secret
};

// kBadParameter unless 2 ≤ threshold ≤ parts ≤ 255 (or parts = threshold = 1,
// where the one share is the secret itself, x = 1) and the secret is
// non-empty.
Result<std::vector<Share>> split(std::string_view secret, int parts, int threshold);

// kBadParameter for fewer than 2 shares (one share is returned as it is),
// shares of unequal or zero length, an x of 0, or a repeated x. Shares from
// another secret combine to a wrong value: the caller's AEAD tag catches it.
Result<SecureString> combine(const std::vector<Share>& shares);

// The text form of `share` of key set `keyset_id` (see above).
SecureString encode(std::uint32_t keyset_id, const Share& share);
struct Decoded {
  std::uint32_t keyset_id = 0;
  Share share;
};
// kBadParameter, saying which, for anything that is not a share of
// `secret_size` bytes: a wrong prefix, bad base64url, a wrong length, an x
// of 0, or a check that does not match (a typo or a flipped bit).
Result<Decoded> decode(std::string_view text, std::size_t secret_size);

// GF(2^8) arithmetic, exposed for tests.
std::uint8_t gf_mul(std::uint8_t a, std::uint8_t b);
std::uint8_t gf_inverse(std::uint8_t a);  // 0 → 0

}  // namespace coffer::crypto::shamir
