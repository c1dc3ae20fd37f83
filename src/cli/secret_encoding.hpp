// How `secret set --file` turns file bytes into a secret value and how
// `secret download` turns it back, with az's encodings:
//   utf-8  — the bytes as they are (must be valid UTF-8);
//   base64 — standard padded base64 of the bytes;
//   hex    — lower-case hex of the bytes.
// Also the parsing of az-style `--tags k=v k2=v2` arguments.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.hpp"

namespace coffer::cli {

// The tag az records on secrets set from a file, naming the encoding.
inline constexpr const char* kFileEncodingTag = "file-encoding";

bool is_valid_utf8(std::string_view bytes);
Result<std::string> encode_file_content(std::string_view bytes, std::string_view encoding);
// Decoding ignores ASCII whitespace in base64 and hex text.
Result<std::string> decode_secret_value(std::string_view value, std::string_view encoding);

// "k=v" → {k: v}; "k" → {k: ""}; "" alone → {} (clears the tags); a later
// duplicate key wins. kBadParameter for an empty key.
Result<std::map<std::string, std::string>> parse_tags(const std::vector<std::string>& args);

}  // namespace coffer::cli
