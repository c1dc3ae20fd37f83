#include "api/secret_codec.hpp"

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/serialize.hpp>

#include "common/secure_memory.hpp"

#include "api/json_body.hpp"
#include "api/object_json.hpp"
#include "api/responses.hpp"
#include "common/json_string.hpp"

namespace coffer::api {
namespace json = boost::json;
namespace {

json::string secret_id(const std::string& base, const vault::SecretProperties& p, bool versioned,
                       const json::storage_ptr& sp) {
  json::string id(sp);
  id.reserve(base.size() + 9 + p.name.size() + 1 + p.version.size());
  id.append(base).append("/secrets/").append(p.name);
  if (versioned) id.append("/").append(p.version);
  return id;
}

void add_secret_metadata(json::object& o, const vault::VaultInfo& vault, const vault::SecretProperties& p) {
  o.emplace("attributes", attributes_json(vault, p.attributes, o.storage()));
  add_tags(o, p.tags);
  if (p.content_type) o["contentType"] = *p.content_type;
  if (p.managed) o["managed"] = true;
}

}  // namespace

Result<vault::SecretDraft> parse_secret_set(std::string_view body) {
  COFFER_ASSIGN_OR_RETURN(json::object o, parse_json_object(body));
  WipeOnExit wipe(o);  // the tree's copy of the value
  vault::SecretDraft d;
  COFFER_ASSIGN_OR_RETURN(auto value, opt_string(o, "value"));
  if (!value) return Status(Code::kBadParameter, "Property 'value' is required and must be a string.");
  d.value = SecureString(std::move(*value));
  COFFER_ASSIGN_OR_RETURN(d.content_type, opt_string(o, "contentType"));
  COFFER_ASSIGN_OR_RETURN(auto tags, opt_string_map(o, "tags"));
  if (tags) d.tags = std::move(*tags);
  COFFER_ASSIGN_OR_RETURN(RequestAttributes a, parse_request_attributes(o));
  d.enabled = a.enabled.value_or(true);
  if (a.not_before) d.not_before = *a.not_before;
  if (a.expires) d.expires = *a.expires;
  return d;
}

Result<vault::SecretPatch> parse_secret_update(std::string_view body) {
  COFFER_ASSIGN_OR_RETURN(json::object o, parse_json_object(body));
  vault::SecretPatch p;
  COFFER_ASSIGN_OR_RETURN(p.content_type, opt_string(o, "contentType"));
  COFFER_ASSIGN_OR_RETURN(p.tags, opt_string_map(o, "tags"));
  COFFER_ASSIGN_OR_RETURN(RequestAttributes a, parse_request_attributes(o));
  p.enabled = a.enabled;
  p.not_before = a.not_before;
  p.expires = a.expires;
  return p;
}

Result<std::string> parse_value_body(std::string_view body) {
  COFFER_ASSIGN_OR_RETURN(json::object o, parse_json_object(body));
  COFFER_ASSIGN_OR_RETURN(auto value, opt_string(o, "value"));
  if (!value) return Status(Code::kBadParameter, "Property 'value' is required and must be a string.");
  return std::move(*value);
}

json::object secret_bundle(const std::string& base, const vault::VaultInfo& vault, const vault::SecretProperties& p,
                           json::storage_ptr sp) {
  json::object o(std::move(sp));
  o.reserve(8);
  o.emplace("id", secret_id(base, p, true, o.storage()));
  add_secret_metadata(o, vault, p);
  // A certificate's secret names its key (same name and version), as AKV does.
  if (p.managed) o["kid"] = base + "/keys/" + p.name + "/" + p.version;
  // 2025-07-01+: the version of the previous certificate (bundles only, not list items).
  if (!p.previous_version.empty()) o["previousVersion"] = p.previous_version;
  return o;
}

http::Response secret_value_response(const std::string& base, const vault::VaultInfo& vault, const vault::Secret& s) {
  // Everything but the value through Boost.JSON, then the value spliced in
  // directly, so no unwiped JSON tree ever holds it. The tree lives in an
  // arena on the stack: this answer is the hot path of every secret read.
  unsigned char arena_buffer[4096];
  json::monotonic_resource arena(arena_buffer, sizeof arena_buffer);
  const std::string rest = json::serialize(secret_bundle(base, vault, s.properties, &arena));
  http::Response r = json_shell(200, true);
  r.body.reserve(rest.size() + json_string_max_size(s.value.view()) + 16);  // no reallocation below
  r.body += "{\"value\":";
  append_json_string(r.body, s.value.view());
  if (rest.size() > 2) r.body += ',';
  r.body.append(rest, 1, std::string::npos);
  return r;
}

json::object secret_item(const std::string& base, const vault::VaultInfo& vault, const vault::SecretProperties& p,
                         bool versioned_id) {
  json::object o;
  o.emplace("id", secret_id(base, p, versioned_id, o.storage()));
  add_secret_metadata(o, vault, p);
  return o;
}

json::object deleted_secret_bundle(const std::string& base, const vault::VaultInfo& vault,
                                   const vault::DeletedSecret& d, bool item) {
  json::object o = item ? secret_item(base, vault, d.properties, false) : secret_bundle(base, vault, d.properties);
  o["recoveryId"] = base + "/deletedsecrets/" + d.properties.name;
  o["deletedDate"] = d.deletion.deleted_date;
  o["scheduledPurgeDate"] = d.deletion.scheduled_purge_date;
  return o;
}

}  // namespace coffer::api
