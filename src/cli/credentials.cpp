#include "cli/credentials.hpp"

#include <boost/json.hpp>
#include <cstdlib>
#include <filesystem>

#include "cli/endpoints.hpp"
#include "cli/file_io.hpp"

namespace coffer::cli {
namespace json = boost::json;
namespace {

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? std::string(v) : std::string();
}

std::string trim_trailing_slashes(std::string s) {
  while (!s.empty() && s.back() == '/') s.pop_back();
  return s;
}

// The authority must be an https URL; its host is lower-cased like the server's own.
Result<std::string> normalize_authority(const std::string& raw, const std::string& where) {
  const std::string trimmed = trim_trailing_slashes(raw);
  auto parts = split_https_url(trimmed);
  if (!parts.ok())
    return bad_parameter("The authority host from " + where + " is invalid: " + parts.status().message());
  if (parts->target.find('?') != std::string::npos) {
    return bad_parameter("The authority host from " + where + " must not carry a query.");
  }
  return parts->origin + parts->target;
}

Result<std::string> suffix_from_env_or(const std::string& fallback_vault_url, const std::string& where) {
  if (std::string s = env("COFFER_VAULT_DNS_SUFFIX"); !s.empty()) {
    while (!s.empty() && s.front() == '.') s.erase(s.begin());
    return s;
  }
  if (fallback_vault_url.empty()) return std::string();
  auto suffix = suffix_from_vault_url(fallback_vault_url);
  if (!suffix.ok()) return bad_parameter("The vault URL from " + where + " is unusable: " + suffix.status().message());
  return suffix;
}

Result<Credentials> from_environment(const std::string& data_dir) {
  Credentials c;
  c.source = "environment";
  c.client_id = env("AZURE_CLIENT_ID");
  c.client_secret = SecureString(env("AZURE_CLIENT_SECRET"));
  const std::string authority = env("AZURE_AUTHORITY_HOST");
  if (authority.empty()) {
    return bad_parameter(
        "AZURE_AUTHORITY_HOST must be set (e.g. https://localhost:8443) when AZURE_CLIENT_ID and "
        "AZURE_CLIENT_SECRET are.");
  }
  COFFER_ASSIGN_OR_RETURN(c.authority, normalize_authority(authority, "AZURE_AUTHORITY_HOST"));
  c.tenant_id = env("AZURE_TENANT_ID");
  if (c.tenant_id.empty()) c.tenant_id = "adfs";
  c.ca_file = env("COFFER_CA_FILE");
  if (c.ca_file.empty()) c.ca_file = env("REQUESTS_CA_BUNDLE");
  std::string vault_url = env("COFFER_VAULT_URL");
  std::string where = "COFFER_VAULT_URL";
  if (vault_url.empty() && env("COFFER_VAULT_DNS_SUFFIX").empty()) {
    // Fall back to a dev.json next to us, for its vaultUrl only.
    const auto path = std::filesystem::path(resolve_data_dir(data_dir)) / "dev.json";
    if (auto text = read_file(path.string(), 1u << 20); text.ok()) {
      boost::system::error_code ec;
      json::value doc = json::parse(*text, ec);
      if (!ec && doc.is_object()) {
        if (const auto* v = doc.get_object().if_contains("vaultUrl"); v && v->is_string()) {
          vault_url = std::string(v->get_string());
          where = path.string();
        }
      }
    }
  }
  COFFER_ASSIGN_OR_RETURN(c.vault_suffix, suffix_from_env_or(vault_url, where));
  return c;
}

Result<Credentials> from_dev_json(const std::string& data_dir) {
  const std::string path = (std::filesystem::path(resolve_data_dir(data_dir)) / "dev.json").string();
  auto text = read_file(path, 1u << 20);
  if (!text.ok()) {
    return bad_parameter(
        "No credentials: set AZURE_CLIENT_ID, AZURE_CLIENT_SECRET and AZURE_AUTHORITY_HOST, or point "
        "--data-dir (or COFFER_DATA_DIR) at the data directory of `coffer server --dev` (" +
        text.status().message() + ")");
  }
  boost::system::error_code ec;
  json::value doc = json::parse(*text, ec);
  secure_wipe(text->data(), text->size());  // it holds the client secret
  if (ec || !doc.is_object()) return bad_parameter(path + " is not a JSON object.");
  const json::object& o = doc.get_object();
  auto field = [&](const char* key, bool required) -> Result<std::string> {
    const json::value* v = o.if_contains(key);
    if (v && v->is_string() && !v->get_string().empty()) return std::string(v->get_string());
    if (required) return bad_parameter(path + " has no string '" + std::string(key) + "'.");
    return std::string();
  };
  Credentials c;
  c.source = path;
  COFFER_ASSIGN_OR_RETURN(c.client_id, field("clientId", true));
  COFFER_ASSIGN_OR_RETURN(std::string secret, field("clientSecret", true));
  c.client_secret = SecureString(std::move(secret));
  COFFER_ASSIGN_OR_RETURN(std::string authority, field("authorityHost", true));
  COFFER_ASSIGN_OR_RETURN(c.authority, normalize_authority(authority, path));
  COFFER_ASSIGN_OR_RETURN(c.tenant_id, field("tenantId", false));
  if (c.tenant_id.empty()) c.tenant_id = "adfs";
  c.ca_file = env("COFFER_CA_FILE");
  if (c.ca_file.empty()) {
    COFFER_ASSIGN_OR_RETURN(c.ca_file, field("caFile", false));
  }
  COFFER_ASSIGN_OR_RETURN(std::string vault_url, field("vaultUrl", false));
  COFFER_ASSIGN_OR_RETURN(c.vault_suffix, suffix_from_env_or(vault_url, path));
  return c;
}

}  // namespace

std::string resolve_data_dir(const std::string& data_dir) {
  if (!data_dir.empty()) return data_dir;
  if (std::string d = env("COFFER_DATA_DIR"); !d.empty()) return d;
  return "./coffer-data";
}

Result<Credentials> load_credentials(const std::string& data_dir) {
  if (!env("AZURE_CLIENT_ID").empty() && !env("AZURE_CLIENT_SECRET").empty()) return from_environment(data_dir);
  return from_dev_json(data_dir);
}

Result<std::string> require_vault_suffix(const Credentials& creds) {
  if (!creds.vault_suffix.empty()) return creds.vault_suffix;
  return bad_parameter(
      "The vault DNS suffix is unknown: set COFFER_VAULT_DNS_SUFFIX (e.g. vault.localhost:8443) or "
      "COFFER_VAULT_URL, or use --id with a full secret id.");
}

}  // namespace coffer::cli
