#include "cli/endpoints.hpp"

#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>

#include "common/ascii.hpp"

namespace coffer::cli {
namespace {

bool ends_with(std::string_view s, std::string_view tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

}  // namespace

Result<UrlParts> split_https_url(std::string_view url) {
  auto parsed = boost::urls::parse_absolute_uri(url);
  if (!parsed) return bad_parameter("'" + std::string(url) + "' is not an absolute URL.");
  const boost::urls::url_view& u = *parsed;
  if (lower_ascii(u.scheme()) != "https") return bad_parameter("'" + std::string(url) + "' is not an https URL.");
  if (!u.has_authority() || u.encoded_host().empty()) return bad_parameter("'" + std::string(url) + "' has no host.");
  if (u.has_userinfo()) return bad_parameter("'" + std::string(url) + "' must not carry user information.");
  UrlParts out;
  out.host = lower_ascii(u.encoded_host_and_port());
  out.origin = "https://" + out.host;
  out.target = std::string(u.encoded_path());
  if (u.has_query()) out.target += "?" + std::string(u.encoded_query());
  return out;
}

Result<std::string> suffix_from_vault_url(std::string_view vault_url) {
  COFFER_ASSIGN_OR_RETURN(UrlParts parts, split_https_url(vault_url));
  const auto dot = parts.host.find('.');
  if (dot == std::string::npos || dot == 0 || dot + 1 >= parts.host.size() || parts.host[dot + 1] == ':') {
    return bad_parameter("Cannot derive a vault DNS suffix from '" + std::string(vault_url) +
                         "': its host has a single label. Set COFFER_VAULT_DNS_SUFFIX.");
  }
  return parts.host.substr(dot + 1);
}

std::string vault_origin(std::string_view suffix, std::string_view vault_name) {
  return "https://" + lower_ascii(vault_name) + "." + lower_ascii(suffix);
}

std::string vault_resource(std::string_view vault_host, std::string_view suffix) {
  const std::string host = lower_ascii(vault_host);
  const std::string sfx = lower_ascii(suffix);
  if (!sfx.empty() && (host == sfx || ends_with(host, "." + sfx))) return "https://" + sfx;
  const auto dot = host.find('.');
  if (dot != std::string::npos && dot + 1 < host.size() && host[dot + 1] != ':') {
    return "https://" + host.substr(dot + 1);
  }
  return sfx.empty() ? "https://" + host : "https://" + sfx;
}

Result<ObjectId> parse_object_id(std::string_view id, std::string_view collection) {
  COFFER_ASSIGN_OR_RETURN(UrlParts parts, split_https_url(id));
  auto invalid = [&] {
    std::string noun(collection.substr(0, collection.size() - 1));  // "secrets" -> "secret"
    return bad_parameter("'" + std::string(id) + "' is not a " + noun + " id (https://<vault-host>/" +
                         std::string(collection) + "/<name>[/<version>]).");
  };
  std::string path = parts.target.substr(0, parts.target.find('?'));
  std::vector<std::string> segments;
  std::size_t start = 1;
  if (path.empty() || path[0] != '/') return invalid();
  while (start <= path.size()) {
    const auto slash = path.find('/', start);
    segments.push_back(path.substr(start, slash == std::string::npos ? std::string::npos : slash - start));
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  if (!segments.empty() && segments.back().empty()) segments.pop_back();  // trailing slash
  if (segments.size() < 2 || segments.size() > 3 || segments[0] != collection || segments[1].empty()) {
    return invalid();
  }
  for (const auto& s : segments) {
    if (s.find('%') != std::string::npos) return invalid();
  }
  return ObjectId{parts.origin, parts.host, segments[1], segments.size() == 3 ? segments[2] : ""};
}

std::string name_from_id(std::string_view id) {
  auto parts = split_https_url(id);
  if (!parts.ok()) return {};
  std::string_view path = parts->target;
  path = path.substr(0, path.find('?'));
  static constexpr std::string_view kCollections[] = {"/secrets/",     "/deletedsecrets/", "/keys/",
                                                      "/deletedkeys/", "/certificates/",   "/deletedcertificates/"};
  for (std::string_view c : kCollections) {
    if (path.rfind(c, 0) == 0) {
      std::string_view rest = path.substr(c.size());
      return std::string(rest.substr(0, rest.find('/')));
    }
  }
  return {};
}

Result<std::string> next_link_target(std::string_view next_link, std::string_view origin,
                                     std::string_view api_version) {
  COFFER_ASSIGN_OR_RETURN(UrlParts parts, split_https_url(next_link));
  std::string want = lower_ascii(origin);
  // "https://host:443" and "https://host" name the same origin.
  auto strip_443 = [](std::string s) { return ends_with(s, ":443") ? s.substr(0, s.size() - 4) : s; };
  if (strip_443(parts.origin) != strip_443(want)) {
    return bad_parameter("The server's nextLink points at another host (" + parts.origin + "); refusing to follow it.");
  }
  std::string target = parts.target.empty() ? "/" : parts.target;
  const auto q = target.find('?');
  const std::string query = q == std::string::npos ? "" : target.substr(q + 1);
  bool has_version = false;
  std::size_t start = 0;
  while (start <= query.size() && !query.empty()) {
    const auto amp = query.find('&', start);
    std::string_view param =
        std::string_view(query).substr(start, amp == std::string::npos ? std::string::npos : amp - start);
    if (param.rfind("api-version=", 0) == 0) has_version = true;
    if (amp == std::string::npos) break;
    start = amp + 1;
  }
  if (!has_version) {
    target += q == std::string::npos ? "?" : "&";
    target += "api-version=" + std::string(api_version);
  }
  return target;
}

}  // namespace coffer::cli
