#include "csi/mount_handler.hpp"

#include <algorithm>
#include <chrono>

#include <boost/json.hpp>

#include "common/secure_memory.hpp"
#include "csi/file_paths.hpp"
#include "csi/mount_errors.hpp"
#include "csi/object_specs.hpp"
#include "csi/vault_objects.hpp"
#include "http/form_encoding.hpp"
#include "http/origin.hpp"

namespace coffer::csi {
namespace {

constexpr const char* kApiVersion = "7.4";
constexpr int kMaxVersionPages = 100;

// "https://a.b.c:8443" → "https://b.c:8443": the audience Coffer's vaults accept.
std::string vault_resource(const std::string& vault_url) {
  const std::string host = vault_url.substr(std::string("https://").size());
  const auto dot = host.find('.');
  return "https://" + (dot == std::string::npos ? host : host.substr(dot + 1));
}

// Splits "https://host[:port][/path]" into the origin and the path.
std::pair<std::string, std::string> split_authority(const std::string& authority) {
  const auto slash = authority.find('/', std::string("https://").size());
  if (slash == std::string::npos) return {authority, ""};
  return {authority.substr(0, slash), authority.substr(slash)};
}

// The AKV error message of a response body, or "".
std::string akv_message(std::string_view body) {
  boost::system::error_code ec;
  auto v = boost::json::parse(body, ec);
  if (ec || !v.is_object()) return "";
  const auto* e = v.as_object().if_contains("error");
  if (!e || !e->is_object()) return "";
  const auto* m = e->as_object().if_contains("message");
  return m && m->is_string() ? std::string(m->as_string()).substr(0, 512) : "";
}

std::string describe(const ObjectSpec& spec) {
  std::string out = std::string(type_name(spec.type)) + " '" + spec.name + "'";
  if (!spec.version.empty()) out += " version '" + spec.version + "'";
  return out;
}

}  // namespace

struct MountHandler::Session {
  Endpoint vault;
  ClientCredential credential;
  AccessToken token;
};

Result<MountHandler::Fetched> MountHandler::fetch_once(Session& s, const std::string& target) {
  return fetches_.run(s.token.identity + '\n' + s.vault.origin + target, [&]() -> Result<Fetched> {
    std::vector<std::pair<std::string, std::string>> headers = {{"Authorization", "Bearer " + s.token.token.str()},
                                                                {"Accept", "application/json"}};
    auto response = client_.send(s.vault, "GET", target, headers, "");
    secure_wipe(headers[0].second.data(), headers[0].second.size());
    if (!response.ok()) return response.status();
    return Fetched{response->status, SecureString(std::move(response->body))};
  });
}

Result<MountHandler::Fetched> MountHandler::get(Session& s, const std::string& target) {
  auto fetched = fetch_once(s, target);
  if (!fetched.ok() || fetched->status != 401) return fetched;
  // The vault refused the token (revoked, or signed before a key rotation): get a fresh one once.
  tokens_.forget(s.token.identity);
  COFFER_ASSIGN_OR_RETURN(s.token, tokens_.token(s.credential));
  return fetch_once(s, target);
}

Result<SecureString> MountHandler::get_ok(Session& s, const ObjectSpec& spec, const std::string& target) {
  const auto started = std::chrono::steady_clock::now();
  auto fetched = get(s, target);
  Status status;
  if (!fetched.ok()) {
    status = fetched.status();
  } else if (fetched->status != 200) {
    const std::string why = akv_message(fetched->body.view());
    const std::string what = describe(spec) + " in " + s.vault.origin;
    switch (fetched->status) {
      case 401:
        status = errors::fail(errors::kAuthenticationFailed,
                              "The vault refused the access token for " + what + ": " + why, Code::kUnauthorized);
        break;
      case 403:
        status = errors::fail(errors::kForbidden, "Access to " + what + " is denied: " + why, Code::kForbidden);
        break;
      case 404:
        status = errors::fail(errors::kObjectNotFound,
                              describe(spec) + " was not found in " + s.vault.origin + ": " + why, Code::kNotFound);
        break;
      default:
        status = errors::fail(
            fetched->status >= 500 || fetched->status == 429 ? errors::kVaultUnavailable : errors::kInvalidObjects,
            "The vault answered HTTP " + std::to_string(fetched->status) + " for " + what + ": " + why,
            fetched->status >= 500 ? Code::kUnavailable : Code::kBadParameter);
    }
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  metrics_.observe_vault_request(type_name(spec.type), spec.name, status.ok() ? "" : errors::code_of(status), seconds);
  if (!status.ok()) return status;
  return std::move(fetched->body);
}

Result<std::vector<std::string>> MountHandler::history_versions(Session& s, const ObjectSpec& spec) {
  std::vector<VersionItem> all;
  std::string target = "/" + std::string(collection_of(spec.type)) + "/" + spec.name +
                       "/versions?api-version=" + kApiVersion + "&maxresults=25";
  for (int page = 0; !target.empty(); ++page) {
    if (page == kMaxVersionPages) {
      return errors::fail(errors::kInvalidObjects, describe(spec) + " has more versions than the provider lists.");
    }
    COFFER_ASSIGN_OR_RETURN(SecureString body, get_ok(s, spec, target));
    COFFER_ASSIGN_OR_RETURN(VersionPage versions, parse_version_page(spec.type, body.view()));
    for (auto& item : versions.items) all.push_back(std::move(item));
    target.clear();
    if (!versions.next_link.empty()) {
      if (versions.next_link.rfind(s.vault.origin + "/", 0) != 0) {
        return errors::fail(errors::kVaultUnavailable, "The vault's nextLink leaves " + s.vault.origin + ".",
                            Code::kInternal);
      }
      target = versions.next_link.substr(s.vault.origin.size());
    }
  }
  std::erase_if(all, [](const VersionItem& v) { return !v.enabled; });
  // Newest first. `created` is whole seconds and ties when a version follows
  // another within a second (a rotation right after a set); the vault's own
  // order breaks the tie: Coffer's version ids sort in the order the versions
  // were made (vault/version_ids.hpp), so the current version is alias 0.
  std::sort(all.begin(), all.end(), [](const VersionItem& a, const VersionItem& b) {
    return a.created != b.created ? a.created > b.created : a.version > b.version;
  });
  std::size_t start = 0;
  if (!spec.version.empty() && spec.version != "latest") {
    auto it = std::find_if(all.begin(), all.end(), [&](const VersionItem& v) { return v.version == spec.version; });
    if (it == all.end()) {
      return errors::fail(errors::kObjectNotFound, describe(spec) + " is not an enabled version of the object.",
                          Code::kNotFound);
    }
    start = static_cast<std::size_t>(it - all.begin());
  }
  std::vector<std::string> out;
  for (std::size_t i = start; i < all.size() && out.size() < static_cast<std::size_t>(spec.version_history); ++i) {
    out.push_back(all[i].version);
  }
  if (out.empty())
    return errors::fail(errors::kObjectNotFound, describe(spec) + " has no enabled version.", Code::kNotFound);
  return out;
}

Status MountHandler::add_object(Session& s, const ObjectSpec& spec, int default_mode, MountOutput& out) {
  const RenderOptions options{default_mode, settings_.separate_cert_and_key};
  const std::string base = "/" + std::string(collection_of(spec.type)) + "/" + spec.name + "/";
  const std::string id = std::string(type_name(spec.type)) + "/" + spec.name;
  auto add_version = [&](const std::string& version, const std::string& path, const std::string& object_id) -> Status {
    COFFER_ASSIGN_OR_RETURN(SecureString body,
                            get_ok(s, spec, base + http::percent_encode(version) + "?api-version=" + kApiVersion));
    COFFER_ASSIGN_OR_RETURN(VaultObject object, parse_vault_object(spec.type, body.view()));
    COFFER_ASSIGN_OR_RETURN(std::vector<MountedFile> files, render_object(spec, object, path, options));
    for (auto& f : files) out.files.push_back(std::move(f));
    out.versions.push_back({object_id, object.version});
    return Status::Ok();
  };
  if (spec.version_history <= 1) return add_version(spec.version, spec.file_name(), id);
  COFFER_ASSIGN_OR_RETURN(std::vector<std::string> versions, history_versions(s, spec));
  for (std::size_t i = 0; i < versions.size(); ++i) {
    const std::string index = std::to_string(i);
    COFFER_RETURN_IF_ERROR(add_version(versions[i], spec.file_name() + "/" + index, id + "/" + index));
  }
  return Status::Ok();
}

Result<MountOutput> MountHandler::mount(std::string_view attributes_json, std::string_view secrets_json,
                                        std::string_view permission_json, std::string* pod) {
  COFFER_ASSIGN_OR_RETURN(Attributes attributes, parse_attributes(attributes_json));
  if (pod) {
    auto value = [&](const char* key) {
      auto it = attributes.find(key);
      return it == attributes.end() ? std::string("?") : it->second.substr(0, 253);
    };
    *pod = value("csi.storage.k8s.io/pod.namespace") + "/" + value("csi.storage.k8s.io/pod.name");
  }
  COFFER_ASSIGN_OR_RETURN(SecretValues secrets, parse_secrets(secrets_json));
  COFFER_ASSIGN_OR_RETURN(int default_mode, parse_permission(permission_json));
  COFFER_ASSIGN_OR_RETURN(MountParameters params, parse_parameters(attributes, settings_.defaults));
  COFFER_ASSIGN_OR_RETURN(std::vector<ObjectSpec> objects, parse_objects(params.objects));

  Session s;
  s.vault = Endpoint{params.vault_url, params.ca_bundle, settings_.ca_file};
  const auto [authority_origin, authority_path] = split_authority(params.authority);
  if (!http::parse_origin(authority_origin).ok()) {
    return errors::fail(errors::kInvalidParameters,
                        "The token authority '" + params.authority + "' is not an https URL.");
  }
  ClientCredential& c = s.credential;
  c.authority = Endpoint{authority_origin, params.ca_bundle, settings_.ca_file};
  c.path = token_path(authority_path, params.tenant_id);
  c.scope = vault_resource(params.vault_url) + "/.default";
  if (!params.client_id.empty()) {
    c.client_id = params.client_id;
    COFFER_ASSIGN_OR_RETURN(std::optional<SecureString> token,
                            service_account_token(attributes, secrets, kTokenExchangeAudience));
    if (!token) {
      return errors::fail(errors::kMissingCredentials,
                          "clientID is set (workload identity) but the driver passed no service-account token for "
                          "audience api://AzureADTokenExchange: add it to the CSIDriver's tokenRequests.");
    }
    c.assertion = std::move(*token);
  } else {
    const SecureString* id = find_secret(secrets, "clientid");
    const SecureString* secret = find_secret(secrets, "clientsecret");
    if (!id || id->empty() || !secret || secret->empty()) {
      return errors::fail(errors::kMissingCredentials,
                          "No identity: set clientID (workload identity) or give the volume a nodePublishSecretRef "
                          "with clientid and clientsecret.");
    }
    c.client_id = id->str();
    c.secret = *secret;
  }
  if (auto it = attributes.find(std::string(kTokensAttribute)); it != attributes.end()) {
    secure_wipe(it->second.data(), it->second.size());
  }
  COFFER_ASSIGN_OR_RETURN(s.token, tokens_.token(c));

  MountOutput out;
  for (const auto& spec : objects) {
    if (Status st = add_object(s, spec, default_mode, out); !st.ok()) {
      return Status(st.code(), "Cannot mount " + describe(spec) + ": " + st.message(), st.reason());
    }
  }
  for (const auto& f : out.files) {
    COFFER_RETURN_IF_ERROR(check_file_path(f.path));
    if (f.contents.size() > settings_.max_file_bytes) {
      return errors::fail(errors::kFileTooLarge, "The file '" + f.path + "' is " + std::to_string(f.contents.size()) +
                                                     " bytes, over the limit of " +
                                                     std::to_string(settings_.max_file_bytes) + ".");
    }
  }
  return out;
}

}  // namespace coffer::csi
