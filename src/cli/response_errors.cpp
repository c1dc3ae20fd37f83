#include "cli/response_errors.hpp"

#include <boost/json.hpp>

#include "common/ascii.hpp"

namespace coffer::cli {
namespace json = boost::json;
namespace {

Code code_for(int status) {
  switch (status) {
    case 400: return Code::kBadParameter;
    case 401: return Code::kUnauthorized;
    case 403: return Code::kForbidden;
    case 404: return Code::kNotFound;
    case 405: return Code::kMethodNotAllowed;
    case 409: return Code::kConflict;
    case 413: return Code::kPayloadTooLarge;
    case 503: return Code::kUnavailable;
    default: return Code::kInternal;
  }
}

std::string reason_for(int status) {
  switch (status) {
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 409: return "Conflict";
    case 413: return "Payload Too Large";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    default: return "Unexpected status";
  }
}

std::string text_of(const json::value* v) { return v && v->is_string() ? std::string(v->get_string()) : std::string(); }

// "(label) text", the CLI's form of an error.
std::string labelled(std::string_view label, std::string_view text) {
  std::string out;
  out.reserve(label.size() + text.size() + 3);
  out.append("(").append(label).append(") ").append(text);
  return out;
}

}  // namespace

std::string_view response_header(const http::Response& response, std::string_view name) {
  for (const auto& [k, v] : response.headers) {
    if (iequals_ascii(k, name)) return v;
  }
  return {};
}

Status status_from_response(const http::Response& r) {
  const Code code = code_for(r.status);
  boost::system::error_code ec;
  json::value doc = json::parse(r.body, ec);
  if (!ec && doc.is_object()) {
    const json::object& o = doc.get_object();
    if (const auto* err = o.if_contains("error"); err && err->is_object()) {
      const std::string c = text_of(err->get_object().if_contains("code"));
      const std::string m = text_of(err->get_object().if_contains("message"));
      if (!c.empty() || !m.empty()) return Status(code, labelled(c.empty() ? "Error" : c, m));
    }
    if (const auto* err = o.if_contains("error"); err && err->is_string()) {
      const std::string d = text_of(o.if_contains("error_description"));
      return Status(code, labelled(err->get_string(), d.empty() ? reason_for(r.status) : d));
    }
  }
  return Status(code, labelled("HTTP " + std::to_string(r.status), reason_for(r.status)));
}

}  // namespace coffer::cli
