// Wildcard matching of actions, role grants, GUIDs and scopes.
#include "auth/role_definition.hpp"
#include "common/ascii.hpp"

namespace coffer::auth {
namespace {

bool any_matches(const std::vector<std::string>& patterns, std::string_view action) {
  for (const auto& p : patterns) {
    if (action_matches(p, action)) return true;
  }
  return false;
}

bool valid_scope_name(std::string_view s) {
  if (s.empty() || s.size() > 127) return false;
  for (char c : s) {
    if (!ascii_alnum(c) && c != '-' && c != '_' && c != '.') return false;
  }
  return true;
}

}  // namespace

bool action_matches(std::string_view pattern, std::string_view action) {
  // Iterative glob: on a mismatch, let the most recent '*' swallow one more character.
  std::size_t p = 0, a = 0, star = std::string_view::npos, resume = 0;
  while (a < action.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      resume = a;
    } else if (p < pattern.size() && ascii_lower(pattern[p]) == ascii_lower(action[a])) {
      ++p;
      ++a;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      a = ++resume;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

bool is_data_action(std::string_view action) {
  if (istarts_with_ascii(action, "Coffer/")) return true;
  constexpr std::string_view kVaults = "Microsoft.KeyVault/vaults/";
  if (!istarts_with_ascii(action, kVaults)) return false;
  const std::string_view rest = action.substr(kVaults.size());
  const std::string_view kind = rest.substr(0, rest.find('/'));
  for (std::string_view k : {"secrets", "keys", "certificates", "certificatecas", "certificatecontacts",
                             "keyrotationpolicies", "rng", "storageaccounts", "deletedstorageaccounts"}) {
    if (iequals_ascii(kind, k) && kind.size() < rest.size()) return true;
  }
  return false;
}

bool role_grants(const RoleDefinition& role, std::string_view action) {
  const bool data = is_data_action(action);
  for (const auto& perm : role.permissions) {
    if (data && any_matches(perm.data_actions, action) && !any_matches(perm.not_data_actions, action)) return true;
    if (!data && any_matches(perm.actions, action) && !any_matches(perm.not_actions, action)) return true;
  }
  return false;
}

bool is_guid(std::string_view s) {
  if (s.size() != 36) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (s[i] != '-') return false;
    } else if (!std::isxdigit(static_cast<unsigned char>(s[i]))) {
      return false;
    }
  }
  return true;
}

Result<std::string> normalize_scope(std::string_view scope) {
  std::vector<std::string> parts;
  std::size_t i = 0;
  while (i < scope.size()) {
    std::size_t slash = scope.find('/', i);
    if (slash == std::string_view::npos) slash = scope.size();
    if (slash > i) parts.push_back(lower_ascii(scope.substr(i, slash - i)));
    i = slash + 1;
  }
  const Status bad(Code::kBadParameter, "The scope '" + std::string(scope.substr(0, 300)) +
                                            "' is not valid. Use '/', '/resourceGroups/{group}', '/vaults/{vault}' or "
                                            "'/vaults/{vault}/secrets|keys|certificates/{name}'.");
  if (parts.empty()) return std::string("/");
  if (parts[0] == "resourcegroups") {
    if (parts.size() != 2 || parts[1].size() > 90 || parts[1].back() == '.') return bad;
    for (char c : parts[1]) {
      if (!ascii_alnum(c) && c != '-' && c != '_' && c != '.' && c != '(' && c != ')') return bad;
    }
    return "/resourcegroups/" + parts[1];
  }
  if (parts[0] != "vaults" || (parts.size() != 2 && parts.size() != 4) || !valid_scope_name(parts[1])) return bad;
  std::string out = "/vaults/" + parts[1];
  if (parts.size() == 4) {
    if (parts[2] != "secrets" && parts[2] != "keys" && parts[2] != "certificates") return bad;
    if (!valid_scope_name(parts[3])) return bad;
    out += "/" + parts[2] + "/" + parts[3];
  }
  return out;
}

bool scope_covers(std::string_view assigned, std::string_view requested) {
  if (assigned == "/") return true;
  if (requested.size() < assigned.size()) return false;
  for (std::size_t i = 0; i < assigned.size(); ++i) {
    if (ascii_lower(requested[i]) != assigned[i]) return false;
  }
  return requested.size() == assigned.size() || requested[assigned.size()] == '/';
}

Status validate_action_pattern(std::string_view pattern) {
  if (pattern.empty() || pattern.size() > 256) {
    return Status(Code::kBadParameter, "An action must be 1-256 characters.");
  }
  for (char c : pattern) {
    if (c <= 0x20 || c >= 0x7f) {
      return Status(Code::kBadParameter, "The action '" + std::string(pattern.substr(0, 64)) +
                                             "' contains a space or a character outside printable ASCII.");
    }
  }
  return Status::Ok();
}

}  // namespace coffer::auth
