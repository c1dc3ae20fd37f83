// Base64 (RFC 4648 §4, padded) and base64url (§5, unpadded on output).
// Decoders accept input with or without padding and reject any other
// character, returning std::nullopt.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace coffer {

std::string base64_encode(std::string_view bytes);
// base64_encode() appended to `out`, with no other copy of the bytes made.
void append_base64(std::string& out, std::string_view bytes);
std::string base64url_encode(std::string_view bytes);
// base64url_encode() appended to `out`, with no other copy of the bytes made.
void append_base64url(std::string& out, std::string_view bytes);
// The length of base64url_encode(bytes) for `size` bytes.
constexpr std::size_t base64url_size(std::size_t size) { return size / 3 * 4 + (size % 3 == 0 ? 0 : size % 3 + 1); }
std::optional<std::string> base64_decode(std::string_view text);
std::optional<std::string> base64url_decode(std::string_view text);

std::string hex_encode(std::string_view bytes);
// Upper- or lower-case hex of even length; std::nullopt for anything else.
std::optional<std::string> hex_decode(std::string_view text);

}  // namespace coffer
