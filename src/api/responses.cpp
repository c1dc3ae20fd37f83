#include "api/responses.hpp"

#include <spdlog/spdlog.h>

#include <boost/json.hpp>

#include "common/json_wipe.hpp"
#include "common/secure_memory.hpp"
#include "common/utf8.hpp"

namespace coffer::api {
namespace json = boost::json;

namespace {

http::Response json_body_response(int status, const json::value& body, bool sensitive) {
  http::Response r = json_shell(status, sensitive);
  r.body = sensitive ? serialize_wiping(body) : json::serialize(body);
  // Boost.JSON copies bytes as they are; names and messages can carry
  // percent-decoded request bytes, so the body is repaired (utf8.hpp) when
  // it is not valid UTF-8 — outside strings it is ASCII, so this only ever
  // touches string contents.
  if (!utf8::is_valid(r.body)) {
    std::string repaired = utf8::repaired(r.body);
    if (sensitive) secure_wipe(r.body.data(), r.body.size());
    r.body = std::move(repaired);
  }
  return r;
}

}  // namespace

http::Response json_shell(int status, bool sensitive) {
  http::Response r;
  r.status = status;
  r.sensitive = sensitive;
  r.headers.emplace_back("Content-Type", "application/json; charset=utf-8");
  return r;
}

http::Response json_response(int status, const json::value& body) { return json_body_response(status, body, false); }

http::Response sensitive_json_response(int status, json::object body) {
  http::Response r = json_body_response(status, body, true);
  wipe_strings(body);
  return r;
}

http::Response revealing_response(json::object body, bool holds_secret) {
  if (holds_secret) return sensitive_json_response(200, std::move(body));
  return json_response(200, body);
}

http::Response empty_response(int status) {
  http::Response r;
  r.status = status;
  return r;
}

int http_status_of(Code code) {
  switch (code) {
    case Code::kOk: return 200;
    case Code::kBadParameter: return 400;
    case Code::kUnauthorized: return 401;
    case Code::kForbidden: return 403;
    case Code::kNotFound:
    case Code::kVaultNotFound:
    case Code::kSecretNotFound:
    case Code::kKeyNotFound:
    case Code::kCertificateNotFound: return 404;
    case Code::kMethodNotAllowed: return 405;
    case Code::kConflict: return 409;
    case Code::kPayloadTooLarge: return 413;
    case Code::kUnavailable: return 503;
    case Code::kThrottled: return 429;
    case Code::kInternal: return 500;
  }
  return 500;
}

const char* akv_error_code(Code code) {
  switch (code) {
    case Code::kOk: return "OK";
    case Code::kBadParameter: return "BadParameter";
    case Code::kUnauthorized: return "Unauthorized";
    case Code::kForbidden: return "Forbidden";
    case Code::kNotFound: return "NotFound";
    case Code::kVaultNotFound: return "VaultNotFound";
    case Code::kSecretNotFound: return "SecretNotFound";
    case Code::kKeyNotFound: return "KeyNotFound";
    case Code::kCertificateNotFound: return "CertificateNotFound";
    case Code::kMethodNotAllowed: return "MethodNotAllowed";
    case Code::kConflict: return "Conflict";
    case Code::kPayloadTooLarge: return "RequestEntityTooLarge";
    case Code::kUnavailable: return "ServiceUnavailable";
    case Code::kThrottled: return "Throttled";
    case Code::kInternal: return "InternalServerError";
  }
  return "InternalServerError";
}

const char* reason_phrase(int http_status) {
  switch (http_status) {
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 204: return "NoContent";
    case 400: return "BadRequest";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "NotFound";
    case 405: return "MethodNotAllowed";
    case 409: return "Conflict";
    case 413: return "RequestEntityTooLarge";
    case 429: return "TooManyRequests";
    case 503: return "ServiceUnavailable";
    default: return http_status < 400 ? "Success" : "InternalServerError";
  }
}

std::string retry_after_seconds(const Status& throttled) {
  const std::string& s = throttled.reason();
  const bool number = !s.empty() && s.size() <= 6 && s.find_first_not_of("0123456789") == std::string::npos;
  return number ? s : "1";
}

http::Response error_response(const Status& status) {
  // Clients get a generic text; the operator gets the real cause (internal
  // messages name files and storage errors, never secret values).
  if (status.code() == Code::kInternal) spdlog::error("internal error: {}", status.message());
  const std::string message = status.code() == Code::kInternal
                                  ? "The server encountered an internal error; see the server log."
                                  : status.message();
  // A specific "not found" (PendingCertificateNotFound, ContactsNotFound,
  // RoleAssignmentNotFound, …) is the top-level code, as AKV and ARM answer
  // it; other reasons go into innererror under the generic code.
  const bool specific_not_found = status.code() == Code::kNotFound && !status.reason().empty();
  const bool throttled = status.code() == Code::kThrottled;
  json::object err{{"code", specific_not_found ? status.reason() : std::string(akv_error_code(status.code()))},
                   {"message", message}};
  if (!status.reason().empty() && !specific_not_found && !throttled) {
    err["innererror"] = json::object{{"code", status.reason()}};
  }
  http::Response r = json_response(http_status_of(status.code()), json::object{{"error", err}});
  if (throttled) r.set_header("Retry-After", retry_after_seconds(status));
  // Unavailable (storage failing over, audit sink down): clients retry after a second.
  if (status.code() == Code::kUnavailable) r.set_header("Retry-After", "1");
  return r;
}

http::Response failure_response(http::Failure failure) {
  using F = http::Failure;
  const auto akv = [&](const char* code, const char* message) {
    return json_response(http::status_of(failure),
                         json::object{{"error", json::object{{"code", code}, {"message", message}}}});
  };
  switch (failure) {
    case F::kHeaderTooLarge: return akv("BadParameter", "The request header block is too large.");
    case F::kBodyTooLarge: return akv("RequestEntityTooLarge", "The request body is too large.");
    case F::kMalformed: return akv("BadParameter", "The request is not valid HTTP/1.1.");
    case F::kNoHost: return akv("BadParameter", "The request has no Host header (required in HTTP/1.1).");
    case F::kRepeatedHost: return akv("BadParameter", "The request has more than one Host header.");
    case F::kHandlerFailed: return akv("InternalServerError", "The server encountered an internal error.");
    case F::kInvalidResponse: return akv("InternalServerError", "The server produced an invalid response.");
  }
  return akv("InternalServerError", "The server encountered an internal error.");
}

}  // namespace coffer::api
