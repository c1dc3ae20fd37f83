#include "auth/jwt.hpp"

#include <boost/json.hpp>
#include <cmath>

#include "common/base64.hpp"

namespace coffer::auth {
namespace json = boost::json;
namespace {

constexpr std::size_t kMaxJwksBytes = 512 * 1024;
constexpr std::size_t kMaxJwksKeys = 100;

std::optional<json::object> decode_object(std::string_view part) {
  auto raw = base64url_decode(part);
  if (!raw) return std::nullopt;
  boost::system::error_code ec;
  json::value v = json::parse(*raw, ec);
  if (ec || !v.is_object()) return std::nullopt;
  return std::move(v.get_object());
}

}  // namespace

Result<CompactJws> parse_compact_jws(std::string_view token) {
  if (token.empty()) return bad_parameter("The assertion is empty.");
  if (token.size() > kMaxAssertionBytes) return bad_parameter("The assertion is too large.");
  const auto dot1 = token.find('.');
  const auto dot2 = dot1 == std::string_view::npos ? dot1 : token.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos || token.find('.', dot2 + 1) != std::string_view::npos) {
    return bad_parameter("The assertion is not a compact JWS (three dot-separated parts).");
  }
  auto header = decode_object(token.substr(0, dot1));
  auto claims = decode_object(token.substr(dot1 + 1, dot2 - dot1 - 1));
  if (!header || !claims) return bad_parameter("The assertion's header or payload is not base64url-encoded JSON.");
  auto sig = base64url_decode(token.substr(dot2 + 1));
  if (!sig) return bad_parameter("The assertion's signature is not base64url.");
  if (sig->empty()) return bad_parameter("The assertion is not signed.");
  CompactJws out;
  out.header = std::move(*header);
  out.claims = std::move(*claims);
  out.signing_input = std::string(token.substr(0, dot2));
  out.signature = std::move(*sig);
  return out;
}

std::optional<std::string> string_member(const json::object& o, std::string_view name) {
  auto it = o.find(name);
  if (it == o.end() || !it->value().is_string()) return std::nullopt;
  return std::string(it->value().get_string());
}

std::optional<int64_t> time_member(const json::object& o, std::string_view name) {
  auto it = o.find(name);
  if (it == o.end()) return std::nullopt;
  const json::value& v = it->value();
  if (v.is_int64()) return v.get_int64();
  if (v.is_uint64()) return v.get_uint64() > uint64_t(INT64_MAX) ? INT64_MAX : int64_t(v.get_uint64());
  if (v.is_double() && std::isfinite(v.get_double()) && std::fabs(v.get_double()) < 9e18) {
    return int64_t(v.get_double());
  }
  return std::nullopt;
}

std::vector<std::string> audience_claim(const json::object& claims) {
  std::vector<std::string> out;
  auto it = claims.find("aud");
  if (it == claims.end()) return out;
  if (it->value().is_string()) {
    out.emplace_back(it->value().get_string());
  } else if (it->value().is_array()) {
    for (const auto& a : it->value().get_array()) {
      if (a.is_string()) out.emplace_back(a.get_string());
    }
  }
  return out;
}

Result<JwkSet> parse_jwks(std::string_view text) {
  if (text.size() > kMaxJwksBytes) return bad_parameter("The JWK Set document is too large.");
  boost::system::error_code ec;
  json::value doc = json::parse(text, ec);
  if (ec || !doc.is_object()) return bad_parameter("The JWK Set document is not a JSON object.");
  const json::value* keys = doc.get_object().if_contains("keys");
  if (!keys || !keys->is_array()) return bad_parameter("The JWK Set document has no 'keys' array.");
  if (keys->get_array().size() > kMaxJwksKeys) return bad_parameter("The JWK Set document holds too many keys.");
  JwkSet out;
  for (const auto& k : keys->get_array()) {
    if (!k.is_object()) {
      ++out.skipped;
      continue;
    }
    const json::object& o = k.get_object();
    auto use = string_member(o, "use");
    if (use && *use != "sig") {
      ++out.skipped;
      continue;
    }
    crypto::JwkParams p;
    p.kty = string_member(o, "kty").value_or("");
    p.crv = string_member(o, "crv").value_or("");
    p.n = string_member(o, "n").value_or("");
    p.e = string_member(o, "e").value_or("");
    p.x = string_member(o, "x").value_or("");
    p.y = string_member(o, "y").value_or("");
    auto key = crypto::JwsPublicKey::from_jwk(p);
    if (!key.ok()) {
      ++out.skipped;
      continue;
    }
    if (auto kid = string_member(o, "kid"); kid && !kid->empty()) {
      out.by_kid.emplace(*kid, std::move(*key));
    } else {
      out.without_kid.push_back(std::move(*key));
    }
  }
  if (out.empty()) return bad_parameter("The JWK Set document has no usable signature key.");
  return out;
}

}  // namespace coffer::auth
