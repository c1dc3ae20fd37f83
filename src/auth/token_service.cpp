#include "auth/token_service.hpp"

#include <boost/json.hpp>
#include <mutex>

#include "auth/jwt.hpp"
#include "common/base64.hpp"
#include "crypto/tls_material.hpp"

namespace coffer::auth {
namespace json = boost::json;
namespace {

constexpr std::size_t kMaxCachedTokens = 10000;
constexpr std::size_t kMaxTokenBytes = 8192;

Status unauthorized(std::string message) { return Status(Code::kUnauthorized, std::move(message)); }

const json::string* get_string(const json::object& o, std::string_view k) {
  auto it = o.find(k);
  return (it != o.end() && it->value().is_string()) ? &it->value().get_string() : nullptr;
}

std::optional<int64_t> get_int(const json::object& o, std::string_view k) {
  auto it = o.find(k);
  if (it == o.end()) return std::nullopt;
  if (it->value().is_int64()) return it->value().get_int64();
  if (it->value().is_uint64()) return int64_t(it->value().get_uint64());
  return std::nullopt;
}

std::optional<json::object> parse_object(std::string_view b64) {
  auto raw = base64url_decode(b64);
  if (!raw) return std::nullopt;
  boost::system::error_code ec;
  json::value v = json::parse(*raw, ec);
  if (ec || !v.is_object()) return std::nullopt;
  return v.get_object();
}

}  // namespace

TokenService::TokenService(crypto::SigningKey key, TokenServiceOptions options, const Clock& clock)
    : key_(std::move(key)), options_(std::move(options)), clock_(clock) {}

Result<IssuedToken> TokenService::sign(const json::object& claims, int64_t lifetime) {
  json::object header{{"alg", "RS256"}, {"typ", "JWT"}, {"kid", key_.key_id()}};
  std::string signing_input =
      base64url_encode(json::serialize(header)) + "." + base64url_encode(json::serialize(claims));
  COFFER_ASSIGN_OR_RETURN(std::string sig, key_.sign(signing_input));
  IssuedToken out;
  out.access_token = SecureString(signing_input + "." + base64url_encode(sig));
  out.expires_in = lifetime - 1;
  return out;
}

Result<IssuedToken> TokenService::issue(const Principal& principal, const std::string& audience) {
  const int64_t now = clock_.now();
  const bool person = !principal.user_name.empty();
  const int64_t lifetime = std::min<int64_t>(person ? options_.user_lifetime_seconds : options_.lifetime_seconds, 3600);
  json::object claims{{"iss", options_.issuer},
                      {"aud", without_trailing_slashes(audience)},
                      {"tid", principal.tenant_id},
                      {"oid", principal.object_id},
                      {"sub", principal.object_id},
                      {"appid", principal.app_id},
                      {"iat", now},
                      {"nbf", now},
                      {"exp", now + lifetime}};
  if (person) {
    claims["idtyp"] = "user";
    claims["upn"] = principal.user_name;
    claims["preferred_username"] = principal.user_name;
    claims["name"] = principal.display_name;
  }
  return sign(claims, lifetime);
}

Result<IssuedToken> TokenService::issue_id_token(const Principal& principal, std::string_view issuer,
                                                 std::string_view nonce) {
  const int64_t now = clock_.now();
  constexpr int64_t kLifetime = 3600;
  json::object claims{{"iss", issuer},
                      {"aud", principal.app_id},
                      {"tid", principal.tenant_id},
                      {"oid", principal.object_id},
                      {"sub", principal.object_id},
                      {"preferred_username", principal.user_name},
                      {"upn", principal.user_name},
                      {"name", principal.display_name},
                      {"ver", "2.0"},
                      {"iat", now},
                      {"nbf", now},
                      {"exp", now + kLifetime}};
  if (!nonce.empty()) claims["nonce"] = nonce;
  return sign(claims, kLifetime);
}

Result<TokenService::Verified> TokenService::verify_uncached(std::string_view token) {
  const auto dot1 = token.find('.');
  const auto dot2 = dot1 == std::string_view::npos ? dot1 : token.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos || token.find('.', dot2 + 1) != std::string_view::npos) {
    return unauthorized("AKV10000: Request is missing a Bearer or PoP token: the bearer token is not a JWT.");
  }
  auto header = parse_object(token.substr(0, dot1));
  auto claims = parse_object(token.substr(dot1 + 1, dot2 - dot1 - 1));
  auto sig = base64url_decode(token.substr(dot2 + 1));
  if (!header || !claims || !sig) return unauthorized("AKV10000: The bearer token is malformed.");
  const auto* alg = get_string(*header, "alg");
  const auto* kid = get_string(*header, "kid");
  if (!alg || *alg != "RS256") return unauthorized("AKV10031: The token's signing algorithm is not accepted.");
  if (!kid || *kid != key_.key_id()) return unauthorized("AKV10031: The token was signed by an unknown key.");
  if (!key_.verify(token.substr(0, dot2), *sig)) {
    return unauthorized("AKV10031: The token signature is invalid.");
  }
  const auto* iss = get_string(*claims, "iss");
  if (!iss || *iss != options_.issuer) {
    return unauthorized("AKV10032: Invalid issuer. Expected " + options_.issuer + ".");
  }
  const auto* tid = get_string(*claims, "tid");
  if (!tid || *tid != options_.tenant_id) return unauthorized("AKV10032: The token belongs to another tenant.");
  const auto* aud = get_string(*claims, "aud");
  auto exp = get_int(*claims, "exp");
  auto nbf = get_int(*claims, "nbf");
  if (!aud || !exp) return unauthorized("AKV10000: The token lacks the aud or exp claim.");
  // Every access token names its client; an ID token (aud = the client) does not.
  if (!get_string(*claims, "appid")) return unauthorized("AKV10000: The token is not an access token.");
  Verified v;
  v.principal.tenant_id = std::string(*tid);
  if (const auto* oid = get_string(*claims, "oid")) v.principal.object_id = std::string(*oid);
  v.principal.app_id = std::string(*get_string(*claims, "appid"));
  if (const auto* upn = get_string(*claims, "upn")) v.principal.user_name = std::string(*upn);
  if (const auto* name = get_string(*claims, "name")) v.principal.display_name = std::string(*name);
  v.audience = std::string(*aud);
  v.expires = *exp;
  if (nbf && *nbf > clock_.now() + kClockSkewSeconds) return unauthorized("AKV10013: The token is not yet valid.");
  return v;
}

