// The api-version query parameter of the data plane: 2016-10-01, 7.0–7.6
// (each also with "-preview" or "-preview.N"), 2025-06-01, 2025-07-01 and 2026-04-01.
// Anything else, or a missing value, is 400 BadParameter in AKV's words.
#pragma once

#include <optional>
#include <string_view>

#include "common/status.hpp"

namespace coffer::api {

constexpr std::string_view kLatestApiVersion = "2026-04-01";

Status check_api_version(std::optional<std::string_view> value);

}  // namespace coffer::api
