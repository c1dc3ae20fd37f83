#include "cli/secret_view.hpp"

#include <boost/json.hpp>

#include "cli/endpoints.hpp"
#include "common/time_format.hpp"

namespace coffer::cli {
namespace json = boost::json;
namespace {

// Integer seconds become ISO text; anything else (null, already text) is kept.
json::value timestamp(const json::value* v) {
  if (!v) return nullptr;
  if (v->is_int64()) return json::value(to_iso8601(v->get_int64()));
  if (v->is_uint64()) return json::value(to_iso8601(int64_t(v->get_uint64())));
  if (v->is_double() && v->get_double() >= -0x1p63 && v->get_double() < 0x1p63) {
    return json::value(to_iso8601(static_cast<int64_t>(v->get_double())));
  }
  return *v;
}

json::value attributes_view(const json::value* in) {
  if (!in || !in->is_object()) return in ? *in : json::value(nullptr);
  const json::object& a = in->get_object();
  json::object out;
  for (const auto& kv : a) {
    if (kv.key() == "nbf" || kv.key() == "exp") continue;
    out[kv.key()] = kv.value();
  }
  auto member = [&](const char* key) { return a.if_contains(key); };
  out["created"] = timestamp(member("created"));
  out["updated"] = timestamp(member("updated"));
  out["notBefore"] = timestamp(member("nbf") ? member("nbf") : member("notBefore"));
  out["expires"] = timestamp(member("exp") ? member("exp") : member("expires"));
  for (const char* key : {"enabled", "recoverableDays", "recoveryLevel"}) {
    if (!out.contains(key)) out[key] = nullptr;
  }
  return out;
}

}  // namespace

json::value secret_view(const json::value& akv, SecretShape shape) {
  if (!akv.is_object()) return akv;
  const json::object& in = akv.get_object();
  json::object out = in;
  out["attributes"] = attributes_view(in.if_contains("attributes"));
  std::string name;
  if (const auto* id = in.if_contains("id"); id && id->is_string()) name = name_from_id(id->get_string());
  out["name"] = name.empty() ? json::value(nullptr) : json::value(name);
  const bool bundle = shape == SecretShape::kBundle || shape == SecretShape::kDeletedBundle;
  const bool deleted = shape == SecretShape::kDeletedItem || shape == SecretShape::kDeletedBundle;
  for (const char* key : {"contentType", "id", "managed", "tags"}) {
    if (!out.contains(key)) out[key] = nullptr;
  }
  if (bundle) {
    for (const char* key : {"kid", "value"}) {
      if (!out.contains(key)) out[key] = nullptr;
    }
  }
  if (deleted) {
    out["deletedDate"] = timestamp(in.if_contains("deletedDate"));
    out["scheduledPurgeDate"] = timestamp(in.if_contains("scheduledPurgeDate"));
    if (!out.contains("recoveryId")) out["recoveryId"] = nullptr;
  }
  return out;
}

json::value secret_list_view(const json::value& items, SecretShape shape) {
  if (!items.is_array()) return items;
  json::array out;
  for (const auto& item : items.get_array()) out.push_back(secret_view(item, shape));
  return out;
}

}  // namespace coffer::cli
