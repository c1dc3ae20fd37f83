// For SEAL-SPEC.md §3 S2/S13: the files under a directory that hold a
// secret in any of the forms it could be written in — raw, hex (either
// case), base64 or base64url.
#pragma once

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "common/base64.hpp"

namespace coffer::seal::testing {

inline std::vector<std::string> files_holding(const std::filesystem::path& dir, std::string_view secret) {
  std::string upper = hex_encode(secret);
  std::transform(upper.begin(), upper.end(), upper.begin(), [](unsigned char c) { return std::toupper(c); });
  const std::vector<std::string> forms = {std::string(secret), hex_encode(secret), upper, base64_encode(secret),
                                          base64url_encode(secret)};
  std::vector<std::string> found;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
    if (!entry.is_regular_file()) continue;
    std::ifstream in(entry.path(), std::ios::binary);
    const std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    for (const auto& form : forms) {
      if (content.find(form) != std::string::npos) {
        found.push_back(entry.path().string());
        break;
      }
    }
  }
  return found;
}

}  // namespace coffer::seal::testing
