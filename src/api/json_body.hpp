// Reading request bodies as JSON: the body must be one JSON object; typed
// accessors report a wrong type as kBadParameter naming the field; WipeOnExit
// (common/json_wipe.hpp) zeroes a body's strings. And the array of strings an
// answer writes (string_array).
#pragma once

#include <boost/json.hpp>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/json_wipe.hpp"
#include "common/status.hpp"

namespace coffer::api {

Result<boost::json::object> parse_json_object(std::string_view body);

// Absent (or null) → nullopt; present with another type → kBadParameter.
Result<std::optional<std::string>> opt_string(const boost::json::object& o, std::string_view key);
Result<std::optional<bool>> opt_bool(const boost::json::object& o, std::string_view key);
Result<std::optional<int64_t>> opt_int(const boost::json::object& o, std::string_view key);
Result<std::optional<boost::json::object>> opt_object(const boost::json::object& o, std::string_view key);
// An array of strings.
Result<std::optional<std::vector<std::string>>> opt_string_array(const boost::json::object& o, std::string_view key);
// The JSON array of `items`, for answers.
boost::json::array string_array(const std::vector<std::string>& items);
// A flat string→string map (tags).
Result<std::optional<std::map<std::string, std::string>>> opt_string_map(const boost::json::object& o,
                                                                         std::string_view key);

}  // namespace coffer::api
