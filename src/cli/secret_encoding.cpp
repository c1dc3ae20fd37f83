#include "cli/secret_encoding.hpp"

#include "common/base64.hpp"

namespace coffer::cli {
namespace {

std::string without_whitespace(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    if (c != ' ' && c != '\t' && c != '\r' && c != '\n') out += c;
  }
  return out;
}

Status unknown_encoding(std::string_view encoding) {
  return Status(Code::kBadParameter, "Unsupported encoding '" + std::string(encoding) + "'; use utf-8, base64 or hex.");
}

}  // namespace

bool is_valid_utf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::size_t len = 0;
    uint32_t cp = 0;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xE0) == 0xC0) {
      len = 2;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      len = 3;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      len = 4;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (i + len > s.size()) return false;
    for (std::size_t k = 1; k < len; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    const uint32_t min = len == 2 ? 0x80 : len == 3 ? 0x800 : 0x10000;
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += len;
  }
  return true;
}

Result<std::string> encode_file_content(std::string_view bytes, std::string_view encoding) {
  if (encoding == "utf-8") {
    if (!is_valid_utf8(bytes)) {
      return Status(Code::kBadParameter, "The file is not valid UTF-8; use --encoding base64 or hex.");
    }
    return std::string(bytes);
  }
  if (encoding == "base64") return base64_encode(bytes);
  if (encoding == "hex") return hex_encode(bytes);
  return unknown_encoding(encoding);
}

Result<std::string> decode_secret_value(std::string_view value, std::string_view encoding) {
  if (encoding == "utf-8") return std::string(value);
  if (encoding == "base64") {
    auto decoded = base64_decode(without_whitespace(value));
    if (!decoded) return Status(Code::kBadParameter, "The secret value is not valid base64.");
    return std::move(*decoded);
  }
  if (encoding == "hex") {
    auto decoded = hex_decode(without_whitespace(value));
    if (!decoded) return Status(Code::kBadParameter, "The secret value is not valid hex.");
    return std::move(*decoded);
  }
  return unknown_encoding(encoding);
}

Result<std::map<std::string, std::string>> parse_tags(const std::vector<std::string>& args) {
  std::map<std::string, std::string> tags;
  for (const auto& arg : args) {
    if (arg.empty()) continue;
    const auto eq = arg.find('=');
    std::string key = arg.substr(0, eq);
    if (key.empty()) return Status(Code::kBadParameter, "Tag '" + arg + "' has no name; use --tags name=value.");
    tags[key] = eq == std::string::npos ? "" : arg.substr(eq + 1);
  }
  return tags;
}

}  // namespace coffer::cli
