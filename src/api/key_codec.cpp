#include "api/key_codec.hpp"

#include <cctype>

#include "api/json_body.hpp"
#include "api/object_json.hpp"
#include "api/responses.hpp"
#include "common/base64.hpp"
#include "common/json_string.hpp"
#include "common/time_format.hpp"

namespace coffer::api {
namespace json = boost::json;
namespace {

// A base64url member decoded to bytes; absent → nullopt.
Result<std::optional<std::string>> opt_bytes(const json::object& o, std::string_view key) {
  COFFER_ASSIGN_OR_RETURN(auto text, opt_string(o, key));
  if (!text) return std::optional<std::string>();
  auto bytes = base64url_decode(*text);
  if (!bytes) return bad_parameter("Property '" + std::string(key) + "' must be base64url.");
  return std::optional<std::string>(std::move(*bytes));
}

Result<std::optional<vault::ReleasePolicy>> parse_release_policy(const json::object& body) {
  COFFER_ASSIGN_OR_RETURN(auto rp, opt_object(body, "release_policy"));
  if (!rp) return std::optional<vault::ReleasePolicy>();
  vault::ReleasePolicy out;
  COFFER_ASSIGN_OR_RETURN(auto ct, opt_string(*rp, "contentType"));
  if (ct) out.content_type = *ct;
  COFFER_ASSIGN_OR_RETURN(auto immutable, opt_bool(*rp, "immutable"));
  out.immutable = immutable.value_or(false);
  COFFER_ASSIGN_OR_RETURN(auto data, opt_bytes(*rp, "data"));
  if (!data || data->empty()) return bad_parameter("A release_policy needs its 'data' (base64url).");
  out.data = std::move(*data);
  return std::optional<vault::ReleasePolicy>(std::move(out));
}

Result<crypto::Jwk> parse_jwk(const json::object& o) {
  crypto::Jwk j;
  COFFER_ASSIGN_OR_RETURN(auto kty, opt_string(o, "kty"));
  if (!kty) return bad_parameter("The JSON web key needs 'kty'.");
  j.kty = *kty;
  COFFER_ASSIGN_OR_RETURN(auto crv, opt_string(o, "crv"));
  j.crv = crv.value_or("");
  const auto pub = [&](std::string_view key, std::string& out) -> Status {
    COFFER_ASSIGN_OR_RETURN(auto v, opt_bytes(o, key));
    if (v) out = std::move(*v);
    return Status::Ok();
  };
  const auto priv = [&](std::string_view key, SecureString& out) -> Status {
    COFFER_ASSIGN_OR_RETURN(auto v, opt_bytes(o, key));
    if (v) {
      out = SecureString(std::move(*v));
      secure_wipe(v->data(), v->size());
    }
    return Status::Ok();
  };
  COFFER_RETURN_IF_ERROR(pub("n", j.n));
  COFFER_RETURN_IF_ERROR(pub("e", j.e));
  COFFER_RETURN_IF_ERROR(pub("x", j.x));
  COFFER_RETURN_IF_ERROR(pub("y", j.y));
  COFFER_RETURN_IF_ERROR(priv("d", j.d));
  COFFER_RETURN_IF_ERROR(priv("p", j.p));
  COFFER_RETURN_IF_ERROR(priv("q", j.q));
  COFFER_RETURN_IF_ERROR(priv("dp", j.dp));
  COFFER_RETURN_IF_ERROR(priv("dq", j.dq));
  COFFER_RETURN_IF_ERROR(priv("qi", j.qi));
  COFFER_RETURN_IF_ERROR(priv("k", j.k));
  return j;
}

json::object key_attributes_json(const vault::VaultInfo& vault, const vault::KeyProperties& p) {
  json::object o = attributes_json(vault, p.attributes);
  o["exportable"] = p.exportable;
  // A key in the token shows AKV's platform of HSM-protected keys; an -HSM key made in
  // software (--emulate-hsm) says so wherever it is shown.
  if (!p.hsm_token.empty()) {
    o["hsmPlatform"] = std::string(kTokenHsmPlatform);
  } else if (p.kty.ends_with("-HSM")) {
    o["hsmPlatform"] = std::string(kEmulatedHsmPlatform);
  }
  return o;
}

void add_key_metadata(json::object& o, const vault::VaultInfo& vault, const vault::KeyProperties& p) {
  o["attributes"] = key_attributes_json(vault, p);
  add_tags(o, p.tags);
  if (p.managed) o["managed"] = true;
}

}  // namespace

Result<vault::KeyDraft> parse_key_create(std::string_view body) {
  COFFER_ASSIGN_OR_RETURN(json::object o, parse_json_object(body));
  vault::KeyDraft d;
  COFFER_ASSIGN_OR_RETURN(auto kty, opt_string(o, "kty"));
  if (!kty || kty->empty()) return bad_parameter("Property 'kty' is required: RSA, EC or oct.");
  d.kty = *kty;
  COFFER_ASSIGN_OR_RETURN(auto size, opt_int(o, "key_size"));
  if (size) {
    if (*size <= 0 || *size > 16384) return bad_parameter("Property 'key_size' is out of range.");
    d.key_size = static_cast<int>(*size);
  }
  COFFER_ASSIGN_OR_RETURN(auto exponent, opt_int(o, "public_exponent"));
  if (exponent) {
    if (*exponent <= 0) return bad_parameter("Property 'public_exponent' must be positive.");
    d.public_exponent = static_cast<uint64_t>(*exponent);
  }
  COFFER_ASSIGN_OR_RETURN(d.crv, opt_string(o, "crv"));
  COFFER_ASSIGN_OR_RETURN(d.key_ops, opt_string_array(o, "key_ops"));
  COFFER_ASSIGN_OR_RETURN(auto tags, opt_string_map(o, "tags"));
  if (tags) d.tags = std::move(*tags);
  COFFER_ASSIGN_OR_RETURN(RequestAttributes a, parse_request_attributes(o, /*with_exportable=*/true));
  d.enabled = a.enabled.value_or(true);
  d.exportable = a.exportable.value_or(false);
  if (a.not_before) d.not_before = *a.not_before;
  if (a.expires) d.expires = *a.expires;
  COFFER_ASSIGN_OR_RETURN(d.release_policy, parse_release_policy(o));
  return d;
}

Result<vault::KeyImport> parse_key_import(std::string_view body) {
  COFFER_ASSIGN_OR_RETURN(json::object o, parse_json_object(body));
  WipeOnExit wipe(o);  // private key members
  vault::KeyImport im;
  COFFER_ASSIGN_OR_RETURN(auto key, opt_object(o, "key"));
  if (!key) return bad_parameter("Property 'key' (a JSON web key) is required.");
  WipeOnExit wipe_copy(*key);
  COFFER_ASSIGN_OR_RETURN(im.jwk, parse_jwk(*key));
  COFFER_ASSIGN_OR_RETURN(im.key_ops, opt_string_array(*key, "key_ops"));
  COFFER_ASSIGN_OR_RETURN(auto hsm, opt_bool(o, "Hsm"));
  im.hsm = hsm.value_or(false);
  COFFER_ASSIGN_OR_RETURN(auto tags, opt_string_map(o, "tags"));
  if (tags) im.tags = std::move(*tags);
  COFFER_ASSIGN_OR_RETURN(RequestAttributes a, parse_request_attributes(o, /*with_exportable=*/true));
  im.enabled = a.enabled.value_or(true);
  im.exportable = a.exportable.value_or(false);
  if (a.not_before) im.not_before = *a.not_before;
  if (a.expires) im.expires = *a.expires;
  COFFER_ASSIGN_OR_RETURN(im.release_policy, parse_release_policy(o));
  return im;
}

Result<vault::KeyPatch> parse_key_update(std::string_view body) {
  COFFER_ASSIGN_OR_RETURN(json::object o, parse_json_object(body));
  vault::KeyPatch p;
  COFFER_ASSIGN_OR_RETURN(p.key_ops, opt_string_array(o, "key_ops"));
  COFFER_ASSIGN_OR_RETURN(p.tags, opt_string_map(o, "tags"));
  COFFER_ASSIGN_OR_RETURN(RequestAttributes a, parse_request_attributes(o, /*with_exportable=*/true));
  p.enabled = a.enabled;
  p.not_before = a.not_before;
  p.expires = a.expires;
  p.exportable = a.exportable;
  COFFER_ASSIGN_OR_RETURN(p.release_policy, parse_release_policy(o));
  return p;
}

Result<KeyOperationRequest> parse_key_operation(std::string_view body, bool verify) {
  COFFER_ASSIGN_OR_RETURN(json::object o, parse_json_object(body));
  WipeOnExit wipe(o);  // an encrypt or wrap request carries plaintext
  KeyOperationRequest r;
  COFFER_ASSIGN_OR_RETURN(auto alg, opt_string(o, "alg"));
  if (!alg || alg->empty()) return bad_parameter("Property 'alg' is required.");
  r.alg = *alg;
  COFFER_ASSIGN_OR_RETURN(auto value, opt_bytes(o, "value"));
  if (!value) return bad_parameter("Property 'value' (base64url) is required.");
  r.value = std::move(*value);
  if (verify) {
    COFFER_ASSIGN_OR_RETURN(auto digest, opt_bytes(o, "digest"));
    if (!digest) return bad_parameter("Property 'digest' (base64url) is required.");
    r.digest = std::move(*digest);
  }
  COFFER_ASSIGN_OR_RETURN(auto iv, opt_bytes(o, "iv"));
  COFFER_ASSIGN_OR_RETURN(auto aad, opt_bytes(o, "aad"));
  COFFER_ASSIGN_OR_RETURN(auto tag, opt_bytes(o, "tag"));
  r.iv = iv.value_or("");
  r.aad = aad.value_or("");
  r.tag = tag.value_or("");
  return r;
}

Result<int64_t> parse_iso_duration(std::string_view text) {
  const auto invalid = [&] {
    return bad_parameter("'" + std::string(text.substr(0, 64)) + "' is not an ISO-8601 duration (e.g. P90D).");
  };
  if (text.size() < 3 || text[0] != 'P') return invalid();
  int64_t total = 0;
  bool time = false;
  bool any = false;
  bool any_time = false;  // a component after 'T'
  int64_t n = -1;
  for (std::size_t i = 1; i < text.size(); ++i) {
    const char c = text[i];
    if (std::isdigit(static_cast<unsigned char>(c))) {
      if (n > 100'000'000) return invalid();
      n = (n < 0 ? 0 : n * 10) + (c - '0');
      continue;
    }
    if (c == 'T') {
      if (time || n >= 0) return invalid();
      time = true;
      continue;
    }
    if (n < 0) return invalid();
    int64_t unit = 0;
    if (!time) {
      switch (c) {
        case 'Y': unit = 365 * 86400; break;
        case 'M': unit = 30 * 86400; break;
        case 'W': unit = 7 * 86400; break;
        case 'D': unit = 86400; break;
        default: return invalid();
      }
    } else {
      switch (c) {
        case 'H': unit = 3600; break;
        case 'M': unit = 60; break;
        case 'S': unit = 1; break;
        default: return invalid();
      }
    }
    total += n * unit;
    n = -1;
    any = true;
    any_time = any_time || time;
  }
  if (!any || n >= 0 || (time && !any_time)) return invalid();
  return total;
}

Status parse_repeat(std::string_view text, int64_t& anchor, int64_t& period) {
  const auto invalid = [&] {
    return bad_parameter("'" + std::string(text.substr(0, 64)) +
                         "' is not a repeating interval R/<start>/<period> (e.g. R/2026-01-01T02:00:00Z/P30D).");
  };
  if (!text.starts_with("R/")) return invalid();
  const auto slash = text.find('/', 2);
  if (slash == std::string_view::npos) return invalid();
  const auto start = parse_iso8601(text.substr(2, slash - 2));
  if (!start) return invalid();
  auto seconds = parse_iso_duration(text.substr(slash + 1));
  if (!seconds.ok()) return invalid();
  anchor = *start;
  period = *seconds;
  return Status::Ok();
}

Result<vault::RotationPolicy> parse_rotation_policy(std::string_view body) {
  COFFER_ASSIGN_OR_RETURN(json::object o, parse_json_object(body));
  return parse_rotation_policy_fields(o);
}

Result<vault::RotationPolicy> parse_rotation_policy_fields(const json::object& o) {
  vault::RotationPolicy p;
  auto it = o.find("lifetimeActions");
  if (it != o.end() && !it->value().is_null()) {
    if (!it->value().is_array()) return bad_parameter("Property 'lifetimeActions' must be an array.");
    for (const auto& v : it->value().get_array()) {
      if (!v.is_object()) return bad_parameter("Each lifetime action must be an object.");
      const auto& la = v.get_object();
      vault::LifetimeAction a;
      COFFER_ASSIGN_OR_RETURN(auto trigger, opt_object(la, "trigger"));
      COFFER_ASSIGN_OR_RETURN(auto action, opt_object(la, "action"));
      if (!trigger || !action) return bad_parameter("A lifetime action needs 'trigger' and 'action'.");
      COFFER_ASSIGN_OR_RETURN(auto type, opt_string(*action, "type"));
      if (!type) return bad_parameter("A lifetime action needs action.type (Rotate or Notify).");
      a.action = *type;
      COFFER_ASSIGN_OR_RETURN(a.time_after_create, opt_string(*trigger, "timeAfterCreate"));
      COFFER_ASSIGN_OR_RETURN(a.time_before_expiry, opt_string(*trigger, "timeBeforeExpiry"));
      if (a.time_after_create) {
        COFFER_ASSIGN_OR_RETURN(a.after_create_seconds, parse_iso_duration(*a.time_after_create));
      }
      if (a.time_before_expiry) {
        COFFER_ASSIGN_OR_RETURN(a.before_expiry_seconds, parse_iso_duration(*a.time_before_expiry));
      }
      COFFER_ASSIGN_OR_RETURN(a.repeat, opt_string(*trigger, "repeat"));
      if (a.repeat) {
        COFFER_RETURN_IF_ERROR(parse_repeat(*a.repeat, a.repeat_anchor, a.repeat_period));
      }
      p.lifetime_actions.push_back(std::move(a));
    }
  }
  COFFER_ASSIGN_OR_RETURN(auto attrs, opt_object(o, "attributes"));
  if (attrs) {
    COFFER_ASSIGN_OR_RETURN(p.expiry_time, opt_string(*attrs, "expiryTime"));
    if (p.expiry_time) {
      COFFER_ASSIGN_OR_RETURN(p.expiry_seconds, parse_iso_duration(*p.expiry_time));
    }
  }
  return p;
}

Result<int> parse_rng(std::string_view body) {
  COFFER_ASSIGN_OR_RETURN(json::object o, parse_json_object(body));
  COFFER_ASSIGN_OR_RETURN(auto count, opt_int(o, "count"));
  if (!count || *count < 1 || *count > 128) return bad_parameter("Property 'count' must be an integer from 1 to 128.");
  return static_cast<int>(*count);
}

std::string key_id(const std::string& base, const vault::KeyProperties& p) {
  return base + "/keys/" + p.name + "/" + p.version;
}

json::object key_bundle(const std::string& base, const vault::VaultInfo& vault, const vault::KeyProperties& p) {
  const auto& j = p.public_key;
  json::array ops;
  for (const auto& op : p.key_ops) ops.emplace_back(op);
  json::object key{{"kid", key_id(base, p)}, {"kty", p.kty}, {"key_ops", std::move(ops)}};
  if (!j.n.empty()) key["n"] = base64url_encode(j.n);
  if (!j.e.empty()) key["e"] = base64url_encode(j.e);
  if (!j.crv.empty()) key["crv"] = j.crv;
  if (!j.x.empty()) key["x"] = base64url_encode(j.x);
  if (!j.y.empty()) key["y"] = base64url_encode(j.y);
  json::object o{{"key", std::move(key)}};
  add_key_metadata(o, vault, p);
  if (p.release_policy) {
    o["release_policy"] = json::object{{"contentType", p.release_policy->content_type},
                                       {"immutable", p.release_policy->immutable},
                                       {"data", base64url_encode(p.release_policy->data)}};
  }
  return o;
}

json::object key_item(const std::string& base, const vault::VaultInfo& vault, const vault::KeyProperties& p,
                      bool versioned_id) {
  json::object o{{"kid", versioned_id ? key_id(base, p) : base + "/keys/" + p.name}};
  add_key_metadata(o, vault, p);
  return o;
}

json::object deleted_key_bundle(const std::string& base, const vault::VaultInfo& vault, const vault::DeletedKey& d,
                                bool item) {
  json::object o = item ? key_item(base, vault, d.properties, false) : key_bundle(base, vault, d.properties);
  o["recoveryId"] = base + "/deletedkeys/" + d.properties.name;
  o["deletedDate"] = d.deletion.deleted_date;
  o["scheduledPurgeDate"] = d.deletion.scheduled_purge_date;
  return o;
}

http::Response key_operation_response(const std::string& base, const std::string& name,
                                      const vault::KeyOperationResult& r, bool with_cipher_extras, bool plaintext) {
  const std::string_view extras[][2] = {{"iv", r.iv}, {"tag", r.tag}, {"aad", r.aad}};
  http::Response resp = json_shell(200, plaintext);
  std::string& body = resp.body;
  // {"kid":"…/keys/…/…","value":"…"} and, per extra, ,"aad":"…"
  std::size_t size =
      28 + json_string_max_size(base) + json_string_max_size(name) + r.version.size() + base64url_size(r.value.size());
  for (const auto& [member, bytes] : extras) size += 6 + member.size() + base64url_size(bytes.size());
  body.reserve(size);  // no reallocation below: it would leave a copy of a plaintext behind
  body += "{\"kid\":\"";
  append_json_string_contents(body, base);
  body += "/keys/";
  append_json_string_contents(body, name);
  body += '/';
  body += r.version;  // hex
  body += "\",\"value\":\"";
  append_base64url(body, r.value.view());
  body += '"';
  if (with_cipher_extras) {
    for (const auto& [member, bytes] : extras) {
      if (bytes.empty()) continue;
      body += ",\"";
      body += member;
      body += "\":\"";
      append_base64url(body, bytes);
      body += '"';
    }
  }
  body += '}';
  return resp;
}

http::Response random_bytes_response(std::string_view bytes) {
  http::Response resp = json_shell(200, true);
  resp.body.reserve(16 + base64url_size(bytes.size()));  // no reallocation: no copy left behind
  resp.body += "{\"value\":\"";
  append_base64url(resp.body, bytes);
  resp.body += "\"}";
  return resp;
}

json::object rotation_policy_json(const std::string& object_url, const vault::RotationPolicy& p) {
  json::array actions;
  for (const auto& a : p.lifetime_actions) {
    json::object trigger;
    if (a.time_after_create) trigger["timeAfterCreate"] = *a.time_after_create;
    if (a.time_before_expiry) trigger["timeBeforeExpiry"] = *a.time_before_expiry;
    if (a.repeat) trigger["repeat"] = *a.repeat;
    actions.push_back(json::object{{"trigger", std::move(trigger)}, {"action", json::object{{"type", a.action}}}});
  }
  json::object attrs;
  if (p.expiry_time) attrs["expiryTime"] = *p.expiry_time;
  if (p.stored) {
    attrs["created"] = p.created;
    attrs["updated"] = p.updated;
  }
  return json::object{{"id", object_url + "/rotationpolicy"},
                      {"lifetimeActions", std::move(actions)},
                      {"attributes", std::move(attrs)}};
}

}  // namespace coffer::api
