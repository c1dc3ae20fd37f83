// Seeded mutation of valid inputs for the parser robustness tests: byte
// flips, truncations, deletions and insertions of JSON/YAML/URL
// metacharacters. Same seed, same sequence: failures repeat.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <exception>
#include <random>
#include <string>

#include "common/status.hpp"

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
      case 1: s.insert(at, 1, kMeta[rng() % kMeta.size()]); break;
      case 2: s.resize(at); break;
      default:
        if (!s.empty()) s.erase(at, 1 + rng() % 8);
        break;
    }
  }
  return s;
}

// Runs `parse` (input → Status) on `valid`, which must pass, then on `rounds`
// mutations of it: a failure must satisfy `acceptable` (e.g. "a client
// error"); an exception is a test failure.
template <typename Parse, typename Acceptable>
void expect_robust(const std::string& what, const std::string& valid, Parse parse, Acceptable acceptable, uint32_t seed,
                   int rounds) {
  const Status seed_status = parse(valid);
  ASSERT_TRUE(seed_status.ok()) << what << ": the seed input must be valid: " << seed_status.message();
  std::mt19937 rng(seed);
  for (int i = 0; i < rounds; ++i) {
    const std::string input = mutate(valid, rng);
    try {
      const Status st = parse(input);
      if (!st.ok()) {
        EXPECT_TRUE(acceptable(st)) << what << " on " << ::testing::PrintToString(input) << ": " << st.message();
      }
    } catch (const std::exception& e) {
      ADD_FAILURE() << what << " threw " << e.what() << " on " << ::testing::PrintToString(input);
    }
  }
}

}  // namespace coffer::testing
