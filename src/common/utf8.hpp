// UTF-8 validation and repair for every string that reaches JSON (audit
// records, API responses, error messages): request bytes are attacker
// controlled, and one invalid byte in an audit line would make the line
// unparsable for `coffer audit verify`. The rule is the same everywhere:
// each byte that does not begin a well-formed UTF-8 sequence (RFC 3629: no
// overlong forms, no surrogates, nothing above U+10FFFF) is replaced by
// U+FFFD; well-formed text passes through unchanged.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace coffer::utf8 {

// The length (1-4) of the well-formed sequence starting at s[0], or 0 when
// s[0] does not begin one (s must not be empty).
std::size_t sequence_length(std::string_view s);
bool is_valid(std::string_view s);
// `s` with every byte that does not begin a well-formed sequence replaced by
// U+FFFD (EF BF BD).
std::string repaired(std::string_view s);

}  // namespace coffer::utf8
