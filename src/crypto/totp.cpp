#include "crypto/totp.hpp"

#include "crypto/digest.hpp"

namespace coffer::crypto {
namespace {

constexpr int kDigits = 6;

}  // namespace

std::string totp_code(std::string_view secret, int64_t step) {
  unsigned char counter[8];
  for (int i = 7; i >= 0; --i) {
    counter[i] = static_cast<unsigned char>(step & 0xff);
    step >>= 8;
  }
  const std::string mac = hmac_sha1(secret, std::string_view(reinterpret_cast<const char*>(counter), sizeof counter));
  if (mac.size() != 20) return {};
  const auto* h = reinterpret_cast<const unsigned char*>(mac.data());
  const int offset = h[19] & 0x0f;  // RFC 4226 §5.3, dynamic truncation
  const uint32_t binary = (uint32_t(h[offset] & 0x7f) << 24) | (uint32_t(h[offset + 1]) << 16) |
                          (uint32_t(h[offset + 2]) << 8) | uint32_t(h[offset + 3]);
  std::string code = std::to_string(binary % 1000000);
  return std::string(kDigits - code.size(), '0') + code;
}

std::optional<int64_t> totp_match(std::string_view secret, std::string_view code, int64_t now, int64_t last_used_step) {
  if (code.size() != kDigits) return std::nullopt;
  const int64_t current = now / kTotpStepSeconds;
  std::optional<int64_t> matched;
  for (int64_t step = current - 1; step <= current + 1; ++step) {
    const std::string expected = totp_code(secret, step);
    // Every step is computed and compared, so the time taken says nothing of which matched.
    if (!expected.empty() && constant_time_equal(expected, code) && step > last_used_step && !matched) matched = step;
  }
  return matched;
}

SecureString base32_encode(std::string_view bytes) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  std::string out;
  uint32_t buffer = 0;
  int bits = 0;
  for (unsigned char c : bytes) {
    buffer = (buffer << 8) | c;
    bits += 8;
    while (bits >= 5) {
      out += kAlphabet[(buffer >> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += kAlphabet[(buffer << (5 - bits)) & 31];
  buffer = 0;
  return SecureString(std::move(out));
}

}  // namespace coffer::crypto
