#include "auth/issuer_keys.hpp"

#include <spdlog/spdlog.h>

#include <boost/json.hpp>
#include <fstream>
#include <sstream>

#include "auth/jwt.hpp"

namespace coffer::auth {
namespace json = boost::json;
namespace {

constexpr std::streamsize kMaxFileBytes = 512 * 1024;

Status unavailable(std::string message) { return Status(Code::kUnavailable, std::move(message)); }

Result<std::string> read_small_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return unavailable("cannot read the JWKS file '" + path + "'");
  std::string data(std::size_t(kMaxFileBytes) + 1, '\0');
  in.read(data.data(), kMaxFileBytes + 1);
  if (in.bad()) return unavailable("cannot read the JWKS file '" + path + "'");
  if (in.gcount() > kMaxFileBytes) return unavailable("the JWKS file '" + path + "' is too large");
  data.resize(std::size_t(in.gcount()));
  return data;
}

// Which key of `set` verifies a token naming `kid`.
std::optional<crypto::JwsPublicKey> pick(const JwkSet& set, const std::string& kid) {
  if (!kid.empty()) {
    auto it = set.by_kid.find(kid);
    if (it != set.by_kid.end()) return it->second;
  }
  // A set of one key without a kid serves any token; with no kid in the
  // token, the set must hold exactly one key.
  if (set.by_kid.empty() && set.without_kid.size() == 1) return set.without_kid.front();
  if (kid.empty() && set.without_kid.empty() && set.by_kid.size() == 1) return set.by_kid.begin()->second;
  return std::nullopt;
}

}  // namespace

OidcDiscoveryKeySource::OidcDiscoveryKeySource(HttpsGet get, std::map<std::string, std::string> jwks_files)
    : get_(std::move(get)) {
  for (auto& [issuer, path] : jwks_files) files_.emplace(without_trailing_slashes(issuer), std::move(path));
}

Result<std::string> OidcDiscoveryKeySource::fetch_jwks(const std::string& issuer) {
  const std::string base = without_trailing_slashes(issuer);
  if (auto it = files_.find(base); it != files_.end()) return read_small_file(it->second);
  if (base.rfind("https://", 0) != 0) return unavailable("the issuer '" + issuer + "' is not an https URL");
  if (!get_) return unavailable("no JWKS file is configured for the issuer '" + issuer + "'");
  const std::string discovery_url = base + "/.well-known/openid-configuration";
  auto discovery = get_(discovery_url);
  if (!discovery.ok())
    return unavailable("OpenID discovery at " + discovery_url + " failed: " + discovery.status().message());
  boost::system::error_code ec;
  json::value doc = json::parse(*discovery, ec);
  if (ec || !doc.is_object())
    return unavailable("the OpenID configuration at " + discovery_url + " is not a JSON object");
  auto stated = string_member(doc.get_object(), "issuer");
  if (!stated || without_trailing_slashes(*stated) != base) {
    return unavailable("the OpenID configuration at " + discovery_url + " names another issuer");
  }
  auto jwks_uri = string_member(doc.get_object(), "jwks_uri");
  if (!jwks_uri || jwks_uri->rfind("https://", 0) != 0) {
    return unavailable("the OpenID configuration at " + discovery_url + " has no https jwks_uri");
  }
  auto jwks = get_(*jwks_uri);
  if (!jwks.ok()) return unavailable("fetching the JWKS at " + *jwks_uri + " failed: " + jwks.status().message());
  return jwks;
}

IssuerKeyCache::IssuerKeyCache(OidcKeySource& source, IssuerKeyOptions options, const Clock& clock)
    : source_(source), options_(options), clock_(clock) {}

std::shared_ptr<IssuerKeyCache::Entry> IssuerKeyCache::entry(const std::string& issuer) {
  MutexLock lock(mu_);
  auto& e = entries_[issuer];
  if (!e) e = std::make_shared<Entry>();
  return e;
}

Status IssuerKeyCache::refresh(const std::string& issuer, Entry& e, int64_t now) {
  e.attempted_at = now;
  auto text = source_.fetch_jwks(issuer);
  Result<JwkSet> set = text.ok() ? parse_jwks(*text) : Result<JwkSet>(text.status());
  if (!set.ok()) {
    e.last_error = Status(Code::kUnavailable, set.status().message());
    spdlog::warn("keys of token issuer {} not refreshed: {}", issuer, set.status().message());
    return e.last_error;
  }
  if (set->skipped > 0) spdlog::info("token issuer {}: {} unusable JWKS entries ignored", issuer, set->skipped);
  e.keys = std::make_shared<const JwkSet>(std::move(*set));
  e.fetched_at = now;
  e.last_error = Status::Ok();
  return Status::Ok();
}

Result<crypto::JwsPublicKey> IssuerKeyCache::find(const std::string& issuer, const std::string& kid) {
  auto e = entry(issuer);
  MutexLock lock(e->mu);
  const int64_t now = clock_.now();
  const bool may_fetch = e->attempted_at == 0 || now - e->attempted_at >= options_.refresh_interval_seconds;
  bool fetched = false;
  if ((!e->keys || now - e->fetched_at >= options_.cache_seconds) && may_fetch) {
    (void)refresh(issuer, *e, now);  // on failure, a stale set keeps serving
    fetched = true;
  }
  if (!e->keys) {
    return Status(Code::kUnavailable,
                  "The signing keys of issuer '" + issuer + "' are unavailable: " +
                      (e->last_error.ok() ? std::string("not fetched yet") : e->last_error.message()));
  }
  if (auto key = pick(*e->keys, kid)) return *key;
  if (!fetched && may_fetch && refresh(issuer, *e, now).ok()) {
    if (auto key = pick(*e->keys, kid)) return *key;
  }
  return Status(Code::kUnauthorized,
                "The key '" + kid.substr(0, 128) + "' was not found in the key set of issuer '" + issuer + "'.");
}

}  // namespace coffer::auth
