// Where the CLI sends requests: URL splitting and encoding, vault URLs built
// from a DNS suffix, object ids (`--id`) and paging links. Pure functions;
// errors are kBadParameter with a message fit for "ERROR: …".
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.hpp"
#include "http/form_encoding.hpp"

namespace coffer::cli {

// An absolute https URL cut at the end of its authority.
struct UrlParts {
  std::string origin;  // "https://host[:port]", host lower-cased
  std::string host;    // "host[:port]", lower-cased
  std::string target;  // path and query as given ("" when absent)
};
Result<UrlParts> split_https_url(std::string_view url);

// Percent-encoding and form bodies live in http/ (shared with the CSI provider).
using http::form_encode;
using http::percent_encode;

// "https://dev.vault.localhost:8443" → "vault.localhost:8443" (drops the first label).
Result<std::string> suffix_from_vault_url(std::string_view vault_url);
// ("vault.localhost:8443", "MyVault") → "https://myvault.vault.localhost:8443".
std::string vault_origin(std::string_view suffix, std::string_view vault_name);
// Token audience for a vault host: "https://" + suffix. When `suffix` is empty or
// does not end the host, the host minus its first label.
std::string vault_resource(std::string_view vault_host, std::string_view suffix);

// "https://v.vault.localhost:8443/<collection>/name[/version]", e.g. a secret or key id.
struct ObjectId {
  std::string origin;
  std::string host;
  std::string name;
  std::string version;  // empty = latest
};
// `collection`: "secrets", "keys" or "certificates".
Result<ObjectId> parse_object_id(std::string_view id, std::string_view collection);
// The last path segment that names the object: ".../secrets/name/ver" → "name",
// ".../deletedsecrets/name" → "name". Empty when the id has no such segment.
std::string name_from_id(std::string_view id);

// The request target for a nextLink on `origin`: it must be on the same origin;
// `api-version` is appended when the link lacks it.
Result<std::string> next_link_target(std::string_view next_link, std::string_view origin, std::string_view api_version);

}  // namespace coffer::cli
