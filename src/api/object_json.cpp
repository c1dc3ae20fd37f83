#include "api/object_json.hpp"

#include "api/json_body.hpp"

namespace coffer::api {
namespace json = boost::json;

json::object attributes_json(const vault::VaultInfo& vault, const vault::Attributes& a, json::storage_ptr sp) {
  json::object o(std::move(sp));
  o.reserve(7);
  o.emplace("enabled", a.enabled);
  if (a.not_before) o.emplace("nbf", *a.not_before);
  if (a.expires) o.emplace("exp", *a.expires);
  o.emplace("created", a.created);
  o.emplace("updated", a.updated);
  o.emplace("recoveryLevel", vault.recovery_level());
  o.emplace("recoverableDays", vault.retention_days);
  return o;
}

json::object tags_json(const vault::Tags& tags, json::storage_ptr sp) {
  json::object t(std::move(sp));
  t.reserve(tags.size());
  for (const auto& [k, v] : tags) t[k] = v;
  return t;
}

void add_tags(json::object& o, const vault::Tags& tags) {
  if (!tags.empty()) o["tags"] = tags_json(tags, o.storage());
}

Result<RequestAttributes> parse_request_attributes(const json::object& body, bool with_exportable) {
  RequestAttributes out;
  COFFER_ASSIGN_OR_RETURN(auto attrs, opt_object(body, "attributes"));
  if (!attrs) return out;
  COFFER_ASSIGN_OR_RETURN(out.enabled, opt_bool(*attrs, "enabled"));
  if (with_exportable) {
    COFFER_ASSIGN_OR_RETURN(out.exportable, opt_bool(*attrs, "exportable"));
  }
  COFFER_ASSIGN_OR_RETURN(auto nbf, opt_int(*attrs, "nbf"));
  COFFER_ASSIGN_OR_RETURN(auto exp, opt_int(*attrs, "exp"));
  const auto sent_null = [&](std::string_view key) {
    auto it = attrs->find(key);
    return it != attrs->end() && it->value().is_null();
  };
  if (nbf || sent_null("nbf")) out.not_before = nbf;
  if (exp || sent_null("exp")) out.expires = exp;
  if (nbf && exp && *nbf > *exp)
    return bad_parameter("The 'nbf' attribute must not be later than the 'exp' attribute.");
  return out;
}

}  // namespace coffer::api
