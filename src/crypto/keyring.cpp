#include "crypto/keyring.hpp"

#include <algorithm>
#include <cstdint>
#include <optional>

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

// Root-key blobs (wrapped KEKs, system blobs) of a known generation.
constexpr std::string_view kGenerationTag = "\xC0RK";
constexpr std::size_t kTaggedHeader = kGenerationTag.size() + 4;

std::string tag_generation(int generation, std::string blob) {
  std::string out(kGenerationTag);
  for (int shift : {24, 16, 8, 0}) out += static_cast<char>((static_cast<uint32_t>(generation) >> shift) & 0xff);
  return out + blob;
}

// The generation a tag names (0: untagged).
int tagged_generation(std::string_view wrapped) {
  if (wrapped.size() <= kTaggedHeader || wrapped.substr(0, kGenerationTag.size()) != kGenerationTag) return 0;
  uint32_t g = 0;
  for (std::size_t i = 0; i < 4; ++i) g = (g << 8) | static_cast<uint8_t>(wrapped[kGenerationTag.size() + i]);
  return g == 0 || g > INT32_MAX ? 0 : static_cast<int>(g);
}

// Cache key: a KEK is only valid for the owner it was wrapped for.
std::string cache_key(std::string_view owner, std::string_view wrapped_kek) {
  return std::to_string(owner.size()) + ":" + std::string(owner) + std::string(wrapped_kek);
}

}  // namespace

constexpr std::size_t kMaxCachedDeks = 8192;

Keyring::Keyring(SecureString root_key) { roots_.emplace(1, std::move(root_key)); }

Keyring::Keyring(RootKeys keys, int active, GenerationLoader load_generation)
    : roots_(std::move(keys)), active_(active), load_generation_(std::move(load_generation)) {}

int Keyring::generation_of(std::string_view wrapped) {
  const int g = tagged_generation(wrapped);
  return g == 0 ? 1 : g;
}

int Keyring::active_generation() const {
  ReaderLock lock(roots_mu_);
  return active_;
}

bool Keyring::under_active_generation(std::string_view wrapped) const {
  return tagged_generation(wrapped) == active_generation();
}

Status Keyring::adopt(RootKeys keys, int active) {
  WriterLock lock(roots_mu_);
  for (auto& [g, key] : keys) {
    if (key.size() != kAeadKeySize) return Status(Code::kInternal, "a root key must be 32 bytes");
    roots_.insert_or_assign(g, std::move(key));
  }
  if (roots_.count(active) == 0) return Status(Code::kInternal, "the active root key generation is not loaded");
  active_ = std::max(active_, active);
  return Status::Ok();
}

void Keyring::load_generations() {
  if (!load_generation_) return;
  auto loaded = load_generation_();
  // On an event loop, where the seal cannot be read, keep what is held.
  if (!loaded.ok() || loaded->empty()) return;
  const int newest = loaded->rbegin()->first;  // before the keys move
  (void)adopt(std::move(*loaded), newest);
}

void Keyring::retire_below(int generation) {
  WriterLock lock(roots_mu_);
  roots_.erase(roots_.begin(), roots_.lower_bound(std::min(generation, active_)));
}

Result<std::string> Keyring::seal_under_root(std::string_view plaintext, std::string_view associated_data) {
  load_generations();  // wrap under the newest generation, even when another server made it
  ReaderLock lock(roots_mu_);
  auto root = roots_.find(active_);
  if (root == roots_.end()) return Status(Code::kInternal, "the active root key generation is not loaded");
  COFFER_ASSIGN_OR_RETURN(std::string blob, aead_seal(root->second, plaintext, associated_data));
  return tag_generation(active_, std::move(blob));
}

Result<SecureString> Keyring::open_under_root(std::string_view wrapped, std::string_view associated_data) {
  const int tagged = tagged_generation(wrapped);
  const int generation = tagged == 0 ? 1 : tagged;
  const std::string_view blob = tagged == 0 ? wrapped : wrapped.substr(kTaggedHeader);
  auto open_with = [&](int g, std::string_view b) -> std::optional<Result<SecureString>> {
    ReaderLock lock(roots_mu_);
    auto it = roots_.find(g);
    if (it == roots_.end()) return std::nullopt;
    return aead_open(it->second, b, associated_data);
  };
  auto opened = open_with(generation, blob);
  if (!opened && load_generation_) {  // rotated elsewhere: load what the seal knows now
    load_generations();
    opened = open_with(generation, blob);
  }
  if ((!opened || !opened->ok()) && tagged != 0) {  // an untagged blob whose nonce happens to start like a tag
    if (auto legacy = open_with(1, wrapped); legacy && legacy->ok()) return std::move(*legacy);
  }
  if (!opened) {
    return Status(Code::kUnavailable,
                  "root key generation " + std::to_string(generation) + " is not loaded on this server");
  }
  return std::move(*opened);
}

Result<std::string> Keyring::new_wrapped_kek(std::string_view owner) {
  SecureString kek = random_bytes(kAeadKeySize);
  return seal_under_root(kek.view(), kek_ad(owner));
}

Result<std::string> Keyring::rewrap_kek(std::string_view owner, std::string_view wrapped_kek) {
  if (under_active_generation(wrapped_kek)) return std::string(wrapped_kek);
  COFFER_ASSIGN_OR_RETURN(SecureString vault_kek, kek(owner, wrapped_kek));
  return seal_under_root(vault_kek.view(), kek_ad(owner));
}

Result<std::string> Keyring::reseal_system(std::string_view sealed, std::string_view associated_data) {
  COFFER_ASSIGN_OR_RETURN(SecureString plain, open_system(sealed, associated_data));
  return seal_system(plain.view(), associated_data);
}

Result<SecureString> Keyring::kek(std::string_view owner, std::string_view wrapped_kek) {
  const std::string key = cache_key(owner, wrapped_kek);
  {
    ReaderLock lock(mu_);
    if (auto it = keks_.find(key); it != keks_.end()) return it->second;
  }
  WriterLock lock(mu_);
  if (auto it = keks_.find(key); it != keks_.end()) return it->second;
  Result<SecureString> unwrapped = open_under_root(wrapped_kek, kek_ad(owner));
  if (!unwrapped.ok() && unwrapped.status().code() == Code::kUnavailable) return unwrapped.status();
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
  if (!vault_kek.ok()) return vault_kek.status();  // decryption_failed(), or a generation not loaded
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
  return seal_under_root(plaintext, system_ad(associated_data));
}

Result<SecureString> Keyring::open_system(std::string_view sealed, std::string_view associated_data) {
  Result<SecureString> plaintext = open_under_root(sealed, system_ad(associated_data));
  if (!plaintext.ok() && plaintext.status().code() == Code::kUnavailable) return plaintext.status();
  if (!plaintext.ok()) return decryption_failed();
  return plaintext;
}

}  // namespace coffer::crypto
