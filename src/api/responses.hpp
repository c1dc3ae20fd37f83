// Building HTTP responses for the AKV surface: JSON bodies with AKV's
// content type, and the single mapping of a Status to an HTTP status and an
// AKV error body {"error":{"code","message","innererror":{"code"}}}.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include "common/status.hpp"
#include "http/message.hpp"

namespace coffer::api {

// The body is always valid UTF-8 (invalid bytes in strings become U+FFFD).
http::Response json_response(int status, const boost::json::value& body);
// A response with the JSON content type and no body yet, for an answer
// written by hand into its body.
http::Response json_shell(int status, bool sensitive);
// An answer whose JSON holds a secret (a client secret, a password, tokens,
// seal shares, secret values): marked sensitive (wiped once sent),
// serialized without leaving partial copies behind, and `body`'s strings
// wiped here.
http::Response sensitive_json_response(int status, boost::json::object body);
// 200 with `body`, through sensitive_json_response() when `holds_secret`
// (a signing secret shown once).
http::Response revealing_response(boost::json::object body, bool holds_secret);
// 204 / empty-body responses.
http::Response empty_response(int status);
// The one Status → (HTTP status, AKV error code) mapping. Internal errors
// get a generic message so nothing about internals leaks to clients.
http::Response error_response(const Status& status);
// The AKV error the HTTP layer sends for a request it refused itself
// (http::ServerOptions::failure_response): same shape, its own status.
http::Response failure_response(http::Failure failure);
// A kThrottled Status's Retry-After value (its reason; "1" when unusable).
std::string retry_after_seconds(const Status& throttled);
// The AKV error code string for a Status (e.g. "SecretNotFound").
const char* akv_error_code(Code code);
int http_status_of(Code code);
// "OK", "Created", "NotFound"… as Azure's audit resultSignature spells them.
const char* reason_phrase(int http_status);

}  // namespace coffer::api