Result<std::shared_ptr<const Principal>> TokenService::verify(std::string_view token,
                                                              std::initializer_list<std::string_view> audiences) {
  if (token.empty() || token.size() > kMaxTokenBytes) {
    return unauthorized("AKV10000: Request is missing a Bearer or PoP token.");
  }
  const auto cache_key = crypto::sha256_digest(token);  // none if hashing failed: no caching then
  std::shared_ptr<const Verified> verified;
  if (cache_key) {
    ReaderLock lock(mu_);
    auto it = cache_.find(*cache_key);
    if (it != cache_.end()) verified = it->second;
  }
  if (!verified) {
    COFFER_ASSIGN_OR_RETURN(Verified v, verify_uncached(token));
    verified = std::make_shared<const Verified>(std::move(v));
    if (cache_key) {
      WriterLock lock(mu_);
      if (cache_.size() >= kMaxCachedTokens) cache_.clear();
      cache_.emplace(*cache_key, verified);
    }
  }
  const int64_t now = clock_.now();
  if (verified->expires + kClockSkewSeconds <= now) return unauthorized("AKV10013: Token expired.");
  const std::string_view aud = trimmed_trailing_slashes(verified->audience);
  for (std::string_view a : audiences) {
    if (trimmed_trailing_slashes(a) == aud) return std::shared_ptr<const Principal>(verified, &verified->principal);
  }
  const std::string_view expected = audiences.size() == 0 ? std::string_view() : *audiences.begin();
  return unauthorized("AKV10022: Invalid audience. Expected " + std::string(trimmed_trailing_slashes(expected)) +
                      ", found: " + std::string(aud) + ".");
}

std::string TokenService::jwks_json() const {
  json::object jwk{{"kty", "RSA"},
                   {"use", "sig"},
                   {"alg", "RS256"},
                   {"kid", key_.key_id()},
                   {"n", base64url_encode(key_.modulus())},
                   {"e", base64url_encode(key_.exponent())}};
  return json::serialize(json::object{{"keys", json::array{jwk}}});
}

}  // namespace coffer::auth
