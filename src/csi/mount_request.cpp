#include "csi/mount_request.hpp"

#include <boost/json.hpp>

#include "common/ascii.hpp"
#include "common/json_wipe.hpp"
#include "csi/mount_errors.hpp"

namespace coffer::csi {
namespace {

namespace json = boost::json;

Status invalid_request(std::string message) { return errors::fail(errors::kInvalidRequest, std::move(message)); }

Result<json::object> parse_object(std::string_view text, std::string_view what) {
  if (text.size() > kMaxRequestFieldBytes) return invalid_request(std::string(what) + " is larger than 1 MiB.");
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec || !v.is_object()) return invalid_request(std::string(what) + " is not a JSON object.");
  return std::move(v.as_object());
}

}  // namespace

Result<Attributes> parse_attributes(std::string_view text) {
  COFFER_ASSIGN_OR_RETURN(json::object obj, parse_object(text, "The attributes field"));
  WipeOnExit wipe(obj);                   // the service-account tokens are credentials
  for (const auto& [key, value] : obj) {  // all checked before any is copied: no copy of a token on an error
    if (!value.is_string()) return invalid_request("The attribute '" + std::string(key) + "' is not a string.");
  }
  Attributes out;
  for (const auto& [key, value] : obj) out.emplace(std::string(key), std::string(value.as_string()));
  return out;
}

Result<SecretValues> parse_secrets(std::string_view text) {
  SecretValues out;
  if (text.empty() || text == "null") return out;
  auto obj = parse_object(text, "The secrets field");
  if (!obj.ok()) return obj.status();
  for (auto& [key, value] : *obj) {
    if (!value.is_string()) return invalid_request("The secret '" + std::string(key) + "' is not a string.");
    json::string& s = value.as_string();
    out.emplace(std::string(key), SecureString(std::string_view(s)));
    secure_wipe(s.data(), s.size());
  }
  return out;
}

Result<int> parse_permission(std::string_view text) {
  if (text.empty()) return 0644;
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec) return invalid_request("The permission field is not a JSON number.");
  int64_t mode = -1;
  if (v.is_int64()) {
    mode = v.as_int64();
  } else if (v.is_uint64()) {
    mode = v.as_uint64() > 0777 ? -1 : static_cast<int64_t>(v.as_uint64());
  }
  if (mode < 0 || mode > 0777) return invalid_request("The permission field must be a file mode from 0 to 511 (0777).");
  return static_cast<int>(mode);
}

const SecureString* find_secret(const SecretValues& secrets, std::string_view key) {
  for (const auto& [k, v] : secrets) {
    if (iequals_ascii(k, key)) return &v;
  }
  return nullptr;
}

Result<std::optional<SecureString>> service_account_token(const Attributes& attributes, const SecretValues& secrets,
                                                          std::string_view audience) {
  std::string_view tokens_json;
  if (auto it = attributes.find(std::string(kTokensAttribute)); it != attributes.end() && !it->second.empty()) {
    tokens_json = it->second;
  } else if (auto s = secrets.find(std::string(kTokensAttribute)); s != secrets.end() && !s->second.empty()) {
    tokens_json = s->second.view();
  } else {
    return std::optional<SecureString>();
  }
  COFFER_ASSIGN_OR_RETURN(json::object tokens, parse_object(tokens_json, "The service-account tokens attribute"));
  WipeOnExit wipe(tokens);  // on every return
  std::optional<SecureString> found;
  if (const json::value* entry = tokens.if_contains(audience)) {
    const json::object* o = entry->if_object();
    const json::value* token = o ? o->if_contains("token") : nullptr;
    if (!token || !token->is_string()) {
      return invalid_request("The service-account token for audience '" + std::string(audience) +
                             "' has no token string.");
    }
    found = SecureString(std::string_view(token->as_string()));
  }
  return found;
}

}  // namespace coffer::csi
