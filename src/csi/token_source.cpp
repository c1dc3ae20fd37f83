#include "csi/token_source.hpp"

#include <boost/json.hpp>

#include "common/ascii.hpp"
#include "common/base64.hpp"
#include "crypto/digest.hpp"
#include "csi/mount_errors.hpp"
#include "http/form_encoding.hpp"

namespace coffer::csi {
namespace {

constexpr auto kRefreshMargin = std::chrono::seconds(60);
constexpr std::size_t kMaxCachedTokens = 4096;

std::string identity_of(const ClientCredential& c) {
  std::string material;
  for (std::string_view part :
       {std::string_view(c.authority.origin), std::string_view(c.path), std::string_view(c.client_id),
        std::string_view(c.scope), c.secret.view(), c.assertion.view(), std::string_view(c.authority.ca_pem)}) {
    material += std::to_string(part.size());
    material += ':';
    material += part;
  }
  const std::string digest = crypto::sha256(material);
  secure_wipe(material.data(), material.size());
  return hex_encode(digest);
}

// "(invalid_client) AADSTS…" from an OAuth2 error body; never echoes the body otherwise.
std::string oauth_error(const std::string& body) {
  boost::system::error_code ec;
  auto v = boost::json::parse(body, ec);
  if (ec || !v.is_object()) return "";
  const auto& o = v.as_object();
  std::string out;
  if (auto* e = o.if_contains("error"); e && e->is_string()) {
    out.append("(").append(e->as_string().data(), e->as_string().size()).append(") ");
  }
  if (auto* d = o.if_contains("error_description"); d && d->is_string())
    out += std::string(d->as_string()).substr(0, 512);
  return out;
}

}  // namespace

std::string token_path(const std::string& authority_path, const std::string& tenant) {
  if (iequals_ascii(tenant, "adfs")) return authority_path + "/adfs/oauth2/token";
  return authority_path + "/" + tenant + "/oauth2/v2.0/token";
}

Result<TokenSource::Cached> TokenSource::fetch(const ClientCredential& c) {
  std::vector<std::pair<std::string, std::string>> fields = {
      {"grant_type", "client_credentials"}, {"client_id", c.client_id}, {"scope", c.scope}};
  if (!c.assertion.empty()) {
    fields.emplace_back("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer");
    fields.emplace_back("client_assertion", c.assertion.str());
  } else {
    fields.emplace_back("client_secret", c.secret.str());
  }
  SecureString body(http::form_encode(fields));
  for (auto& f : fields) secure_wipe(f.second.data(), f.second.size());
  auto response =
      client_.send(c.authority, "POST", c.path,
                   {{"Content-Type", "application/x-www-form-urlencoded"}, {"Accept", "application/json"}}, body.str());
  if (!response.ok()) return response.status();
  SecureString answer(std::move(response->body));
  if (response->status != 200) {
    std::string why = oauth_error(answer.str());
    if (response->status == 404) why = "no such token endpoint: is tenantID Coffer's tenant id (or adfs)?";
    return errors::fail(errors::kAuthenticationFailed,
                        "The token endpoint " + c.authority.origin + c.path + " refused client '" + c.client_id +
                            "' (HTTP " + std::to_string(response->status) + ")" + (why.empty() ? "." : ": " + why),
                        Code::kUnauthorized);
  }
  boost::system::error_code ec;
  auto v = boost::json::parse(answer.str(), ec);
  auto* o = ec ? nullptr : v.if_object();
  auto* token = o ? o->if_contains("access_token") : nullptr;
  if (!token || !token->is_string() || token->as_string().empty()) {
    return errors::fail(errors::kAuthenticationFailed, "The token endpoint answered without an access token.",
                        Code::kUnauthorized);
  }
  int64_t lifetime = 300;
  if (auto* exp = o->if_contains("expires_in")) {
    if (exp->is_number()) lifetime = exp->to_number<int64_t>();
    if (exp->is_string()) lifetime = std::atoll(exp->as_string().c_str());
  }
  Cached out;
  out.token = SecureString(std::string_view(token->as_string()));
  secure_wipe(token->as_string().data(), token->as_string().size());
  const auto margin = std::min<std::chrono::seconds>(kRefreshMargin, std::chrono::seconds(lifetime / 2));
  out.refresh_at = std::chrono::steady_clock::now() + std::chrono::seconds(lifetime) - margin;
  return out;
}

Result<AccessToken> TokenSource::token(const ClientCredential& c) {
  if (c.client_id.empty() || (c.secret.empty() && c.assertion.empty())) {
    return errors::fail(errors::kMissingCredentials, "No client id and credential to ask for a token with.");
  }
  AccessToken out;
  out.identity = identity_of(c);
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = cache_.find(out.identity);
    if (it != cache_.end() && std::chrono::steady_clock::now() < it->second.refresh_at) {
      out.token = it->second.token;
      return out;
    }
  }
  auto token = flights_.run(out.identity, [&]() -> Result<SecureString> {
    auto fetched = fetch(c);
    if (!fetched.ok()) return fetched.status();
    std::lock_guard<std::mutex> lock(mu_);
    if (cache_.size() >= kMaxCachedTokens) {
      const auto now = std::chrono::steady_clock::now();
      std::erase_if(cache_, [&](const auto& entry) { return entry.second.refresh_at <= now; });
      if (cache_.size() >= kMaxCachedTokens) cache_.clear();
    }
    cache_[out.identity] = *fetched;
    return fetched->token;
  });
  if (!token.ok()) return token.status();
  out.token = std::move(*token);
  return out;
}

void TokenSource::forget(const std::string& identity) {
  std::lock_guard<std::mutex> lock(mu_);
  cache_.erase(identity);
}

}  // namespace coffer::csi
