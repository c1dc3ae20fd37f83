// AES-256-GCM authenticated encryption with associated data.
// seal() output: 12-byte random nonce || ciphertext || 16-byte tag.
// open() fails (kInternal, "decryption failed") if the key, the blob or the
// associated data differ in any bit: the associated data binds a ciphertext
// to where it belongs, so a blob copied elsewhere never decrypts to garbage.
// The associated data is authenticated, not encrypted.
#pragma once

#include <string>
#include <string_view>

#include "common/secure_memory.hpp"
#include "common/status.hpp"

namespace coffer::crypto {

constexpr std::size_t kAeadKeySize = 32;

// `key` must be kAeadKeySize bytes.
Result<std::string> aead_seal(const SecureString& key, std::string_view plaintext, std::string_view associated_data);
Result<SecureString> aead_open(const SecureString& key, std::string_view blob, std::string_view associated_data);

}  // namespace coffer::crypto
