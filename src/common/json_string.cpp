#include "common/json_string.hpp"

#include "common/utf8.hpp"

namespace coffer {

namespace {

// A byte that stands for itself in a JSON string: printable ASCII except '"' and '\\'.
bool stands_for_itself(unsigned char u) { return u >= 0x20 && u < 0x80 && u != '"' && u != '\\'; }

}  // namespace

void append_json_string(std::string& out, std::string_view s) {
  out += '"';
  append_json_string_contents(out, s);
  out += '"';
}

void append_json_string_contents(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::size_t i = 0;
  while (i < s.size()) {
    std::size_t run = i;  // plain bytes go out as one append, not one by one
    while (run < s.size() && stands_for_itself(static_cast<unsigned char>(s[run]))) ++run;
    out.append(s, i, run - i);
    i = run;
    if (i == s.size()) break;
    const char c = s[i];
    const auto u = static_cast<unsigned char>(c);
    if (u >= 0x80) {
      const std::size_t n = utf8::sequence_length(s.substr(i));
      if (n == 0) {
        out += "\\ufffd";
        ++i;
      } else {
        out.append(s, i, n);
        i += n;
      }
      continue;
    }
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      default:  // the other control characters
        out += "\\u00";
        out += kHex[u >> 4];
        out += kHex[u & 0x0f];
    }
    ++i;
  }
}

}  // namespace coffer
