#include "csi/mount_handler.hpp"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <map>
#include <set>
#include <span>

#include <boost/json.hpp>

#include "common/secure_memory.hpp"
#include "csi/file_paths.hpp"
#include "csi/mount_errors.hpp"
#include "csi/object_specs.hpp"
#include "csi/vault_objects.hpp"
#include "http/client.hpp"
#include "http/form_encoding.hpp"
#include "http/origin.hpp"

namespace coffer::csi {
namespace {

constexpr const char* kApiVersion = "7.4";
constexpr int kMaxVersionPages = 100;
constexpr int kMaxFeedPages = 20;           // then the rest is read as if the feed had not answered
constexpr std::size_t kBatchObjects = 100;  // the server's limit per batch read

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

// OK for a 200, else the mount error the vault's answer to a read of `spec` means.
Status answer_status(int status, std::string_view body, const ObjectSpec& spec, const std::string& origin) {
  if (status == 200) return Status::Ok();
  const std::string why = akv_message(body);
  const std::string what = describe(spec) + " in " + origin;
  switch (status) {
    case 401:
      return errors::fail(errors::kAuthenticationFailed, "The vault refused the access token for " + what + ": " + why,
                          Code::kUnauthorized);
    case 403: return errors::fail(errors::kForbidden, "Access to " + what + " is denied: " + why, Code::kForbidden);
    case 404:
      return errors::fail(errors::kObjectNotFound, describe(spec) + " was not found in " + origin + ": " + why,
                          Code::kNotFound);
    default:
      return errors::fail(status >= 500 || status == 429 ? errors::kVaultUnavailable : errors::kInvalidObjects,
                          "The vault answered HTTP " + std::to_string(status) + " for " + what + ": " + why,
                          status >= 500 ? Code::kUnavailable : Code::kBadParameter);
  }
}

// The change feed's and the batch read's name of an object type.
std::string_view feed_type(ObjectType type) {
  switch (type) {
    case ObjectType::kSecret: return "secret";
    case ObjectType::kKey: return "key";
    case ObjectType::kCert: return "certificate";
  }
  return "secret";
}

// The cache's name of an object read at one version: "<type>/<name lower case>/<version>".
std::string cached_name(const ObjectSpec& spec) {
  std::string out = std::string(feed_type(spec.type)) + "/";
  for (char c : spec.name) out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out + "/" + (spec.version == "latest" ? std::string() : spec.version);
}

}  // namespace

struct MountHandler::Session {
  Endpoint vault;
  ClientCredential credential;
  AccessToken token;
};

Result<MountHandler::Fetched> MountHandler::fetch_once(Session& s, const std::string& method, const std::string& target,
                                                       const std::string& body) {
  return fetches_.run(s.token.identity + '\n' + s.vault.origin + '\n' + method + ' ' + target + '\n' + body,
                      [&]() -> Result<Fetched> {
                        std::vector<std::pair<std::string, std::string>> headers = {{"Accept", "application/json"}};
                        headers.reserve(3);
                        const std::size_t bearer = http::add_bearer_header(headers, s.token.token.view());
                        if (!body.empty()) headers.emplace_back("Content-Type", "application/json");
                        auto response = client_.send(s.vault, method, target, headers, body);
                        secure_wipe(headers[bearer].second.data(), headers[bearer].second.size());
                        if (!response.ok()) return response.status();
                        return Fetched{response->status, SecureString(std::move(response->body))};
                      });
}

Result<MountHandler::Fetched> MountHandler::fetch(Session& s, const std::string& method, const std::string& target,
                                                  const std::string& body) {
  auto fetched = fetch_once(s, method, target, body);
  if (!fetched.ok() || fetched->status != 401) return fetched;
  // The vault refused the token (revoked, or signed before a key rotation): get a fresh one once.
  tokens_.forget(s.token.identity);
  COFFER_ASSIGN_OR_RETURN(s.token, tokens_.token(s.credential));
  return fetch_once(s, method, target, body);
}

Result<SecureString> MountHandler::get_ok(Session& s, const ObjectSpec& spec, const std::string& target) {
  const auto started = std::chrono::steady_clock::now();
  auto fetched = fetch(s, "GET", target);
  const Status status =
      !fetched.ok() ? fetched.status() : answer_status(fetched->status, fetched->body.view(), spec, s.vault.origin);
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

Status MountHandler::add_answer(const ObjectSpec& spec, std::string_view body, const std::string& path,
                                const std::string& object_id, int default_mode, MountOutput& out) const {
  COFFER_ASSIGN_OR_RETURN(VaultObject object, parse_vault_object(spec.type, body));
  COFFER_ASSIGN_OR_RETURN(
      std::vector<MountedFile> files,
      render_object(spec, object, path, RenderOptions{default_mode, settings_.separate_cert_and_key}));
  for (auto& f : files) out.files.push_back(std::move(f));
  out.versions.push_back({object_id, object.version});
  return Status::Ok();
}

Status MountHandler::add_history(Session& s, const ObjectSpec& spec, int default_mode, MountOutput& out) {
  const std::string base = "/" + std::string(collection_of(spec.type)) + "/" + spec.name + "/";
  const std::string id = std::string(type_name(spec.type)) + "/" + spec.name;
  COFFER_ASSIGN_OR_RETURN(std::vector<std::string> versions, history_versions(s, spec));
  for (std::size_t i = 0; i < versions.size(); ++i) {
    const std::string index = std::to_string(i);
    COFFER_ASSIGN_OR_RETURN(SecureString body,
                            get_ok(s, spec, base + http::percent_encode(versions[i]) + "?api-version=" + kApiVersion));
    COFFER_RETURN_IF_ERROR(
        add_answer(spec, body.view(), spec.file_name() + "/" + index, id + "/" + index, default_mode, out));
  }
  return Status::Ok();
}

Status MountHandler::read_current(Session& s, const std::vector<const ObjectSpec*>& specs,
                                  std::vector<SecureString>& answers) {
  answers.assign(specs.size(), SecureString());
  const std::string key = s.token.identity + '\n' + s.vault.origin;
  const ObjectCache::Cursors seen = cache_.cursors(key);
  ObjectCache::Cursors next;
  bool drop_all = false;
  std::vector<std::string> stale;
  std::set<std::string> changed;        // cached names of objects the feed reports, without the version
  std::set<std::string_view> followed;  // types whose feed answered from a cursor we had
  std::set<std::string_view> types;
  for (const ObjectSpec* spec : specs) types.insert(feed_type(spec->type));
  for (std::string_view type : types) {
    auto had = seen.find(std::string(type));
    std::string cursor = had == seen.end() ? std::string() : had->second;
    bool answered = false;
    for (int page = 0; page < kMaxFeedPages; ++page) {
      std::string target =
          "/coffer/changes?api-version=" + std::string(kApiVersion) + "&objectType=" + std::string(type);
      if (!cursor.empty()) target += "&cursor=" + http::percent_encode(cursor);
      auto fetched = fetch(s, "GET", target);
      if (!fetched.ok() || fetched->status != 200) break;  // no feed for this identity: read every object
      auto feed = parse_feed_page(fetched->body.view());
      if (!feed.ok()) break;
      drop_all = drop_all || feed->reset || feed->access_changed;
      for (const auto& name : feed->names) {
        stale.push_back(std::string(type) + "/" + name + "/");
        changed.insert(stale.back());
      }
      cursor = feed->cursor;
      if (!feed->more) {
        answered = true;
        break;
      }
    }
    if (!answered) continue;
    next[std::string(type)] = cursor;
    if (had != seen.end()) followed.insert(type);
  }

  std::vector<std::size_t> to_read;
  for (std::size_t i = 0; i < specs.size(); ++i) {
    const std::string name = cached_name(*specs[i]);
    const std::string object = name.substr(0, name.rfind('/') + 1);
    std::optional<SecureString> cached;
    if (!drop_all && followed.count(feed_type(specs[i]->type)) && !changed.count(object)) {
      cached = cache_.find(key, name);
    }
    if (cached) {
      answers[i] = std::move(*cached);
    } else {
      to_read.push_back(i);
    }
  }
  std::map<std::string, SecureString> fetched;
  for (std::size_t from = 0; from < to_read.size(); from += kBatchObjects) {
    const std::size_t n = std::min(kBatchObjects, to_read.size() - from);
    COFFER_RETURN_IF_ERROR(read_batch(s, specs, std::span(to_read).subspan(from, n), answers));
    for (std::size_t j = from; j < from + n; ++j) {
      if (next.count(std::string(feed_type(specs[to_read[j]]->type)))) {
        fetched.emplace(cached_name(*specs[to_read[j]]), answers[to_read[j]]);
      }
    }
  }
  cache_.commit(key, seen, next, drop_all, stale, std::move(fetched));
  return Status::Ok();
}

Status MountHandler::read_batch(Session& s, const std::vector<const ObjectSpec*>& specs,
                                std::span<const std::size_t> which, std::vector<SecureString>& answers) {
  const auto started = std::chrono::steady_clock::now();
  boost::json::array objects;
  for (std::size_t i : which) {
    boost::json::object o{{"objectType", feed_type(specs[i]->type)}, {"name", specs[i]->name}};
    if (!specs[i]->version.empty() && specs[i]->version != "latest") o["version"] = specs[i]->version;
    objects.push_back(std::move(o));
  }
  auto batch = fetch(s, "POST", "/coffer/batchget?api-version=" + std::string(kApiVersion),
                     boost::json::serialize(boost::json::object{{"objects", std::move(objects)}}));
  std::optional<std::vector<BatchResult>> results;
  if (batch.ok() && batch->status == 200) {
    auto parsed = parse_batch_results(batch->body.view(), which.size());
    if (parsed.ok()) results = std::move(*parsed);
  }
  if (!results) {  // a server without batch reads: one GET per object
    for (std::size_t i : which) {
      const ObjectSpec& spec = *specs[i];
      const std::string version = spec.version == "latest" ? std::string() : spec.version;
      COFFER_ASSIGN_OR_RETURN(answers[i], get_ok(s, spec,
                                                 "/" + std::string(collection_of(spec.type)) + "/" + spec.name + "/" +
                                                     http::percent_encode(version) + "?api-version=" + kApiVersion));
    }
    return Status::Ok();
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  for (std::size_t j = 0; j < which.size(); ++j) {
    const ObjectSpec& spec = *specs[which[j]];
    const Status status = answer_status((*results)[j].status, (*results)[j].body.view(), spec, s.vault.origin);
    metrics_.observe_vault_request(type_name(spec.type), spec.name, status.ok() ? "" : errors::code_of(status),
                                   seconds);
    if (!status.ok())
      return Status(status.code(), "Cannot mount " + describe(spec) + ": " + status.message(), status.reason());
    answers[which[j]] = std::move((*results)[j].body);
  }
  return Status::Ok();
}

Result<MountOutput> MountHandler::mount(std::string_view attributes_json, std::string_view secrets_json,
                                        std::string_view permission_json, std::string* pod) {
  COFFER_ASSIGN_OR_RETURN(Attributes attributes, parse_attributes(attributes_json));
  // The service-account tokens attribute holds credentials: wiped however the mount returns.
  struct WipeTokens {
    Attributes& attributes;
    ~WipeTokens() {
      if (auto it = attributes.find(std::string(kTokensAttribute)); it != attributes.end()) {
        secure_wipe(it->second.data(), it->second.size());
      }
    }
  } wipe_tokens{attributes};
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
  COFFER_ASSIGN_OR_RETURN(s.token, tokens_.token(c));

  // Objects read at one version come from the cache or batch reads; a version history is read GET by GET.
  std::vector<const ObjectSpec*> current;
  for (const auto& spec : objects) {
    if (spec.version_history <= 1) current.push_back(&spec);
  }
  std::vector<SecureString> answers;
  COFFER_RETURN_IF_ERROR(read_current(s, current, answers));
  MountOutput out;
  std::size_t next_answer = 0;
  for (const auto& spec : objects) {
    const Status st = spec.version_history <= 1
                          ? add_answer(spec, answers[next_answer++].view(), spec.file_name(),
                                       std::string(type_name(spec.type)) + "/" + spec.name, default_mode, out)
                          : add_history(s, spec, default_mode, out);
    if (!st.ok()) return Status(st.code(), "Cannot mount " + describe(spec) + ": " + st.message(), st.reason());
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
