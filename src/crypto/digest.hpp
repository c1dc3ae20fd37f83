// Hashes and MACs over OpenSSL 3 with algorithms fetched once per process
// (OpenSSL 3's implicit fetch by name, as EVP_sha256() or EVP_Q_mac() do it,
// takes the provider store's locks on every call; these run per request).
// Thread-safe.
#pragma once

#include <array>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace coffer::crypto {

using Sha256Digest = std::array<unsigned char, 32>;

// SHA-256 of data (raw bytes).
std::string sha256(std::string_view data);
// The same without a heap allocation (a context reused per thread), for
// per-request lookups; nullopt only if OpenSSL fails.
std::optional<Sha256Digest> sha256_digest(std::string_view data);
// The same as 64 lowercase hex characters: how digests of tokens and log lines are stored.
std::string sha256_hex(std::string_view data);

// HMAC-SHA256(key, data), 32 raw bytes.
std::string hmac_sha256(std::string_view key, std::string_view data);
// HMAC-SHA1(key, data), 20 raw bytes (TOTP, crypto/totp.hpp; nothing else).
std::string hmac_sha1(std::string_view key, std::string_view data);

// HMAC-SHA256 under one key, set up once: mac() only copies a keyed context.
class HmacSha256 {
 public:
  explicit HmacSha256(std::string_view key);
  ~HmacSha256();
  HmacSha256(HmacSha256&&) noexcept;
  HmacSha256& operator=(HmacSha256&&) noexcept;
  // 32 raw bytes; empty only if OpenSSL fails (out of memory).
  std::string mac(std::string_view data) const;

 private:
  struct Keyed;
  std::unique_ptr<Keyed> keyed_;
};

}  // namespace coffer::crypto
