#include "api/batch_get.hpp"

#include <boost/json.hpp>

#include "api/json_body.hpp"
#include "api/responses.hpp"
#include "common/ascii.hpp"
#include "common/secure_memory.hpp"
#include "http/form_encoding.hpp"

namespace coffer::api {
namespace json = boost::json;

Result<std::vector<std::string>> parse_batch_get(std::string_view body, std::string_view api_version) {
  COFFER_ASSIGN_OR_RETURN(json::object o, parse_json_object(body));
  const auto* objects = o.if_contains("objects");
  if (!objects || !objects->is_array() || objects->as_array().empty() ||
      objects->as_array().size() > kMaxBatchObjects) {
    return bad_parameter("Property 'objects' must be an array of 1 to " + std::to_string(kMaxBatchObjects) +
                         " objects.");
  }
  std::vector<std::string> targets;
  for (const auto& item : objects->as_array()) {
    if (!item.is_object()) return bad_parameter("Each of 'objects' must be an object.");
    COFFER_ASSIGN_OR_RETURN(auto type, opt_string(item.as_object(), "objectType"));
    COFFER_ASSIGN_OR_RETURN(auto name, opt_string(item.as_object(), "name"));
    COFFER_ASSIGN_OR_RETURN(auto version, opt_string(item.as_object(), "version"));
    std::string collection;
    if (type == "secret") collection = "secrets";
    if (type == "key") collection = "keys";
    if (type == "certificate") collection = "certificates";
    if (collection.empty()) return bad_parameter("objectType must be secret, key or certificate.");
    if (!name || name->empty() || name->size() > 127) return bad_parameter("Each object needs a name.");
    if (version && version->size() > 64) return bad_parameter("An object's version is at most 64 characters.");
    targets.push_back("/" + collection + "/" + http::percent_encode(*name) + "/" +
                      http::percent_encode(version.value_or("")) + "?api-version=" + std::string(api_version));
  }
  return targets;
}

http::Response batch_get(const http::Request& req, std::string_view api_version,
                         const std::function<http::Response(http::Request&)>& handle_one) {
  auto targets = parse_batch_get(req.body, api_version);
  if (!targets.ok()) return error_response(targets.status());
  json::array results;
  for (const auto& target : *targets) {
    http::Request one;
    one.method = "GET";
    one.target = target;
    one.host = req.host;
    one.remote_address = req.remote_address;
    for (const auto& [k, v] : req.headers) {
      if (iequals_ascii(k, "Authorization") || iequals_ascii(k, "User-Agent") ||
          iequals_ascii(k, "x-ms-client-request-id")) {
        one.headers.emplace_back(k, v);
      }
    }
    http::Response answer = handle_one(one);
    boost::system::error_code ec;
    json::value body = answer.body.empty() ? json::value() : json::parse(answer.body, ec);
    if (answer.sensitive) secure_wipe(answer.body.data(), answer.body.size());
    if (ec) body = json::value();
    results.push_back(json::object{{"status", answer.status}, {"body", std::move(body)}});
  }
  return sensitive_json_response(200, json::object{{"results", std::move(results)}});
}

}  // namespace coffer::api
