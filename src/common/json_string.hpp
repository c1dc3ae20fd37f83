// append_json_string(): `s` as a JSON string literal (quotes, backslash and
// control characters escaped; well-formed UTF-8 as it is; each byte that does
// not begin a well-formed UTF-8 sequence as \ufffd, the rule of utf8.hpp),
// appended to `out`, so the literal is always valid JSON text. For code that writes JSON by hand: per-request audit
// records, and responses holding a secret that must land only in a buffer
// the caller wipes.
#pragma once

#include <string>
#include <string_view>

namespace coffer {

void append_json_string(std::string& out, std::string_view s);
// The same without the quotes: for a literal written in pieces.
void append_json_string_contents(std::string& out, std::string_view s);
// The most bytes append_json_string() can add for `s` (for reserving).
inline std::size_t json_string_max_size(std::string_view s) { return 2 + 6 * s.size(); }

}  // namespace coffer
