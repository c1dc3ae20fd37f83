// Seeded mutation of valid inputs for the parser robustness tests: byte
// flips, truncations, deletions and insertions of JSON/YAML/URL
// metacharacters. Same seed, same sequence: failures repeat.
#pragma once

#include <random>
#include <string>

namespace coffer::testing {

inline std::string mutate(std::string s, std::mt19937& rng) {
  static const std::string kMeta = "{}[]:,-|>&*!%@`'\"#\n\t \\/?=+0123456789";
  std::uniform_int_distribution<int> op(0, 3);
  const int edits = 1 + static_cast<int>(rng() % 4);
  for (int i = 0; i < edits; ++i) {
    const std::size_t at = s.empty() ? 0 : rng() % s.size();
    switch (op(rng)) {
      case 0:
        if (!s.empty()) s[at] = static_cast<char>(rng() % 256);
        break;
      case 1:
        s.insert(at, 1, kMeta[rng() % kMeta.size()]);
        break;
      case 2:
        s.resize(at);
        break;
      default:
        if (!s.empty()) s.erase(at, 1 + rng() % 8);
        break;
    }
  }
  return s;
}

}  // namespace coffer::testing
