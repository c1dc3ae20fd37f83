// Generated secret values for rotation policies (EVENTS-SPEC.md §4).
// - kPassword: AWS GetRandomPassword's parameter set. Characters are drawn
//   uniformly from the allowed alphabet (lower, upper, digits, the 32 ASCII
//   punctuation marks, optionally the space, less excludeCharacters) with the
//   CSPRNG and rejection sampling; requireEachIncludedType places one of each
//   class that is left, then shuffles.
// - kRandomBytes: `length` random bytes as base64, base64url or hex.
// - kNone: no value here; an external rotator supplies it (only with one).
// check() refuses a spec that cannot produce a value (empty alphabet, fewer
// characters than required classes, sizes out of range) with kBadParameter,
// so a policy is refused when it is set, never when it is due.
#pragma once

#include <string>

#include "common/secure_memory.hpp"
#include "common/status.hpp"

namespace coffer::vault {

inline constexpr int kMaxPasswordLength = 4096;
inline constexpr int kMaxRandomBytes = 4096;

struct SecretGenerator {
  enum class Type { kPassword, kRandomBytes, kNone };
  Type type = Type::kPassword;
  int length = 32;  // characters (password) or bytes (random bytes)
  // Password options.
  std::string exclude_characters;
  bool exclude_numbers = false;
  bool exclude_punctuation = false;
  bool exclude_uppercase = false;
  bool exclude_lowercase = false;
  bool include_space = false;
  bool require_each_included_type = true;
  // Random bytes: "base64", "base64url" or "hex".
  std::string encoding = "base64";
};

Status check_generator(const SecretGenerator& g);
// A fresh value; `g` must have passed check_generator() and not be kNone.
SecureString generate_secret(const SecretGenerator& g);

}  // namespace coffer::vault
