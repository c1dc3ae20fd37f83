#include "api/oauth_responses.hpp"

#include <boost/json.hpp>

#include "api/responses.hpp"

namespace coffer::api {
namespace json = boost::json;

http::Response oauth_error(int status, const std::string& error, const std::string& description) {
  json::object body{{"error", error}, {"error_description", description}};
  if (description.rfind("AADSTS", 0) == 0) {
    int64_t code = 0;
    std::size_t i = 6;
    while (i < description.size() && i < 16 && description[i] >= '0' && description[i] <= '9') {
      code = code * 10 + (description[i++] - '0');
    }
    if (i > 6) body["error_codes"] = json::array{code};
  }
  auto r = json_response(status, body);
  r.set_header("Cache-Control", "no-store");
  return r;
}

http::Response oauth_throttled(const Status& st) {
  http::Response r = oauth_error(429, "temporarily_unavailable", "AADSTS90055: " + st.message());
  r.set_header("Retry-After", retry_after_seconds(st));
  return r;
}

std::variant<RequestedResource, http::Response> requested_resource(const std::map<std::string, std::string>& form,
                                                                   bool v1, std::string_view fallback) {
  auto field = [&](const char* k) {
    auto it = form.find(k);
    return it == form.end() ? std::string() : it->second;
  };
  RequestedResource out;
  if (std::string scope = field("scope"); !scope.empty()) {
    constexpr std::string_view kDefault = "/.default";
    std::size_t start = 0;
    while (start < scope.size()) {
      std::size_t end = scope.find(' ', start);
      std::string one = scope.substr(start, end == std::string::npos ? std::string::npos : end - start);
      if (one.size() > kDefault.size() && one.compare(one.size() - kDefault.size(), kDefault.size(), kDefault) == 0) {
        out.resource = one.substr(0, one.size() - kDefault.size());
        out.scope = one;
      }
      if (end == std::string::npos) break;
      start = end + 1;
    }
    if (out.resource.empty() && fallback.empty()) {
      return oauth_error(400, "invalid_scope", "AADSTS70011: The scope must be '<resource>/.default'.");
    }
  } else if (v1) {
    out.resource = field("resource");
    out.scope = out.resource + "/.default";
  }
  if (out.resource.empty() && !fallback.empty()) {
    out.resource = std::string(fallback);
    out.scope = out.resource + "/.default";
  }
  if (out.resource.empty() || out.resource.size() > 512 || out.resource.rfind("https://", 0) != 0) {
    return oauth_error(400, "invalid_request",
                       "AADSTS900144: The request must name an https resource in 'scope' (v2) or 'resource' (v1).");
  }
  return out;
}

}  // namespace coffer::api
