#include "vault/secret_generator.hpp"

#include <cstdint>
#include <string_view>
#include <vector>

#include "common/base64.hpp"
#include "crypto/random.hpp"

namespace coffer::vault {
namespace {

constexpr std::string_view kLower = "abcdefghijklmnopqrstuvwxyz";
constexpr std::string_view kUpper = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
constexpr std::string_view kDigits = "0123456789";
constexpr std::string_view kPunctuation = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";
constexpr std::string_view kSpace = " ";

// The character classes the generator draws from, each less the excluded characters; empty ones left out.
std::vector<std::string> password_classes(const SecretGenerator& g) {
  std::vector<std::string_view> wanted;
  if (!g.exclude_lowercase) wanted.push_back(kLower);
  if (!g.exclude_uppercase) wanted.push_back(kUpper);
  if (!g.exclude_numbers) wanted.push_back(kDigits);
  if (!g.exclude_punctuation) wanted.push_back(kPunctuation);
  if (g.include_space) wanted.push_back(kSpace);
  std::vector<std::string> classes;
  for (std::string_view c : wanted) {
    std::string kept;
    for (char ch : c) {
      if (g.exclude_characters.find(ch) == std::string::npos) kept += ch;
    }
    if (!kept.empty()) classes.push_back(std::move(kept));
  }
  return classes;
}

// A uniform random number below `n` (n ≥ 1): 32-bit draws, rejecting the tail that would bias it.
uint32_t uniform_below(uint32_t n) {
  const uint32_t limit = UINT32_MAX - (UINT32_MAX % n);
  while (true) {
    SecureString raw = crypto::random_bytes(4);
    uint32_t v = 0;
    for (char c : raw.view()) v = (v << 8) | static_cast<unsigned char>(c);
    if (v < limit) return v % n;
  }
}

}  // namespace

Status check_generator(const SecretGenerator& g) {
  const auto bad = [](std::string m) { return bad_parameter(std::move(m)); };
  if (g.type == SecretGenerator::Type::kNone) return Status::Ok();
  if (g.type == SecretGenerator::Type::kRandomBytes) {
    if (g.length < 1 || g.length > kMaxRandomBytes) {
      return bad("generator.length must be from 1 to " + std::to_string(kMaxRandomBytes) + " bytes.");
    }
    if (g.encoding != "base64" && g.encoding != "base64url" && g.encoding != "hex") {
      return bad("generator.encoding must be base64, base64url or hex.");
    }
    return Status::Ok();
  }
  if (g.length < 1 || g.length > kMaxPasswordLength) {
    return bad("generator.length must be from 1 to " + std::to_string(kMaxPasswordLength) + " characters.");
  }
  if (g.exclude_characters.size() > 256) return bad("generator.excludeCharacters must be at most 256 characters.");
  const auto classes = password_classes(g);
  if (classes.empty()) return bad("The generator's options exclude every character: nothing is left to draw from.");
  if (g.require_each_included_type && static_cast<std::size_t>(g.length) < classes.size()) {
    return bad("generator.length is " + std::to_string(g.length) + ", less than the " + std::to_string(classes.size()) +
               " character types requireEachIncludedType asks for.");
  }
  return Status::Ok();
}

SecureString generate_secret(const SecretGenerator& g) {
  if (g.type == SecretGenerator::Type::kRandomBytes) {
    SecureString raw = crypto::random_bytes(static_cast<std::size_t>(g.length));
    if (g.encoding == "hex") return SecureString(hex_encode(raw.view()));
    if (g.encoding == "base64url") return SecureString(base64url_encode(raw.view()));
    return SecureString(base64_encode(raw.view()));
  }
  const auto classes = password_classes(g);
  std::string alphabet;
  for (const auto& c : classes) alphabet += c;
  SecureString out;
  out.resize(static_cast<std::size_t>(g.length));
  std::size_t i = 0;
  if (g.require_each_included_type) {
    for (const auto& c : classes) out.data()[i++] = c[uniform_below(static_cast<uint32_t>(c.size()))];
  }
  for (; i < out.size(); ++i) out.data()[i] = alphabet[uniform_below(static_cast<uint32_t>(alphabet.size()))];
  // Fisher-Yates, so the required characters are not always first.
  for (std::size_t j = out.size() - 1; j > 0; --j) {
    std::swap(out.data()[j], out.data()[uniform_below(static_cast<uint32_t>(j + 1))]);
  }
  return out;
}

}  // namespace coffer::vault
