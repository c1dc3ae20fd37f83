#include "api/object_json.hpp"

namespace coffer::api {
namespace json = boost::json;

json::object attributes_json(const vault::VaultInfo& vault, const vault::Attributes& a) {
  json::object o{{"enabled", a.enabled}};
  if (a.not_before) o["nbf"] = *a.not_before;
  if (a.expires) o["exp"] = *a.expires;
  o["created"] = a.created;
  o["updated"] = a.updated;
  o["recoveryLevel"] = vault.recovery_level();
  o["recoverableDays"] = vault.retention_days;
  return o;
}

void add_tags(json::object& o, const vault::Tags& tags) {
  if (tags.empty()) return;
  json::object t;
  for (const auto& [k, v] : tags) t[k] = v;
  o["tags"] = std::move(t);
}

}  // namespace coffer::api
