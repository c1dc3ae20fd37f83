#include "csi/parameters.hpp"

#include <strings.h>

#include <array>
#include <fstream>

#include <boost/json.hpp>

#include "common/ascii.hpp"
#include "csi/mount_errors.hpp"
#include "http/origin.hpp"

namespace coffer::csi {
namespace {

constexpr std::size_t kMaxCloudEnvFileBytes = 64 * 1024;

Status invalid_parameters(std::string message) { return errors::fail(errors::kInvalidParameters, std::move(message)); }

std::string get(const Attributes& a, const std::string& key) {
  auto it = a.find(key);
  return it == a.end() ? std::string() : it->second;
}

std::string trim_trailing_slashes(std::string s) {
  while (!s.empty() && s.back() == '/') s.pop_back();
  return s;
}

bool valid_vault_name(std::string_view name) {
  if (name.size() < 3 || name.size() > 24) return false;
  for (char c : name) {
    const bool ok = ascii_alnum(c) || c == '-';
    if (!ok) return false;
  }
  return true;
}

bool valid_suffix(std::string_view suffix) {
  if (suffix.empty() || suffix.size() > 253) return false;
  for (char c : suffix) {
    const bool ok = ascii_alnum(c) || c == '-' || c == '.' || c == ':';
    if (!ok) return false;
  }
  return true;
}

struct CloudEnvironment {
  std::string vault_dns_suffix;
  std::string authority;
};

Result<CloudEnvironment> read_cloud_environment(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return invalid_parameters("The cloudEnvFileName '" + path + "' cannot be read.");
  std::string text(kMaxCloudEnvFileBytes + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<std::size_t>(in.gcount()));
  if (text.size() > kMaxCloudEnvFileBytes)
    return invalid_parameters("The cloudEnvFileName '" + path + "' is larger than 64 KiB.");
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(text, ec);
  if (ec || !v.is_object()) return invalid_parameters("The cloudEnvFileName '" + path + "' is not a JSON object.");
  CloudEnvironment env;
  const auto& o = v.as_object();
  auto read = [&](std::string_view key, std::string& out) -> Status {
    if (const auto* f = o.if_contains(key)) {
      if (!f->is_string()) return invalid_parameters("'" + std::string(key) + "' in '" + path + "' is not a string.");
      out = std::string(f->as_string());
    }
    return Status::Ok();
  };
  COFFER_RETURN_IF_ERROR(read("keyVaultDNSSuffix", env.vault_dns_suffix));
  COFFER_RETURN_IF_ERROR(read("activeDirectoryEndpoint", env.authority));
  return env;
}

constexpr std::array<std::string_view, 5> kCloudNames = {"AzurePublicCloud", "AzureUSGovernmentCloud",
                                                         "AzureChinaCloud", "AzureGermanCloud", "AzureStackCloud"};

}  // namespace

Result<bool> parse_go_bool(std::string_view text, std::string_view parameter) {
  static constexpr std::array<std::string_view, 6> kTrue = {"1", "t", "T", "TRUE", "true", "True"};
  static constexpr std::array<std::string_view, 7> kFalse = {"", "0", "f", "F", "FALSE", "false", "False"};
  for (auto t : kTrue) {
    if (text == t) return true;
  }
  for (auto f : kFalse) {
    if (text == f) return false;
  }
  return invalid_parameters("The parameter '" + std::string(parameter) + "' must be true or false, not '" +
                            std::string(text.substr(0, 64)) + "'.");
}

Result<MountParameters> parse_parameters(const Attributes& a, const ProviderDefaults& defaults) {
  // Identity modes first: a class written for another mode must say so, not "no credentials".
  int modes = 0;
  std::string mode_name;
  for (const char* key : {"usePodIdentity", "useVMManagedIdentity", "useAzureTokenProxy"}) {
    COFFER_ASSIGN_OR_RETURN(bool on, parse_go_bool(get(a, key), key));
    if (on) {
      ++modes;
      mode_name = key;
    }
  }
  if (modes > 1) {
    return invalid_parameters(
        "At most one of usePodIdentity, useVMManagedIdentity and useAzureTokenProxy may be true.");
  }
  if (modes == 1) {
    return errors::fail(errors::kUnsupportedAuthMode,
                        mode_name +
                            " is not supported by Coffer: use workload identity (clientID) or a service "
                            "principal in nodePublishSecretRef.");
  }

  MountParameters p;
  const std::string cloud = get(a, "cloudName");
  if (!cloud.empty()) {
    bool known = false;
    for (auto name : kCloudNames) known |= strcasecmp(std::string(name).c_str(), cloud.c_str()) == 0;
    if (!known) return invalid_parameters("The cloudName '" + cloud.substr(0, 64) + "' is not a known Azure cloud.");
  }
  std::string suffix = defaults.vault_dns_suffix;
  p.authority = defaults.authority_host;
  if (const std::string env_file = get(a, "cloudEnvFileName"); !env_file.empty()) {
    COFFER_ASSIGN_OR_RETURN(CloudEnvironment env, read_cloud_environment(env_file));
    if (!env.vault_dns_suffix.empty()) suffix = env.vault_dns_suffix;
    if (!env.authority.empty()) p.authority = env.authority;
  }
  p.authority = trim_trailing_slashes(p.authority);
  if (p.authority.empty()) {
    return invalid_parameters(
        "No token authority: start the provider with --authority-host or name one in cloudEnvFileName "
        "(activeDirectoryEndpoint).");
  }
  if (p.authority.rfind("https://", 0) != 0) {
    return invalid_parameters("The token authority '" + p.authority + "' is not an https URL.");
  }

  if (std::string url = trim_trailing_slashes(get(a, "vaultUrl")); !url.empty()) {
    if (auto origin = http::parse_origin(url); !origin.ok()) {
      return invalid_parameters("The vaultUrl '" + url.substr(0, 256) + "' is not an https URL without a path.");
    }
    p.vault_url = std::move(url);
  } else {
    const std::string name = get(a, "keyvaultName");
    if (name.empty()) return invalid_parameters("The keyvaultName parameter is required.");
    if (!valid_vault_name(name)) {
      return invalid_parameters("The keyvaultName '" + name.substr(0, 64) +
                                "' must be 3-24 letters, digits and hyphens.");
    }
    if (suffix.empty()) {
      return invalid_parameters(
          "No vault DNS suffix: start the provider with --vault-dns-suffix, name one in cloudEnvFileName "
          "(keyVaultDNSSuffix) or set vaultUrl.");
    }
    while (!suffix.empty() && suffix.front() == '.') suffix.erase(0, 1);
    if (!valid_suffix(suffix))
      return invalid_parameters("The vault DNS suffix '" + suffix.substr(0, 64) + "' is not a host name.");
    p.vault_url = "https://" + name + "." + suffix;
    if (!http::parse_origin(p.vault_url).ok())
      return invalid_parameters("The vault URL '" + p.vault_url + "' is not valid.");
  }

  p.tenant_id = get(a, "tenantID");
  if (p.tenant_id.empty()) p.tenant_id = get(a, "tenantId");
  if (p.tenant_id.empty()) return invalid_parameters("The tenantID parameter is required.");
  for (char c : p.tenant_id) {
    const bool ok = ascii_alnum(c) || c == '-' || c == '.';
    if (!ok || p.tenant_id.size() > 128) return invalid_parameters("The tenantID must be a GUID or a domain name.");
  }
  p.client_id = get(a, "clientID");
  p.ca_bundle = get(a, "caBundle");
  if (!p.ca_bundle.empty() && p.ca_bundle.find("-----BEGIN CERTIFICATE-----") == std::string::npos) {
    return invalid_parameters("The caBundle parameter must hold PEM certificates.");
  }
  p.objects = get(a, "objects");
  return p;
}

}  // namespace coffer::csi
