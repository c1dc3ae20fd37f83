#include "api/arm_vault_routes.hpp"

#include <boost/json.hpp>

#include "api/json_body.hpp"
#include "api/object_json.hpp"
#include "api/responses.hpp"
#include "common/ascii.hpp"
#include "common/time_format.hpp"

namespace coffer::api {
namespace json = boost::json;
namespace {

constexpr const char* kVaultType = "Microsoft.KeyVault/vaults";

// AKV's words for a vault name already taken, by a live vault or by a soft-deleted one.
http::Response name_in_use(const std::string& name) {
  return arm_error(409, "VaultAlreadyExists",
                   "The vault name '" + name +
                       "' is already in use. Vault names are globally unique so it is possible that the name is "
                       "already taken.");
}

http::Response name_in_deleted_state() {
  return arm_error(409, "ConflictError",
                   "A vault with the same name already exists in deleted state. You need to either recover or purge "
                   "existing key vault.");
}

http::Response name_not_valid(const std::string& name) {
  return arm_error(400, "VaultNameNotValid",
                   "The vault name '" + name.substr(0, 100) +
                       "' is invalid. A vault's name must be between 3-24 alphanumeric characters. The name must "
                       "begin with a letter, end with a letter or digit, and not contain consecutive hyphens.");
}

Operation vault_operation(std::string name, std::string action, std::string scope,
                          std::function<http::Response()> run) {
  return Operation{std::move(name), "Microsoft.KeyVault/" + std::move(action), std::move(scope), "", std::move(run)};
}

std::string vault_scope(const std::string& name) { return "/vaults/" + name; }

json::array policies_json(const std::vector<auth::AccessPolicy>& policies) {
  json::array out;
  for (const auto& p : policies) {
    json::object o{{"tenantId", p.tenant_id},
                   {"objectId", p.object_id},
                   {"permissions", json::object{{"keys", string_array(p.keys)},
                                                {"secrets", string_array(p.secrets)},
                                                {"certificates", string_array(p.certificates)},
                                                {"storage", string_array(p.storage)}}}};
    if (!p.application_id.empty()) o["applicationId"] = p.application_id;
    out.push_back(std::move(o));
  }
  return out;
}

// An accessPolicies array of a request. Each entry: tenantId, objectId,
// applicationId?, permissions {keys?, secrets?, certificates?, storage?}.
Result<std::vector<auth::AccessPolicy>> parse_policies(const json::value& v) {
  if (!v.is_array()) return bad_parameter("Property 'accessPolicies' must be an array.");
  std::vector<auth::AccessPolicy> out;
  for (const auto& item : v.as_array()) {
    if (!item.is_object()) return bad_parameter("Each access policy must be an object.");
    const auto& o = item.as_object();
    auth::AccessPolicy p;
    COFFER_ASSIGN_OR_RETURN(auto tenant, opt_string(o, "tenantId"));
    COFFER_ASSIGN_OR_RETURN(auto object, opt_string(o, "objectId"));
    COFFER_ASSIGN_OR_RETURN(auto application, opt_string(o, "applicationId"));
    COFFER_ASSIGN_OR_RETURN(auto permissions, opt_object(o, "permissions"));
    if (!tenant || !object) return bad_parameter("Each access policy needs 'tenantId' and 'objectId'.");
    if (!permissions) return bad_parameter("Each access policy needs 'permissions'.");
    p.tenant_id = *tenant;
    p.object_id = *object;
    p.application_id = application.value_or("");
    for (auto [key, field] :
         {std::pair{"keys", &auth::AccessPolicy::keys}, std::pair{"secrets", &auth::AccessPolicy::secrets},
          std::pair{"certificates", &auth::AccessPolicy::certificates},
          std::pair{"storage", &auth::AccessPolicy::storage}}) {
      COFFER_ASSIGN_OR_RETURN(auto names, opt_string_array(*permissions, key));
      p.*field = names.value_or(std::vector<std::string>{});
    }
    out.push_back(std::move(p));
  }
  return out;
}

json::object vault_json(const ArmContext& ctx, const vault::VaultInfo& v,
                        const std::vector<auth::AccessPolicy>& policies) {
  json::object props{{"sku", json::object{{"family", "A"}, {"name", v.sku}}},
                     {"tenantId", ctx.tenant_id},
                     {"accessPolicies", policies_json(policies)},
                     {"enabledForDeployment", false},
                     {"enabledForDiskEncryption", false},
                     {"enabledForTemplateDeployment", false},
                     {"enableSoftDelete", true},
                     {"softDeleteRetentionInDays", v.retention_days},
                     {"enableRbacAuthorization", v.rbac_authorization},
                     {"vaultUri", ctx.vault_url(v.name)},
                     {"provisioningState", "Succeeded"},
                     {"publicNetworkAccess", "Enabled"}};
  if (v.purge_protection) props["enablePurgeProtection"] = true;  // ARM leaves it out until it is on
  return json::object{{"id", arm_vault_id(ctx, v)}, {"name", v.name},
                      {"type", kVaultType},         {"location", v.location},
                      {"tags", tags_json(v.tags)},  {"properties", std::move(props)}};
}

http::Response vault_response(int status, const ArmContext& ctx, const vault::VaultInfo& v) {
  auto policies = ctx.rbac->access_policies(v.id);
  if (!policies.ok()) return arm_failure(policies.status());
  return json_response(status, vault_json(ctx, v, *policies));
}

json::object deleted_vault_json(const ArmContext& ctx, const vault::VaultInfo& v) {
  json::object o{{"id", "/subscriptions/" + subscription_id_of(ctx.tenant_id) +
                            "/providers/Microsoft.KeyVault/locations/" + v.location + "/deletedVaults/" + v.name},
                 {"name", v.name},
                 {"type", "Microsoft.KeyVault/deletedVaults"},
                 {"properties", json::object{{"vaultId", arm_vault_id(ctx, v)},
                                             {"location", v.location},
                                             {"deletionDate", to_iso8601(v.deleted, UtcSuffix::kZ)},
                                             {"scheduledPurgeDate", to_iso8601(v.scheduled_purge(), UtcSuffix::kZ)},
                                             {"tags", tags_json(v.tags)}}}};
  if (v.purge_protection) o["properties"].as_object()["purgeProtectionEnabled"] = true;  // ARM leaves out false
  return o;
}

// A live vault that is in `group` (a vault of another group is not found there, as in ARM).
Result<vault::VaultInfo> find_in_group(const ArmContext& ctx, const std::string& group, const std::string& name) {
  auto v = ctx.vaults->find(name);
  if (!v.ok() && v.status().code() != Code::kVaultNotFound) return v.status();
  if (!v.ok() || !iequals_ascii(v->resource_group, group)) {
    return Status(Code::kNotFound,
                  "The Resource 'Microsoft.KeyVault/vaults/" + name.substr(0, 100) + "' under resource group '" +
                      group.substr(0, 90) + "' was not found.",
                  "ResourceNotFound");
  }
  return v;
}

// The properties a PUT or PATCH may set, as read from its body.
struct VaultChanges {
  std::optional<std::string> location;
  std::optional<vault::Tags> tags;
  std::optional<std::string> sku;
  std::optional<std::string> tenant_id;
  std::optional<std::vector<auth::AccessPolicy>> policies;
  std::optional<bool> rbac_authorization;
  std::optional<int64_t> retention_days;
  std::optional<bool> purge_protection;
  std::optional<std::string> create_mode;
};

Result<VaultChanges> parse_changes(const std::string& body) {
  COFFER_ASSIGN_OR_RETURN(json::object o, parse_json_object(body));
  VaultChanges c;
  COFFER_ASSIGN_OR_RETURN(c.location, opt_string(o, "location"));
  COFFER_ASSIGN_OR_RETURN(c.tags, opt_string_map(o, "tags"));
  COFFER_ASSIGN_OR_RETURN(auto props, opt_object(o, "properties"));
  if (!props) return c;
  COFFER_ASSIGN_OR_RETURN(c.tenant_id, opt_string(*props, "tenantId"));
  COFFER_ASSIGN_OR_RETURN(auto sku, opt_object(*props, "sku"));
  if (sku) {
    COFFER_ASSIGN_OR_RETURN(c.sku, opt_string(*sku, "name"));
    if (c.sku) c.sku = lower_ascii(*c.sku);
  }
  if (const auto* p = props->if_contains("accessPolicies"); p && !p->is_null()) {
    COFFER_ASSIGN_OR_RETURN(c.policies, parse_policies(*p));
  }
  COFFER_ASSIGN_OR_RETURN(c.rbac_authorization, opt_bool(*props, "enableRbacAuthorization"));
  // enableSoftDelete: soft delete is always on; false is accepted and ignored, as AKV does since 2020.
  COFFER_ASSIGN_OR_RETURN(c.retention_days, opt_int(*props, "softDeleteRetentionInDays"));
  COFFER_ASSIGN_OR_RETURN(c.purge_protection, opt_bool(*props, "enablePurgeProtection"));
  COFFER_ASSIGN_OR_RETURN(c.create_mode, opt_string(*props, "createMode"));
  return c;
}

// A policy refused by normalise_access_policy (a permission that does not exist, …) as
// Microsoft.KeyVault refuses it: BadRequest, "An invalid value was provided for 'accessPolicies'".
Status invalid_policies(const Status& st) {
  if (st.code() != Code::kBadParameter) return st;
  return Status(Code::kBadParameter, "An invalid value was provided for 'accessPolicies': " + st.message(),
                "BadRequest");
}

// Refusals that hold for both create and update, checked before anything changes; the policies
// are normalised in place.
Status check_changes(VaultChanges& c, const ArmContext& ctx) {
  if (c.tenant_id && !iequals_ascii(*c.tenant_id, ctx.tenant_id)) {
    return Status(
        Code::kBadParameter,
        "The tenant '" + c.tenant_id->substr(0, 40) + "' is not the tenant of this server (" + ctx.tenant_id + ").",
        "BadRequest");
  }
  if (c.purge_protection && !*c.purge_protection) {
    return Status(Code::kBadParameter,
                  "The property \"enablePurgeProtection\" cannot be set to false. Enabling the purge protection for a "
                  "vault is an irreversible action.",
                  "BadRequest");
  }
  if (c.retention_days && (*c.retention_days < 7 || *c.retention_days > 90)) {
    return Status(Code::kBadParameter, "The property \"softDeleteRetentionInDays\" must be between 7 and 90.",
                  "BadRequest");
  }
  if (c.policies) {
    for (auto& p : *c.policies) {
      if (Status st = auth::normalise_access_policy(p); !st.ok()) return invalid_policies(st);
    }
  }
  return Status::Ok();
}

Status apply_changes(const VaultChanges& c, vault::VaultInfo& v) {
  if (c.location) v.location = *c.location;  // the registry refuses another place
  if (c.tags) v.tags = *c.tags;
  if (c.sku) v.sku = *c.sku;
  if (c.rbac_authorization) v.rbac_authorization = *c.rbac_authorization;
  if (c.purge_protection) v.purge_protection = *c.purge_protection;
  if (c.retention_days && *c.retention_days != v.retention_days) {
    return Status(Code::kBadParameter,
                  "The property \"softDeleteRetentionInDays\" has been set already and it can't be modified.",
                  "BadRequest");
  }
  return Status::Ok();
}

http::Response put_vault(const http::Request& req, const std::string& group, const std::string& name,
                         const ArmContext& ctx) {
  auto c = parse_changes(req.body);
  if (!c.ok()) return arm_error(400, "InvalidRequestContent", c.status().message());
  if (Status st = check_changes(*c, ctx); !st.ok()) return arm_failure(st);
  if (!c->location || c->location->empty()) {
    return arm_error(400, "LocationRequired", "The location property is required for this definition.");
  }
  auto g = ctx.groups->find(group);
  if (!g.ok()) return arm_failure(g.status());
  if (c->create_mode && iequals_ascii(*c->create_mode, "recover")) {
    auto deleted = ctx.vaults->find_deleted(name);
    if (!deleted.ok()) {
      if (deleted.status().code() != Code::kNotFound) return arm_failure(deleted.status());
      return arm_error(404, "SoftDeletedVaultDoesNotExist",
                       "No soft-deleted vault named '" + name.substr(0, 100) + "' exists to recover.");
    }
    if (!iequals_ascii(deleted->resource_group, group)) {
      return arm_error(409, "ConflictError",
                       "The deleted vault '" + deleted->name + "' was in resource group '" + deleted->resource_group +
                           "'; recover it there.");
    }
    // The body carries no properties to keep: the vault comes back as it was, access policies and all.
    auto recovered = ctx.vaults->recover(name);
    if (!recovered.ok()) return arm_failure(recovered.status());
    return vault_response(200, ctx, *recovered);
  }
  if (c->create_mode && !iequals_ascii(*c->create_mode, "default")) {
    return arm_error(400, "BadRequest", "The createMode must be 'default' or 'recover'.");
  }
  if (!vault::VaultRegistry::valid_name(name)) return name_not_valid(name);
  auto existing = ctx.vaults->find(name);
  if (existing.ok()) {
    if (!iequals_ascii(existing->resource_group, group)) return name_in_use(name);
    auto updated = ctx.vaults->update(name, [&](vault::VaultInfo& v) { return apply_changes(*c, v); });
    if (!updated.ok()) return arm_failure(updated.status());
    if (c->policies) {
      if (auto set = ctx.rbac->set_access_policies(updated->id, *c->policies); !set.ok())
        return arm_failure(set.status());
    }
    return vault_response(200, ctx, *updated);
  }
  if (existing.status().code() != Code::kVaultNotFound) return arm_failure(existing.status());
  if (!c->sku)
    return arm_error(400, "BadRequest",
                     "The property \"sku\" is required: {\"family\": \"A\", \"name\": \"standard\"}.");
  vault::VaultSettings settings;
  settings.resource_group = g->name;
  settings.location = *c->location;
  settings.tags = c->tags.value_or(vault::Tags{});
  settings.sku = *c->sku;
  settings.rbac_authorization = c->rbac_authorization.value_or(false);  // ARM's default: access policies
  settings.retention_days = int(c->retention_days.value_or(90));
  settings.purge_protection = c->purge_protection.value_or(false);
  auto created = ctx.vaults->create(name, settings);
  if (!created.ok()) {
    if (created.status().reason() == "VaultInDeletedState") return name_in_deleted_state();
    if (created.status().reason() == "VaultAlreadyExists") return name_in_use(name);
    return arm_failure(created.status());
  }
  if (c->policies && !c->policies->empty()) {
    // Checked before the vault existed (check_changes), so a bad one created nothing. Set after the
    // vault: a failure here leaves a vault nobody can reach by policy (less access, never more).
    if (auto set = ctx.rbac->set_access_policies(created->id, std::move(*c->policies)); !set.ok()) {
      return arm_failure(set.status());
    }
  }
  return vault_response(200, ctx, *created);
}

http::Response patch_vault(const http::Request& req, const std::string& group, const std::string& name,
                           const ArmContext& ctx) {
  auto c = parse_changes(req.body);
  if (!c.ok()) return arm_error(400, "InvalidRequestContent", c.status().message());
  if (Status st = check_changes(*c, ctx); !st.ok()) return arm_failure(st);
  auto v = find_in_group(ctx, group, name);
  if (!v.ok()) return arm_failure(v.status());
  auto updated = ctx.vaults->update(name, [&](vault::VaultInfo& info) { return apply_changes(*c, info); });
  if (!updated.ok()) return arm_failure(updated.status());
  if (c->policies) {
    if (auto set = ctx.rbac->set_access_policies(updated->id, *c->policies); !set.ok())
      return arm_failure(set.status());
  }
  return vault_response(200, ctx, *updated);
}

http::Response update_access_policies(const http::Request& req, const std::string& group, const std::string& name,
                                      const std::string& kind, const ArmContext& ctx) {
  auto body = parse_json_object(req.body);
  if (!body.ok()) return arm_error(400, "InvalidRequestContent", body.status().message());
  auto props = opt_object(*body, "properties");
  if (!props.ok() || !*props || !(*props)->contains("accessPolicies")) {
    return arm_error(400, "InvalidRequestContent", "The body must be {\"properties\": {\"accessPolicies\": [...]}}.");
  }
  auto changes = parse_policies((*props)->at("accessPolicies"));
  if (!changes.ok()) return arm_failure(changes.status());
  auto v = find_in_group(ctx, group, name);
  if (!v.ok()) return arm_failure(v.status());
  auto current = ctx.rbac->access_policies(v->id);
  if (!current.ok()) return arm_failure(current.status());
  auto next = auth::edit_access_policies(std::move(*current), std::move(*changes), *auth::policy_edit_named(kind));
  if (!next.ok()) return arm_failure(invalid_policies(next.status()));
  auto stored = ctx.rbac->set_access_policies(v->id, std::move(*next));
  if (!stored.ok()) return arm_failure(stored.status());
  return json_response(200, json::object{{"id", arm_vault_id(ctx, *v) + "/accessPolicies/" + kind},
                                         {"type", "Microsoft.KeyVault/vaults/accessPolicies"},
                                         {"properties", json::object{{"accessPolicies", policies_json(*stored)}}}});
}

http::Response list_vaults(const ArmContext& ctx, const std::optional<std::string>& group) {
  auto vaults = ctx.vaults->list();
  if (!vaults.ok()) return arm_failure(vaults.status());
  json::array value;
  for (const auto& v : *vaults) {
    if (group && !iequals_ascii(v.resource_group, *group)) continue;
    auto policies = ctx.rbac->access_policies(v.id);
    if (!policies.ok()) return arm_failure(policies.status());
    value.push_back(vault_json(ctx, v, *policies));
  }
  return json_response(200, json::object{{"value", std::move(value)}});
}

// GET …/resources: every resource of the subscription (or group) is a vault;
// the one filter az sends, resourceType eq '…', is honoured, others refused.
http::Response list_resources(const ParsedTarget& target, const ArmContext& ctx,
                              const std::optional<std::string>& group) {
  bool vaults_wanted = true;
  if (auto filter = target.param("$filter"); filter && !filter->empty()) {
    const std::string f(*filter);
    const std::string prefix = "resourceType eq '";
    if (!istarts_with_ascii(f, prefix) || f.back() != '\'' || f.size() < prefix.size() + 1) {
      return arm_error(400, "InvalidFilterInQueryString", "Only $filter=resourceType eq '<type>' is supported here.");
    }
    vaults_wanted = iequals_ascii(f.substr(prefix.size(), f.size() - prefix.size() - 1), kVaultType);
  }
  json::array value;
  if (vaults_wanted) {
    auto vaults = ctx.vaults->list();
    if (!vaults.ok()) return arm_failure(vaults.status());
    for (const auto& v : *vaults) {
      if (group && !iequals_ascii(v.resource_group, *group)) continue;
      value.push_back(json::object{{"id", arm_vault_id(ctx, v)},
                                   {"name", v.name},
                                   {"type", kVaultType},
                                   {"location", v.location},
                                   {"tags", tags_json(v.tags)}});
    }
  }
  return json_response(200, json::object{{"value", std::move(value)}});
}

http::Response check_name(const http::Request& req, const ArmContext& ctx) {
  auto body = parse_json_object(req.body);
  if (!body.ok()) return arm_error(400, "InvalidRequestContent", body.status().message());
  auto name = opt_string(*body, "name");
  auto type = opt_string(*body, "type");
  if (!name.ok() || !type.ok() || !*name || !*type) {
    return arm_error(400, "InvalidRequestContent",
                     "The body must be {\"name\": \"…\", \"type\": \"" + std::string(kVaultType) + "\"}.");
  }
  if (!iequals_ascii(**type, kVaultType)) {
    return arm_error(400, "InvalidResourceType", "Only the type '" + std::string(kVaultType) + "' is checked here.");
  }
  const std::string& n = **name;
  if (!vault::VaultRegistry::valid_name(n)) {
    return json_response(200,
                         json::object{{"nameAvailable", false},
                                      {"reason", "AccountNameInvalid"},
                                      {"message",
                                       "Vault name must be between 3-24 alphanumeric characters. The name must begin "
                                       "with a letter, end with a letter or digit, and not contain consecutive "
                                       "hyphens."}});
  }
  auto live = ctx.vaults->find(n);
  if (!live.ok() && live.status().code() != Code::kVaultNotFound) return arm_failure(live.status());
  auto deleted = ctx.vaults->find_deleted(n);
  if (!deleted.ok() && deleted.status().code() != Code::kNotFound) return arm_failure(deleted.status());
  if (live.ok() || deleted.ok()) {
    return json_response(200, json::object{{"nameAvailable", false},
                                           {"reason", "AlreadyExists"},
                                           {"message", "The vault name '" + n + "' is already in use." +
                                                           (deleted.ok() ? " It is in a deleted state." : "")}});
  }
  return json_response(200, json::object{{"nameAvailable", true}});
}

http::Response purge_deleted(const vault::VaultInfo& deleted, const ArmContext& ctx) {
  Status st = ctx.removal->purge_deleted(deleted);
  if (st.reason() == "PurgeProtected") {
    return arm_error(405, "MethodNotAllowed", "Operation 'DeletedVaultPurge' is not allowed. " + st.message());
  }
  return st.ok() ? empty_response(200) : arm_failure(st);
}

// …/providers/Microsoft.KeyVault/… of the subscription (`p` starts after "Microsoft.KeyVault").
std::optional<Operation> route_provider(const http::Request& req, const std::vector<std::string>& p,
                                        const ArmContext& ctx) {
  const std::string& m = req.method;
  if (p.size() == 1 && iequals_ascii(p[0], "vaults") && m == "GET") {
    return vault_operation("Vaults_ListBySubscription", "vaults/read", "/",
                           [ctx] { return list_vaults(ctx, std::nullopt); });
  }
  // Coffer serves no Managed HSMs; az lists them next to vaults (list-deleted fails without the deleted ones).
  if (p.size() == 1 && iequals_ascii(p[0], "managedHSMs") && m == "GET") {
    return vault_operation("ManagedHsms_ListBySubscription", "managedHSMs/read", "/", [] {
      return json_response(200, json::object{{"value", json::array{}}});
    });
  }
  if (p.size() == 1 && iequals_ascii(p[0], "deletedManagedHSMs") && m == "GET") {
    return vault_operation("ManagedHsms_ListDeleted", "deletedManagedHSMs/read", "/", [] {
      return json_response(200, json::object{{"value", json::array{}}});
    });
  }
  if (p.size() == 1 && iequals_ascii(p[0], "checkNameAvailability") && m == "POST") {
    return vault_operation("Vaults_CheckNameAvailability", "checkNameAvailability/read", "/",
                           [&req, ctx] { return check_name(req, ctx); });
  }
  if (p.size() == 1 && iequals_ascii(p[0], "deletedVaults") && m == "GET") {
    return vault_operation("Vaults_ListDeleted", "deletedVaults/read", "/", [ctx] {
      auto deleted = ctx.vaults->list_deleted();
      if (!deleted.ok()) return arm_failure(deleted.status());
      json::array value;
      for (const auto& v : *deleted) value.push_back(deleted_vault_json(ctx, v));
      return json_response(200, json::object{{"value", std::move(value)}});
    });
  }
  // locations/{location}/deletedVaults/{name}[/purge]
  if ((p.size() == 4 || p.size() == 5) && iequals_ascii(p[0], "locations") && iequals_ascii(p[2], "deletedVaults")) {
    const std::string location = vault::ResourceGroupRegistry::normal_location(p[1]);
    const std::string name = p[3];
    const auto in_location = [ctx, location, name]() -> Result<vault::VaultInfo> {
      auto v = ctx.vaults->find_deleted(name);
      if (v.ok() && v->location != location) {
        return Status(Code::kNotFound,
                      "No deleted vault named '" + name + "' was found in location '" + location + "'.",
                      "DeletedVaultNotFound");
      }
      return v;
    };
    if (p.size() == 4 && m == "GET") {
      return vault_operation("Vaults_GetDeleted", "deletedVaults/read", "/", [ctx, in_location] {
        auto v = in_location();
        return v.ok() ? json_response(200, deleted_vault_json(ctx, *v)) : arm_failure(v.status());
      });
    }
    if (p.size() == 5 && iequals_ascii(p[4], "purge") && m == "POST") {
      return vault_operation("Vaults_PurgeDeleted", "locations/deletedVaults/purge/action", "/", [ctx, in_location] {
        auto v = in_location();
        return v.ok() ? purge_deleted(*v, ctx) : arm_failure(v.status());
      });
    }
  }
  return std::nullopt;
}

}  // namespace

std::optional<Operation> route_arm_vaults(const http::Request& req, const ParsedTarget& target, const ArmContext& ctx) {
  const auto& s = target.segments;
  if (!ctx.vaults || !ctx.groups || !ctx.rbac || !ctx.removal || s.size() < 3) return std::nullopt;
  const std::string& m = req.method;
  // /subscriptions/{s}/resources
  if (s.size() == 3 && iequals_ascii(s[2], "resources") && m == "GET") {
    return Operation{"Resources_List", "Microsoft.Resources/subscriptions/resources/read", "/", "",
                     [&target, ctx] { return list_resources(target, ctx, std::nullopt); }};
  }
  // /subscriptions/{s}/providers/Microsoft.KeyVault/…
  if (s.size() >= 5 && iequals_ascii(s[2], "providers") && iequals_ascii(s[3], "Microsoft.KeyVault")) {
    return route_provider(req, std::vector<std::string>(s.begin() + 4, s.end()), ctx);
  }
  if (!iequals_ascii(s[2], "resourceGroups") || s.size() < 5) return std::nullopt;
  const std::string group = s[3];
  // /subscriptions/{s}/resourceGroups/{rg}/resources
  if (s.size() == 5 && iequals_ascii(s[4], "resources") && m == "GET") {
    return Operation{"Resources_ListByResourceGroup", "Microsoft.Resources/subscriptions/resourceGroups/resources/read",
                     "/", "", [&target, ctx, group] {
                       auto g = ctx.groups->find(group);
                       if (!g.ok()) return arm_failure(g.status());
                       return list_resources(target, ctx, g->name);
                     }};
  }
  // /subscriptions/{s}/resourceGroups/{rg}/providers/Microsoft.KeyVault/{vaults|managedHSMs}[/{name}[/accessPolicies/{kind}]]
  if (s.size() < 7 || !iequals_ascii(s[4], "providers") || !iequals_ascii(s[5], "Microsoft.KeyVault")) {
    return std::nullopt;
  }
  if (s.size() == 7 && iequals_ascii(s[6], "managedHSMs") && m == "GET") {
    return vault_operation("ManagedHsms_ListByResourceGroup", "managedHSMs/read", "/", [] {
      return json_response(200, json::object{{"value", json::array{}}});
    });
  }
  if (!iequals_ascii(s[6], "vaults")) return std::nullopt;
  if (s.size() == 7) {
    if (m != "GET") return std::nullopt;
    return vault_operation("Vaults_ListByResourceGroup", "vaults/read", "/", [ctx, group] {
      auto g = ctx.groups->find(group);
      if (!g.ok()) return arm_failure(g.status());
      return list_vaults(ctx, g->name);
    });
  }
  const std::string name = s[7];
  const std::string scope = vault_scope(name);
  if (s.size() == 10 && iequals_ascii(s[8], "accessPolicies") && m == "PUT") {
    const std::string kind = lower_ascii(s[9]);
    if (!auth::policy_edit_named(kind)) return std::nullopt;
    return vault_operation(
        "Vaults_UpdateAccessPolicy", "vaults/accessPolicies/write", scope,
        [&req, ctx, group, name, kind] { return update_access_policies(req, group, name, kind, ctx); });
  }
  if (s.size() != 8) return std::nullopt;
  if (m == "GET") {
    return vault_operation("Vaults_Get", "vaults/read", scope, [ctx, group, name] {
      auto v = find_in_group(ctx, group, name);
      return v.ok() ? vault_response(200, ctx, *v) : arm_failure(v.status());
    });
  }
  if (m == "PUT") {
    return vault_operation("Vaults_CreateOrUpdate", "vaults/write", scope,
                           [&req, ctx, group, name] { return put_vault(req, group, name, ctx); });
  }
  if (m == "PATCH") {
    return vault_operation("Vaults_Update", "vaults/write", scope,
                           [&req, ctx, group, name] { return patch_vault(req, group, name, ctx); });
  }
  if (m == "DELETE") {
    return vault_operation("Vaults_Delete", "vaults/delete", scope, [ctx, group, name] {
      auto v = find_in_group(ctx, group, name);
      if (!v.ok()) return v.status().code() == Code::kNotFound ? empty_response(204) : arm_failure(v.status());
      auto deleted = ctx.vaults->soft_delete(name);
      return deleted.ok() ? empty_response(200) : arm_failure(deleted.status());
    });
  }
  return std::nullopt;
}

}  // namespace coffer::api
