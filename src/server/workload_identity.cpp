#include "server/workload_identity.hpp"

#include <boost/url/parse.hpp>

#include "http/client.hpp"

namespace coffer::server {
namespace {

constexpr std::size_t kMaxDocumentBytes = 512 * 1024;

std::string trim(std::string s) {
  const auto first = s.find_first_not_of(" \t");
  const auto last = s.find_last_not_of(" \t");
  return first == std::string::npos ? std::string() : s.substr(first, last - first + 1);
}

Status unavailable(std::string message) { return Status(Code::kUnavailable, std::move(message)); }

}  // namespace

Result<std::map<std::string, std::string>> parse_jwks_files(const std::string& text) {
  std::map<std::string, std::string> out;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find(',', start);
    if (end == std::string::npos) end = text.size();
    const std::string entry = trim(text.substr(start, end - start));
    start = end + 1;
    if (entry.empty()) continue;
    const auto eq = entry.find('=');
    if (eq == std::string::npos) {
      return Status(Code::kBadParameter, "oidcJwksFiles: entry '" + entry + "' is not ISSUER=PATH.");
    }
    std::string issuer = trim(entry.substr(0, eq));
    std::string path = trim(entry.substr(eq + 1));
    while (!issuer.empty() && issuer.back() == '/') issuer.pop_back();
    if (issuer.rfind("https://", 0) != 0 || issuer.size() <= 8 || path.empty()) {
      return Status(Code::kBadParameter, "oidcJwksFiles: entry '" + entry + "' needs an https issuer and a path.");
    }
    if (!out.emplace(issuer, path).second) {
      return Status(Code::kBadParameter, "oidcJwksFiles: issuer " + issuer + " is named twice.");
    }
  }
  return out;
}

Result<std::string> https_get(const std::string& url, const std::string& ca_file) {
  auto parsed = boost::urls::parse_uri(url);
  if (!parsed || parsed->scheme() != "https" || !parsed->has_authority() || parsed->has_userinfo() ||
      parsed->encoded_host().empty()) {
    return unavailable("'" + url.substr(0, 300) + "' is not an https URL");
  }
  std::string origin = "https://" + std::string(parsed->encoded_host_and_port());
  std::string target = parsed->encoded_path().empty() ? "/" : std::string(parsed->encoded_path());
  if (parsed->has_query()) target += "?" + std::string(parsed->encoded_query());
  http::HttpsClient client(origin, ca_file);
  auto resp = client.request("GET", target, {{"Accept", "application/json"}}, "");
  if (!resp.ok()) return unavailable(resp.status().message());
  if (resp->status != 200) return unavailable("HTTP status " + std::to_string(resp->status));
  if (resp->body.size() > kMaxDocumentBytes) return unavailable("the document is larger than 512 KiB");
  return std::move(resp->body);
}

Result<std::unique_ptr<WorkloadIdentity>> make_workload_identity(const WorkloadIdentityOptions& options,
                                                                 store::Store& store,
                                                                 auth::ServicePrincipalRegistry& principals,
                                                                 const Clock& clock) {
  COFFER_ASSIGN_OR_RETURN(auto files, parse_jwks_files(options.jwks_files));
  auto wi = std::make_unique<WorkloadIdentity>();
  const std::string ca_file = options.oidc_ca_file;
  wi->source = std::make_unique<auth::OidcDiscoveryKeySource>(
      [ca_file](const std::string& url) { return https_get(url, ca_file); }, files);
  for (const auto& [issuer, path] : files) {
    auto text = wi->source->fetch_jwks(issuer);
    auto set = text.ok() ? auth::parse_jwks(*text) : Result<auth::JwkSet>(text.status());
    if (!set.ok()) {
      return Status(Code::kBadParameter, "oidcJwksFiles: the JWKS file for " + issuer + " (" + path +
                                             ") is not usable: " + set.status().message());
    }
  }
  auth::IssuerKeyOptions key_options;
  key_options.cache_seconds = options.jwks_cache_seconds;
  wi->issuer_keys = std::make_unique<auth::IssuerKeyCache>(*wi->source, key_options, clock);
  wi->credentials = std::make_unique<auth::WorkloadCredentialRegistry>(store, clock);
  wi->verifier = std::make_unique<auth::ClientAssertionVerifier>(principals, *wi->credentials, *wi->issuer_keys, clock);
  return wi;
}

}  // namespace coffer::server
