#include "crypto/keyring.hpp"

#include <cstdint>

#include "crypto/aead.hpp"
#include "crypto/openssl_util.hpp"
#include "crypto/random.hpp"

namespace coffer::crypto {
namespace {

// Sealed blob layout: version || u16 big-endian length of the wrapped DEK ||
// wrapped DEK || payload (AEAD under the DEK).
constexpr char kFormatV1 = 0x01;
constexpr std::size_t kHeaderSize = 3;

using ossl::decryption_failed;

// Associated data for each level. The owner is length-prefixed so that no
// (owner, ad) pair can be spelled like another.
std::string kek_ad(std::string_view owner) { return "kek:" + std::string(owner); }
std::string dek_ad(std::string_view owner, std::string_view ad) {
  return "dek:" + std::to_string(owner.size()) + ":" + std::string(owner) + ":" + std::string(ad);
}
std::string system_ad(std::string_view ad) { return "system:" + std::string(ad); }

// Cache key: a KEK is only valid for the owner it was wrapped for.
std::string cache_key(std::string_view owner, std::string_view wrapped_kek) {
  return std::to_string(owner.size()) + ":" + std::string(owner) + std::string(wrapped_kek);
}

}  // namespace

constexpr std::size_t kMaxCachedDeks = 8192;

Keyring::Keyring(SecureString root_key) : root_(std::move(root_key)) {}

Result<std::string> Keyring::new_wrapped_kek(std::string_view owner) {
  SecureString kek = random_bytes(kAeadKeySize);
  return aead_seal(root_, kek.view(), kek_ad(owner));
}

Result<SecureString> Keyring::kek(std::string_view owner, std::string_view wrapped_kek) {
  const std::string key = cache_key(owner, wrapped_kek);
  {
    ReaderLock lock(mu_);
    if (auto it = keks_.find(key); it != keks_.end()) return it->second;
  }
  WriterLock lock(mu_);
  if (auto it = keks_.find(key); it != keks_.end()) return it->second;
  Result<SecureString> unwrapped = aead_open(root_, wrapped_kek, kek_ad(owner));
  if (!unwrapped.ok() || unwrapped->size() != kAeadKeySize) return decryption_failed();
  keks_.emplace(key, *unwrapped);
  return unwrapped;
}

Result<std::string> Keyring::seal(std::string_view owner, std::string_view wrapped_kek, std::string_view plaintext,
                                  std::string_view associated_data) {
  COFFER_ASSIGN_OR_RETURN(SecureString vault_kek, kek(owner, wrapped_kek));
  SecureString dek = random_bytes(kAeadKeySize);
  COFFER_ASSIGN_OR_RETURN(std::string wrapped_dek, aead_seal(vault_kek, dek.view(), dek_ad(owner, associated_data)));
  COFFER_ASSIGN_OR_RETURN(std::string payload, aead_seal(dek, plaintext, associated_data));
  if (wrapped_dek.size() > UINT16_MAX) return Status(Code::kInternal, "wrapped data key too long");
  std::string out;
  out.reserve(kHeaderSize + wrapped_dek.size() + payload.size());
  out += kFormatV1;
  out += static_cast<char>((wrapped_dek.size() >> 8) & 0xff);
  out += static_cast<char>(wrapped_dek.size() & 0xff);
  out += wrapped_dek;
  out += payload;
  return out;
}

Result<SecureString> Keyring::open(std::string_view owner, std::string_view wrapped_kek, std::string_view sealed,
                                   std::string_view associated_data) {
  if (sealed.size() < kHeaderSize || sealed[0] != kFormatV1) return decryption_failed();
  const std::size_t dek_len =
      (static_cast<std::size_t>(static_cast<uint8_t>(sealed[1])) << 8) | static_cast<uint8_t>(sealed[2]);
  if (sealed.size() - kHeaderSize < dek_len) return decryption_failed();
  std::string_view wrapped_dek = sealed.substr(kHeaderSize, dek_len);
  std::string_view payload = sealed.substr(kHeaderSize + dek_len);

  // Every input of the data key's unwrap, length-prefixed, names the cache entry.
  std::string dek_key;
  dek_key.reserve(owner.size() + wrapped_kek.size() + associated_data.size() + wrapped_dek.size() + 16);
  for (std::string_view part : {owner, wrapped_kek, associated_data, wrapped_dek}) {
    dek_key += std::to_string(part.size());
    dek_key += ':';
    dek_key += part;
  }
  {
    ReaderLock lock(dek_mu_);
    if (auto it = deks_.find(dek_key); it != deks_.end()) {
      Result<SecureString> plaintext = aead_open(it->second, payload, associated_data);
      if (!plaintext.ok()) return decryption_failed();
      return plaintext;
    }
  }
  Result<SecureString> vault_kek = kek(owner, wrapped_kek);
  if (!vault_kek.ok()) return decryption_failed();
  Result<SecureString> dek = aead_open(*vault_kek, wrapped_dek, dek_ad(owner, associated_data));
  if (!dek.ok()) return decryption_failed();
  Result<SecureString> plaintext = aead_open(*dek, payload, associated_data);
  if (!plaintext.ok()) return decryption_failed();
  {
    WriterLock lock(dek_mu_);
    if (deks_.size() >= kMaxCachedDeks) deks_.clear();  // SecureString wipes each key
    deks_.emplace(std::move(dek_key), std::move(*dek));
  }
  return plaintext;
}

Result<std::string> Keyring::seal_system(std::string_view plaintext, std::string_view associated_data) {
  return aead_seal(root_, plaintext, system_ad(associated_data));
}

Result<SecureString> Keyring::open_system(std::string_view sealed, std::string_view associated_data) {
  Result<SecureString> plaintext = aead_open(root_, sealed, system_ad(associated_data));
  if (!plaintext.ok()) return decryption_failed();
  return plaintext;
}

}  // namespace coffer::crypto
