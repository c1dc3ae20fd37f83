// Turns a non-2xx HTTP response into the Status the CLI prints as
// "ERROR: <message>". The message is "(<code>) <text>" taken from, in order:
// an AKV error {"error":{"code","message"}}, an OAuth2 error
// {"error","error_description"}, or else "(HTTP <status>) <reason>".
// The Status code follows the HTTP status (404 → kNotFound, 409 → kConflict…).
#pragma once

#include <string_view>

#include "common/status.hpp"
#include "http/message.hpp"

namespace coffer::cli {

Status status_from_response(const http::Response& response);

// First header with this name (case-insensitive), or empty.
std::string_view response_header(const http::Response& response, std::string_view name);

}  // namespace coffer::cli
