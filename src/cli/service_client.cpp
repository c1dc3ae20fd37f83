#include "cli/service_client.hpp"

#include <boost/json.hpp>
#include <set>

#include "cli/endpoints.hpp"
#include "cli/response_errors.hpp"
#include "http/client.hpp"

namespace coffer::cli {
namespace json = boost::json;
namespace {

// The resource a Bearer challenge names: resource="…", or scope="…/.default".
std::string challenge_resource(std::string_view header) {
  auto param = [&](std::string_view name) -> std::string {
    const std::string key = std::string(name) + "=\"";
    auto at = header.find(key);
    if (at == std::string_view::npos) return {};
    at += key.size();
    const auto end = header.find('"', at);
    return end == std::string_view::npos ? std::string() : std::string(header.substr(at, end - at));
  };
  std::string resource = param("resource");
  if (resource.empty()) {
    resource = param("scope");
    constexpr std::string_view kDefault = "/.default";
    if (resource.size() > kDefault.size() && resource.ends_with(kDefault)) {
      resource.resize(resource.size() - kDefault.size());
    }
  }
  while (!resource.empty() && resource.back() == '/') resource.pop_back();
  return resource.rfind("https://", 0) == 0 ? resource : std::string();
}

std::string unreachable_hint(const std::string& origin) {
  auto parts = split_https_url(origin);
  if (!parts.ok()) return "";
  const std::string host = parts->host.substr(0, parts->host.rfind(':'));
  if (host.size() > 10 && host.ends_with(".localhost")) {
    return " (if '" + host + "' does not resolve, add '127.0.0.1 " + host + "' to /etc/hosts)";
  }
  return "";
}

}  // namespace

ServiceClient::ServiceClient(TokenSource tokens, std::string origin, std::string resource)
    : tokens_(std::move(tokens)), origin_(std::move(origin)), resource_(std::move(resource)) {}
ServiceClient::~ServiceClient() = default;
ServiceClient::ServiceClient(ServiceClient&&) noexcept = default;
ServiceClient& ServiceClient::operator=(ServiceClient&&) noexcept = default;

Result<json::value> ServiceClient::call(const std::string& method, const std::string& target, const json::value* body) {
  return send(method, target, body ? json::serialize(*body) : std::string(), body != nullptr);
}

Result<json::value> ServiceClient::send(const std::string& method, const std::string& target, const std::string& body,
                                        bool has_body) {
  for (int attempt = 0; attempt < 2; ++attempt) {
    COFFER_ASSIGN_OR_RETURN(SecureString token, tokens_.token_for(resource_));
    if (!http_) http_ = std::make_unique<http::HttpsClient>(origin_, tokens_.credentials().ca_file);
    std::vector<std::pair<std::string, std::string>> headers = {{"Accept", "application/json"},
                                                                {"User-Agent", "coffer-cli"}};
    headers.reserve(4);
    const std::size_t bearer = http::add_bearer_header(headers, token.view());
    if (has_body) headers.emplace_back("Content-Type", "application/json");
    auto response = http_->request(method, target, headers, body);
    secure_wipe(headers[bearer].second.data(), headers[bearer].second.size());
    if (!response.ok()) {
      return Status(Code::kUnavailable,
                    "Cannot reach " + origin_ + ": " + response.status().message() + unreachable_hint(origin_));
    }
    if (response->status == 401 && attempt == 0) {
      // A challenge for another audience: fetch a token for it and try again.
      const std::string wanted = challenge_resource(response_header(*response, "WWW-Authenticate"));
      tokens_.forget(resource_);
      if (!wanted.empty() && wanted != resource_) {
        resource_ = wanted;
        continue;
      }
    }
    if (response->status < 200 || response->status > 299) return status_from_response(*response);
    if (response->body.empty()) return json::value(nullptr);
    boost::system::error_code ec;
    json::value doc = json::parse(response->body, ec);
    if (ec) {
      return Status(Code::kInternal, "(HTTP " + std::to_string(response->status) + ") The server's answer to " +
                                         method + " " + target.substr(0, target.find('?')) + " is not JSON.");
    }
    return doc;
  }
  return Status(Code::kUnauthorized, "(Unauthorized) The server rejected the access token.");
}

Result<json::array> ServiceClient::list(const std::string& first_target, std::optional<std::size_t> limit) {
  json::array items;
  std::string target = first_target;
  std::set<std::string> seen;
  while (!limit || items.size() < *limit) {
    if (!seen.insert(target).second) {
      return Status(Code::kInternal, "The server's nextLink repeats an earlier page; stopping.");
    }
    COFFER_ASSIGN_OR_RETURN(json::value page, call("GET", target));
    const json::object* o = page.if_object();
    const json::value* value = o ? o->if_contains("value") : nullptr;
    if (!value || !value->is_array()) {
      return Status(Code::kInternal, "The server's list answer has no 'value' array.");
    }
    for (const auto& item : value->get_array()) {
      if (limit && items.size() >= *limit) break;
      items.push_back(item);
    }
    const json::value* next = o->if_contains("nextLink");
    if (!next || !next->is_string() || next->get_string().empty()) break;
    COFFER_ASSIGN_OR_RETURN(target, next_link_target(next->get_string(), origin_, kApiVersion));
  }
  return items;
}

}  // namespace coffer::cli
