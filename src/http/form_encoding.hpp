// Percent-encoding (RFC 3986: everything but unreserved characters) and
// application/x-www-form-urlencoded bodies, for clients of the HTTP API
// (the CLI, the CSI provider). Pure functions.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace coffer::http {

std::string percent_encode(std::string_view text);
// name=value&… with both sides percent-encoded. The result may hold a
// secret (a client secret): callers wipe it after sending.
std::string form_encode(const std::vector<std::pair<std::string, std::string>>& fields);

}  // namespace coffer::http
