#include "crypto/shamir.hpp"

#include <algorithm>
#include <numeric>

#include "common/base64.hpp"
#include "crypto/digest.hpp"
#include "crypto/random.hpp"

namespace coffer::crypto::shamir {
namespace {

constexpr std::string_view kPrefix = "cfs1-";
constexpr std::size_t kCheckSize = 4;

std::uint8_t random_byte() { return static_cast<std::uint8_t>(random_bytes(1).data()[0]); }

// A uniformly random number below `bound` (1..256), by rejection.
unsigned random_below(unsigned bound) {
  const unsigned limit = 256 - 256 % bound;
  while (true) {
    const unsigned r = random_byte();
    if (r < limit) return r % bound;
  }
}

// p(x) for the coefficients c[0] (the secret byte) … c[k−1], by Horner's rule.
std::uint8_t evaluate(const std::uint8_t* c, int k, std::uint8_t x) {
  std::uint8_t acc = 0;
  for (int i = k - 1; i >= 0; --i) acc = gf_mul(acc, x) ^ c[i];
  return acc;
}

std::string check_of(std::string_view bytes) { return sha256(bytes).substr(0, kCheckSize); }

}  // namespace

std::uint8_t gf_mul(std::uint8_t a, std::uint8_t b) {
  std::uint8_t product = 0;
  for (int i = 0; i < 8; ++i) {
    product ^= static_cast<std::uint8_t>(-(b & 1) & a);               // add a when b's low bit is set
    const std::uint8_t carry = static_cast<std::uint8_t>(-(a >> 7));  // 0xff when a's top bit is set
    a = static_cast<std::uint8_t>((a << 1) ^ (carry & 0x1b));         // a·x mod x^8+x^4+x^3+x+1
    b >>= 1;
  }
  return product;
}

std::uint8_t gf_inverse(std::uint8_t a) {
  // a^254 = a^-1 in GF(2^8) (and 0 for 0): a fixed sequence of multiplications.
  std::uint8_t result = 1;
  std::uint8_t power = a;        // a^(2^i)
  for (int i = 1; i < 8; ++i) {  // 254 = 0b11111110: the powers a^2 … a^128
    power = gf_mul(power, power);
    result = gf_mul(result, power);
  }
  return result;
}

Result<std::vector<Share>> split(std::string_view secret, int parts, int threshold) {
  if (secret.empty()) return bad_parameter("Cannot split an empty secret.");
  if (parts == 1 && threshold == 1) {
    std::vector<Share> one(1);
    one[0].x = 1;
    one[0].y = SecureString(secret);
    return one;
  }
  if (threshold < 2 || parts > 255 || threshold > parts) {
    return bad_parameter("Shares must satisfy 2 <= threshold <= parts <= 255 (or 1 of 1).");
  }
  // x values: the first `parts` of a random permutation of 1..255 (Fisher-Yates).
  std::vector<std::uint8_t> xs(255);
  std::iota(xs.begin(), xs.end(), std::uint8_t{1});
  for (unsigned i = 254; i > 0; --i) std::swap(xs[i], xs[random_below(i + 1)]);
  std::vector<Share> shares(static_cast<std::size_t>(parts));
  for (int p = 0; p < parts; ++p) {
    shares[p].x = xs[p];
    shares[p].y.resize(secret.size());
  }
  SecureString coefficients;
  coefficients.resize(static_cast<std::size_t>(threshold));
  auto* c = reinterpret_cast<std::uint8_t*>(coefficients.data());
  for (std::size_t i = 0; i < secret.size(); ++i) {
    const SecureString drawn = random_bytes(static_cast<std::size_t>(threshold) - 1);
    c[0] = static_cast<std::uint8_t>(secret[i]);
    std::copy(drawn.data(), drawn.data() + drawn.size(), reinterpret_cast<char*>(c + 1));
    while (c[threshold - 1] == 0) c[threshold - 1] = random_byte();  // degree exactly threshold−1
    for (auto& s : shares) s.y.data()[i] = static_cast<char>(evaluate(c, threshold, s.x));
  }
  return shares;
}

Result<SecureString> combine(const std::vector<Share>& shares) {
  if (shares.size() == 1 && !shares[0].y.empty()) return shares[0].y;
  if (shares.size() < 2) return bad_parameter("At least two shares are needed.");
  const std::size_t size = shares[0].y.size();
  for (std::size_t i = 0; i < shares.size(); ++i) {
    if (shares[i].y.size() != size || size == 0) return bad_parameter("The shares differ in length.");
    if (shares[i].x == 0) return bad_parameter("A share has x = 0.");
    for (std::size_t j = 0; j < i; ++j) {
      if (shares[i].x == shares[j].x) return bad_parameter("The same share was given twice.");
    }
  }
  // Lagrange basis at 0: l_i = Π_{j≠i} x_j / (x_j − x_i); subtraction is xor.
  std::vector<std::uint8_t> basis(shares.size(), 1);
  for (std::size_t i = 0; i < shares.size(); ++i) {
    for (std::size_t j = 0; j < shares.size(); ++j) {
      if (i == j) continue;
      basis[i] = gf_mul(basis[i], gf_mul(shares[j].x, gf_inverse(shares[j].x ^ shares[i].x)));
    }
  }
  SecureString secret;
  secret.resize(size);
  for (std::size_t b = 0; b < size; ++b) {
    std::uint8_t acc = 0;
    for (std::size_t i = 0; i < shares.size(); ++i) {
      acc ^= gf_mul(static_cast<std::uint8_t>(shares[i].y.data()[b]), basis[i]);
    }
    secret.data()[b] = static_cast<char>(acc);
  }
  return secret;
}

SecureString encode(std::uint32_t keyset_id, const Share& share) {
  const std::size_t body = 5 + share.y.size();
  SecureString raw;
  raw.resize(body + kCheckSize);
  for (int i = 0; i < 4; ++i) raw.data()[i] = static_cast<char>((keyset_id >> (24 - 8 * i)) & 0xff);
  raw.data()[4] = static_cast<char>(share.x);
  std::copy(share.y.data(), share.y.data() + share.y.size(), raw.data() + 5);
  const std::string check = check_of(raw.view().substr(0, body));
  std::copy(check.begin(), check.end(), raw.data() + body);
  std::string encoded = base64url_encode(raw.view());
  SecureString out;
  out.resize(kPrefix.size() + encoded.size());
  std::copy(kPrefix.begin(), kPrefix.end(), out.data());
  std::copy(encoded.begin(), encoded.end(), out.data() + kPrefix.size());
  secure_wipe(encoded.data(), encoded.size());
  return out;
}

Result<Decoded> decode(std::string_view text, std::size_t secret_size) {
  if (text.substr(0, kPrefix.size()) != kPrefix) {
    return bad_parameter("That is not an unseal share: shares start with 'cfs1-'.");
  }
  auto raw = base64url_decode(text.substr(kPrefix.size()));
  if (!raw) return bad_parameter("The share is not valid base64url: check for a typo.");
  SecureString bytes(std::move(*raw));
  // The last character's unused bits must be zero, as encode() writes them:
  // a typo there changes no byte, but a share has one spelling.
  if (SecureString(base64url_encode(bytes.view())).view() != text.substr(kPrefix.size())) {
    return bad_parameter("The share is not valid base64url: check for a typo in its last characters.");
  }
  if (bytes.size() != 5 + secret_size + kCheckSize) {
    return bad_parameter("The share has the wrong length: check that it was copied whole.");
  }
  const std::string_view body = bytes.view().substr(0, bytes.size() - kCheckSize);
  if (!constant_time_equal(check_of(body), bytes.view().substr(body.size()))) {
    return bad_parameter("The share's check digits do not match: it has a typo.");
  }
  Decoded out;
  for (int i = 0; i < 4; ++i) out.keyset_id = (out.keyset_id << 8) | static_cast<std::uint8_t>(body[i]);
  out.share.x = static_cast<std::uint8_t>(body[4]);
  if (out.share.x == 0) return bad_parameter("The share is malformed (x = 0).");
  out.share.y = SecureString(body.substr(5));
  return out;
}

}  // namespace coffer::crypto::shamir
