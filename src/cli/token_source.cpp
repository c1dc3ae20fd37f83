#include "cli/token_source.hpp"

#include <boost/json.hpp>
#include <chrono>
#include <utility>
#include <vector>

#include "cli/endpoints.hpp"
#include "cli/response_errors.hpp"
#include "common/secure_memory.hpp"
#include "http/client.hpp"

namespace coffer::cli {
namespace json = boost::json;
namespace {

int64_t steady_seconds() {
  using namespace std::chrono;
  return duration_cast<seconds>(steady_clock::now().time_since_epoch()).count();
}

}  // namespace

TokenSource::TokenSource(Credentials creds) : creds_(std::move(creds)) {}
TokenSource::~TokenSource() = default;
TokenSource::TokenSource(TokenSource&&) noexcept = default;
TokenSource& TokenSource::operator=(TokenSource&&) noexcept = default;

void TokenSource::forget(const std::string& resource) { cache_.erase(resource); }

Result<SecureString> TokenSource::token_for(const std::string& resource) {
  if (auto it = cache_.find(resource); it != cache_.end() && it->second.refresh_at > steady_seconds()) {
    return it->second.token;
  }
  COFFER_ASSIGN_OR_RETURN(UrlParts authority, split_https_url(creds_.authority));
  if (!client_) client_ = std::make_unique<http::HttpsClient>(authority.origin, creds_.ca_file);
  const std::string path = creds_.tenant_id == "adfs"
                               ? authority.target + "/adfs/oauth2/token"
                               : authority.target + "/" + percent_encode(creds_.tenant_id) + "/oauth2/v2.0/token";
  // Not an initializer list: its copy of the secret could not be wiped.
  std::vector<std::pair<std::string, std::string>> fields = {
      {"grant_type", "client_credentials"}, {"client_id", creds_.client_id}, {"scope", resource + "/.default"}};
  fields.emplace_back("client_secret", creds_.client_secret.str());
  SecureString body(form_encode(fields));
  for (auto& f : fields) secure_wipe(f.second.data(), f.second.size());
  auto response = client_->request("POST", path,
                                   {{"Content-Type", "application/x-www-form-urlencoded"},
                                    {"Accept", "application/json"},
                                    {"User-Agent", "coffer-cli"}},
                                   body.str());
  if (!response.ok()) {
    return Status(Code::kUnavailable,
                  "Cannot reach the authority " + authority.origin + ": " + response.status().message());
  }
  SecureString answer(std::move(response->body));
  response->body.clear();
  if (response->status < 200 || response->status > 299) {
    http::Response copy;
    copy.status = response->status;
    copy.body = answer.str();
    Status st = status_from_response(copy);
    secure_wipe(copy.body.data(), copy.body.size());
    return st;
  }
  boost::system::error_code ec;
  json::value doc = json::parse(answer.view(), ec);
  const json::object* o = !ec && doc.is_object() ? &doc.get_object() : nullptr;
  const json::value* token = o ? o->if_contains("access_token") : nullptr;
  if (!token || !token->is_string() || token->get_string().empty()) {
    return Status(Code::kInternal, "The token endpoint answered without an access_token.");
  }
  int64_t expires_in = 300;
  if (const json::value* e = o->if_contains("expires_in")) {
    if (e->is_int64())
      expires_in = e->get_int64();
    else if (e->is_string())
      expires_in = std::atoll(e->get_string().c_str());
  }
  Cached cached{SecureString(std::string_view(token->get_string())),
                steady_seconds() + std::max<int64_t>(expires_in - 60, 0)};
  json::string& raw = doc.get_object()["access_token"].get_string();
  secure_wipe(raw.data(), raw.size());
  SecureString out = cached.token;
  cache_[resource] = std::move(cached);
  return out;
}

}  // namespace coffer::cli
