#include "csi/vault_objects.hpp"

#include <boost/json.hpp>

#include "common/base64.hpp"
#include "common/json_wipe.hpp"
#include "csi/mount_errors.hpp"

namespace coffer::csi {
namespace {

namespace json = boost::json;

Status malformed(std::string what) {
  return errors::fail(errors::kVaultUnavailable, "The vault answered with " + what + ".", Code::kInternal);
}

std::string last_segment(std::string_view id) {
  while (!id.empty() && id.back() == '/') id.remove_suffix(1);
  const auto slash = id.rfind('/');
  return std::string(slash == std::string_view::npos ? id : id.substr(slash + 1));
}

std::string string_member(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

Result<std::string> b64url_member(const json::object& o, std::string_view key) {
  const std::string text = string_member(o, key);
  if (text.empty()) return std::string();
  auto bytes = base64url_decode(text);
  if (!bytes) return malformed("a key whose '" + std::string(key) + "' is not base64url");
  return std::move(*bytes);
}

}  // namespace

Result<VaultObject> parse_vault_object(ObjectType type, std::string_view body) {
  boost::system::error_code ec;
  json::value root = json::parse(body, ec);
  if (ec || !root.is_object()) return malformed("a body that is not a JSON object");
  json::object& o = root.as_object();
  VaultObject out;
  switch (type) {
    case ObjectType::kSecret: {
      json::value* value = o.if_contains("value");
      if (!value || !value->is_string()) return malformed("a secret without a value");
      json::string& s = value->as_string();
      out.value = SecureString(std::string_view(s));
      secure_wipe(s.data(), s.size());
      out.version = last_segment(string_member(o, "id"));
      out.content_type = string_member(o, "contentType");
      out.certificate_backed = !string_member(o, "kid").empty();
      break;
    }
    case ObjectType::kKey: {
      const json::value* key = o.if_contains("key");
      if (!key || !key->is_object()) return malformed("a key bundle without a key");
      const json::object& k = key->as_object();
      out.version = last_segment(string_member(k, "kid"));
      out.public_key.kty = string_member(k, "kty");
      out.public_key.crv = string_member(k, "crv");
      COFFER_ASSIGN_OR_RETURN(out.public_key.n, b64url_member(k, "n"));
      COFFER_ASSIGN_OR_RETURN(out.public_key.e, b64url_member(k, "e"));
      COFFER_ASSIGN_OR_RETURN(out.public_key.x, b64url_member(k, "x"));
      COFFER_ASSIGN_OR_RETURN(out.public_key.y, b64url_member(k, "y"));
      break;
    }
    case ObjectType::kCert: {
      const std::string cer = string_member(o, "cer");
      auto der = base64_decode(cer);
      if (cer.empty() || !der) return malformed("a certificate without a 'cer'");
      out.certificate_der = std::move(*der);
      out.version = last_segment(string_member(o, "id"));
      break;
    }
  }
  if (out.version.empty()) return malformed("an object without an id");
  return out;
}

Result<VersionPage> parse_version_page(ObjectType type, std::string_view body) {
  boost::system::error_code ec;
  json::value root = json::parse(body, ec);
  if (ec || !root.is_object()) return malformed("a version list that is not a JSON object");
  const json::object& o = root.as_object();
  VersionPage page;
  page.next_link = string_member(o, "nextLink");
  const json::value* value = o.if_contains("value");
  if (!value || !value->is_array()) return malformed("a version list without 'value'");
  for (const auto& item : value->as_array()) {
    if (!item.is_object()) return malformed("a version list item that is not an object");
    const json::object& i = item.as_object();
    VersionItem v;
    v.version = last_segment(string_member(i, type == ObjectType::kKey ? "kid" : "id"));
    if (v.version.empty()) return malformed("a version list item without an id");
    if (const auto* attrs = i.if_contains("attributes"); attrs && attrs->is_object()) {
      const json::object& a = attrs->as_object();
      if (const auto* en = a.if_contains("enabled"); en && en->is_bool()) v.enabled = en->as_bool();
      if (const auto* cr = a.if_contains("created"); cr && cr->is_number()) {
        boost::system::error_code number_ec;  // 1.5 or 1e300 would otherwise throw
        v.created = cr->to_number<int64_t>(number_ec);
        if (number_ec) return malformed("a version whose 'created' is not a whole number of seconds");
      }
    }
    page.items.push_back(std::move(v));
  }
  return page;
}

Result<FeedPage> parse_feed_page(std::string_view body) {
  boost::system::error_code ec;
  json::value root = json::parse(body, ec);
  if (ec || !root.is_object()) return malformed("a change feed page that is not a JSON object");
  const json::object& o = root.as_object();
  FeedPage page;
  page.cursor = string_member(o, "cursor");
  if (page.cursor.empty()) return malformed("a change feed page without a cursor");
  const auto flag = [&](const char* name) {
    const auto* v = o.if_contains(name);
    return v && v->is_bool() && v->as_bool();
  };
  page.reset = flag("reset");
  page.more = flag("more");
  const json::value* changes = o.if_contains("changes");
  if (!changes || !changes->is_array()) return malformed("a change feed page without 'changes'");
  for (const auto& c : changes->as_array()) {
    if (!c.is_object()) return malformed("a change that is not an object");
    if (string_member(c.as_object(), "objectType") == "access") {
      page.access_changed = true;
    } else {
      page.names.push_back(string_member(c.as_object(), "name"));
    }
  }
  return page;
}

Result<std::vector<BatchResult>> parse_batch_results(std::string_view body, std::size_t expected) {
  boost::system::error_code ec;
  json::value root = json::parse(body, ec);
  WipeOnExit wipe(root);  // the answers' secret values, on every return
  if (ec || !root.is_object()) return malformed("a batch answer that is not a JSON object");
  const json::value* results = root.as_object().if_contains("results");
  if (!results || !results->is_array() || results->as_array().size() != expected) {
    return malformed("a batch answer without one result per object");
  }
  std::vector<BatchResult> out;
  for (auto& r : results->as_array()) {
    const auto* status = r.is_object() ? r.as_object().if_contains("status") : nullptr;
    if (!status || !status->is_int64()) return malformed("a batch result without a status");
    BatchResult item;
    item.status = static_cast<int>(status->as_int64());
    if (const auto* b = r.as_object().if_contains("body")) item.body = SecureString(serialize_wiping(*b));
    out.push_back(std::move(item));
  }
  return out;
}

}  // namespace coffer::csi
