#include "auth/access_policy.hpp"

#include <algorithm>
#include <array>

#include "common/ascii.hpp"
#include "common/record_codec.hpp"

namespace coffer::auth {
namespace {

// AKV's permission enumerations (Microsoft.KeyVault 2022-07-01 KeyPermissions,
// SecretPermissions, CertificatePermissions, StoragePermissions).
constexpr std::array<std::string_view, 21> kKeyPermissions = {"all",
                                                              "encrypt",
                                                              "decrypt",
                                                              "wrapkey",
                                                              "unwrapkey",
                                                              "sign",
                                                              "verify",
                                                              "get",
                                                              "list",
                                                              "create",
                                                              "update",
                                                              "import",
                                                              "delete",
                                                              "backup",
                                                              "restore",
                                                              "recover",
                                                              "purge",
                                                              "release",
                                                              "rotate",
                                                              "getrotationpolicy",
                                                              "setrotationpolicy"};
constexpr std::array<std::string_view, 9> kSecretPermissions = {"all",    "get",     "list",    "set",  "delete",
                                                                "backup", "restore", "recover", "purge"};
constexpr std::array<std::string_view, 17> kCertificatePermissions = {
    "all",        "get",         "list",       "delete",        "create",        "import",  "update", "managecontacts",
    "getissuers", "listissuers", "setissuers", "deleteissuers", "manageissuers", "recover", "purge",  "backup",
    "restore"};
constexpr std::array<std::string_view, 15> kStoragePermissions = {
    "all",   "get",    "list",    "delete", "set",     "update", "regeneratekey", "recover",
    "purge", "backup", "restore", "setsas", "listsas", "getsas", "deletesas"};

template <std::size_t N>
Status check_names(const std::vector<std::string>& names, const std::array<std::string_view, N>& allowed,
                   const char* kind) {
  if (names.size() > 64) return bad_parameter(std::string("Too many ") + kind + " permissions.");
  for (const auto& n : names) {
    const std::string lc = lower_ascii(n);
    if (std::find(allowed.begin(), allowed.end(), lc) == allowed.end()) {
      return bad_parameter("'" + n.substr(0, 40) + "' is not a " + kind + " permission.");
    }
  }
  return Status::Ok();
}

bool has_permission(const std::vector<std::string>& held, std::string_view name) {
  return std::any_of(held.begin(), held.end(),
                     [&](const std::string& p) { return iequals_ascii(p, "all") || iequals_ascii(p, name); });
}

enum PolicyField : uint8_t { kTenant = 1, kObject, kApplication, kKeys, kSecrets, kCertificates, kStorage };

}  // namespace

Status normalise_access_policy(AccessPolicy& p) {
  p.tenant_id = lower_ascii(p.tenant_id);
  p.object_id = lower_ascii(p.object_id);
  p.application_id = lower_ascii(p.application_id);
  if (!is_guid(p.tenant_id)) return bad_parameter("An access policy's tenantId must be a GUID.");
  if (!is_guid(p.object_id)) return bad_parameter("An access policy's objectId must be a GUID.");
  if (!p.application_id.empty() && !is_guid(p.application_id)) {
    return bad_parameter("An access policy's applicationId must be a GUID.");
  }
  COFFER_RETURN_IF_ERROR(check_names(p.keys, kKeyPermissions, "key"));
  COFFER_RETURN_IF_ERROR(check_names(p.secrets, kSecretPermissions, "secret"));
  COFFER_RETURN_IF_ERROR(check_names(p.certificates, kCertificatePermissions, "certificate"));
  return check_names(p.storage, kStoragePermissions, "storage");
}

bool policy_grants(const AccessPolicy& p, std::string_view permission) {
  const auto slash = permission.find('/');
  if (slash == std::string_view::npos) return false;
  const std::string_view kind = permission.substr(0, slash);
  const std::string_view name = permission.substr(slash + 1);
  if (kind == "keys") return has_permission(p.keys, name);
  if (kind == "secrets") return has_permission(p.secrets, name);
  if (kind == "certificates") return has_permission(p.certificates, name);
  if (kind == "storage") return has_permission(p.storage, name);
  return false;
}

std::optional<PolicyEdit> policy_edit_named(std::string_view name) {
  if (name == "add") return PolicyEdit::kAdd;
  if (name == "replace") return PolicyEdit::kReplace;
  if (name == "remove") return PolicyEdit::kRemove;
  return std::nullopt;
}

Result<std::vector<AccessPolicy>> edit_access_policies(std::vector<AccessPolicy> current,
                                                       std::vector<AccessPolicy> changes, PolicyEdit edit) {
  using Field = std::vector<std::string> AccessPolicy::*;
  constexpr Field kFields[] = {&AccessPolicy::keys, &AccessPolicy::secrets, &AccessPolicy::certificates,
                               &AccessPolicy::storage};
  const auto holds = [](const std::vector<std::string>& names, const std::string& name) {
    return std::any_of(names.begin(), names.end(), [&](const std::string& n) { return iequals_ascii(n, name); });
  };
  for (auto& change : changes) {
    COFFER_RETURN_IF_ERROR(normalise_access_policy(change));
    auto it = std::find_if(current.begin(), current.end(), [&](const AccessPolicy& p) {
      return p.tenant_id == change.tenant_id && p.object_id == change.object_id &&
             p.application_id == change.application_id;
    });
    if (it == current.end()) {
      if (edit != PolicyEdit::kRemove) current.push_back(std::move(change));
      continue;
    }
    for (Field f : kFields) {
      auto& held = (*it).*f;
      switch (edit) {
        case PolicyEdit::kReplace: held = change.*f; break;
        case PolicyEdit::kRemove: std::erase_if(held, [&](const std::string& h) { return holds(change.*f, h); }); break;
        case PolicyEdit::kAdd:
          for (const auto& name : change.*f) {
            if (!holds(held, name)) held.push_back(name);
          }
          break;
      }
    }
    if (edit == PolicyEdit::kRemove &&
        std::all_of(std::begin(kFields), std::end(kFields), [&](Field f) { return ((*it).*f).empty(); })) {
      current.erase(it);
    }
  }
  return current;
}

std::string encode_access_policies(const std::vector<AccessPolicy>& policies) {
  std::vector<std::string> encoded;
  for (const auto& p : policies) {
    RecordWriter w;
    w.bytes(kTenant, p.tenant_id).bytes(kObject, p.object_id).bytes(kApplication, p.application_id);
    w.list(kKeys, p.keys).list(kSecrets, p.secrets);
    w.list(kCertificates, p.certificates).list(kStorage, p.storage);
    encoded.push_back(w.take());
  }
  RecordWriter w;
  w.list(1, encoded);
  return w.take();
}

std::optional<std::vector<AccessPolicy>> decode_access_policies(std::string_view data) {
  auto r = RecordReader::parse(data);
  if (!r) return std::nullopt;
  std::vector<AccessPolicy> out;
  for (const auto& enc : r->list(1)) {
    auto p = RecordReader::parse(enc);
    if (!p) return std::nullopt;
    out.push_back(AccessPolicy{p->bytes(kTenant), p->bytes(kObject), p->bytes(kApplication), p->list(kKeys),
                               p->list(kSecrets), p->list(kCertificates), p->list(kStorage)});
  }
  return out;
}

}  // namespace coffer::auth
