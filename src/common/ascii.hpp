// ASCII case folding and character classes, independent of the C locale.
// HTTP header names, AKV object names, vault names, GUIDs and role actions
// are ASCII by rule; bytes outside A-Z are left as they are. (std::tolower
// is a locale-dependent call per character, and showed in the GET profile.)
#pragma once

#include <string>
#include <string_view>

namespace coffer {

constexpr char ascii_lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + ('a' - 'A')) : c; }

constexpr bool ascii_alnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

// True when a and b are equal ignoring the case of A-Z.
constexpr bool iequals_ascii(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
  }
  return true;
}

// True when s begins with prefix, ignoring the case of A-Z.
constexpr bool istarts_with_ascii(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && iequals_ascii(s.substr(0, prefix.size()), prefix);
}

// True when s ends with suffix, ignoring the case of A-Z.
constexpr bool iends_with_ascii(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && iequals_ascii(s.substr(s.size() - suffix.size()), suffix);
}

inline void lower_ascii_in_place(std::string& s) {
  for (char& c : s) c = ascii_lower(c);
}

inline std::string upper_ascii(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = (c >= 'a' && c <= 'z') ? static_cast<char>(c - ('a' - 'A')) : c;
  return out;
}

inline std::string lower_ascii(std::string_view s) {
  std::string out(s);
  lower_ascii_in_place(out);
  return out;
}

}  // namespace coffer
