#include "api/json_body.hpp"

#include <cmath>

#include "common/secure_memory.hpp"

namespace coffer::api {
namespace json = boost::json;
namespace {

Status wrong_type(std::string_view key, const char* want) {
  return Status(Code::kBadParameter, "Property '" + std::string(key) + "' must be " + want + ".");
}

const json::value* find(const json::object& o, std::string_view key) {
  auto it = o.find(key);
  if (it == o.end() || it->value().is_null()) return nullptr;
  return &it->value();
}

}  // namespace

Result<json::object> parse_json_object(std::string_view body) {
  if (body.empty()) return Status(Code::kBadParameter, "The request body is empty; a JSON object is required.");
  boost::system::error_code ec;
  json::parse_options opts;
  opts.max_depth = 16;
  json::value v = json::parse(body, ec, {}, opts);
  if (ec) return Status(Code::kBadParameter, "The request body is not valid JSON: " + ec.message() + ".");
  if (!v.is_object()) return Status(Code::kBadParameter, "The request body must be a JSON object.");
  return std::move(v.get_object());
}

Result<std::optional<std::string>> opt_string(const json::object& o, std::string_view key) {
  const json::value* v = find(o, key);
  if (!v) return std::optional<std::string>();
  if (!v->is_string()) return wrong_type(key, "a string");
  return std::optional<std::string>(std::string(v->get_string()));
}

Result<std::optional<bool>> opt_bool(const json::object& o, std::string_view key) {
  const json::value* v = find(o, key);
  if (!v) return std::optional<bool>();
  if (!v->is_bool()) return wrong_type(key, "a boolean");
  return std::optional<bool>(v->get_bool());
}

Result<std::optional<int64_t>> opt_int(const json::object& o, std::string_view key) {
  const json::value* v = find(o, key);
  if (!v) return std::optional<int64_t>();
  if (v->is_int64()) return std::optional<int64_t>(v->get_int64());
  if (v->is_uint64() && v->get_uint64() <= uint64_t(INT64_MAX)) return std::optional<int64_t>(int64_t(v->get_uint64()));
  if (v->is_double()) {  // 1.7e9 is an integer too; converted only when in range (else undefined)
    const double d = v->get_double();
    if (d >= -0x1p63 && d < 0x1p63 && d == std::trunc(d)) return std::optional<int64_t>(static_cast<int64_t>(d));
  }
  return wrong_type(key, "an integer (Unix seconds)");
}

Result<std::optional<json::object>> opt_object(const json::object& o, std::string_view key) {
  const json::value* v = find(o, key);
  if (!v) return std::optional<json::object>();
  if (!v->is_object()) return wrong_type(key, "an object");
  return std::optional<json::object>(v->get_object());
}

Result<std::optional<std::map<std::string, std::string>>> opt_string_map(const json::object& o, std::string_view key) {
  COFFER_ASSIGN_OR_RETURN(auto obj, opt_object(o, key));
  if (!obj) return std::optional<std::map<std::string, std::string>>();
  std::map<std::string, std::string> out;
  for (const auto& kv : *obj) {
    if (!kv.value().is_string()) return wrong_type(std::string(key) + "." + std::string(kv.key()), "a string");
    out.emplace(std::string(kv.key()), std::string(kv.value().get_string()));
  }
  return std::optional<std::map<std::string, std::string>>(std::move(out));
}

json::array string_array(const std::vector<std::string>& items) {
  json::array a;
  for (const auto& s : items) a.emplace_back(s);
  return a;
}

Result<std::optional<std::vector<std::string>>> opt_string_array(const json::object& o, std::string_view key) {
  auto it = o.find(key);
  if (it == o.end() || it->value().is_null()) return std::optional<std::vector<std::string>>();
  const auto bad = [&] {
    return Status(Code::kBadParameter, "Property '" + std::string(key) + "' must be an array of strings.");
  };
  if (!it->value().is_array()) return bad();
  std::vector<std::string> out;
  for (const auto& v : it->value().get_array()) {
    if (!v.is_string()) return bad();
    out.emplace_back(v.get_string());
  }
  return std::optional<std::vector<std::string>>(std::move(out));
}

}  // namespace coffer::api
