#include "api/api_version.hpp"

#include <array>
#include <cctype>
#include <string>

namespace coffer::api {
namespace {

// 2026-04-01 is the default of @azure/keyvault-secrets 4.12; on the wire it
// is 2025-07-01 (docs/akv-wire-facts.md).
constexpr std::array<std::string_view, 11> kVersions = {
    "2016-10-01", "7.0", "7.1", "7.2", "7.3", "7.4", "7.5", "7.6", "2025-06-01", "2025-07-01", "2026-04-01"};

bool preview_suffix_ok(std::string_view rest) {
  if (rest.empty()) return true;
  if (rest.substr(0, 8) != "-preview") return false;
  rest.remove_prefix(8);
  if (rest.empty()) return true;
  if (rest.front() != '.' || rest.size() == 1 || rest.size() > 4) return false;
  for (char c : rest.substr(1)) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

}  // namespace

Status check_api_version(std::optional<std::string_view> value) {
  if (!value || value->empty()) {
    return Status(Code::kBadParameter, "The api-version query parameter (?api-version=) is required for all requests.");
  }
  for (std::string_view v : kVersions) {
    if (value->substr(0, v.size()) == v && preview_suffix_ok(value->substr(v.size()))) return Status::Ok();
  }
  return Status(Code::kBadParameter, "The specified version (" + std::string(value->substr(0, 64)) +
                                         ") is not recognized. Consider using the latest supported version (" +
                                         std::string(kLatestApiVersion) + ").");
}

}  // namespace coffer::api
