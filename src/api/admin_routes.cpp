#include "api/admin_routes.hpp"

#include <boost/json.hpp>
#include <ctime>
#include <deque>

#include "api/json_body.hpp"
#include "api/responses.hpp"
#include "api/target.hpp"
#include "audit/search.hpp"

namespace coffer::api {
namespace json = boost::json;
namespace {

json::object vault_json(const vault::VaultInfo& v, const AdminContext& ctx) {
  return json::object{{"name", v.name},
                      {"id", v.id},
                      {"vaultUri", ctx.vault_url(v.name)},
                      {"retentionDays", v.retention_days},
                      {"purgeProtection", v.purge_protection},
                      {"recoveryLevel", v.recovery_level()},
                      {"created", v.created},
                      {"resourceGroup", v.resource_group},
                      {"location", v.location},
                      {"enableRbacAuthorization", v.rbac_authorization}};
}

json::object principal_json(const auth::Principal& p) {
  return json::object{
      {"clientId", p.app_id}, {"objectId", p.object_id}, {"displayName", p.display_name}, {"tenantId", p.tenant_id}};
}

Operation admin_operation(std::string name, std::string action, std::string scope,
                          std::function<http::Response()> run) {
  return Operation{std::move(name), "Coffer/" + std::move(action), std::move(scope), "", std::move(run)};
}

http::Response create_vault(const http::Request& req, const std::string& name, const AdminContext& ctx) {
  vault::VaultSettings settings;
  if (!req.body.empty()) {
    auto body = parse_json_object(req.body);
    if (!body.ok()) return error_response(body.status());
    auto days = opt_int(*body, "retentionDays");
    if (!days.ok()) return error_response(days.status());
    auto protect = opt_bool(*body, "purgeProtection");
    if (!protect.ok()) return error_response(protect.status());
    if (*days) {
      if (**days < 7 || **days > 90) {
        return error_response(Status(Code::kBadParameter, "retentionDays must be between 7 and 90."));
      }
      settings.retention_days = int(**days);
    }
    settings.purge_protection = protect->value_or(false);
  }
  auto v = ctx.vaults.create(name, settings);
  if (!v.ok()) return error_response(v.status());
  return json_response(201, vault_json(*v, ctx));
}

http::Response delete_vault(const std::string& name, const AdminContext& ctx) {
  auto v = ctx.vaults.find(name);
  if (!v.ok()) return error_response(v.status());
  // Refused, erasing nothing, when purge protection is on and the vault holds objects.
  if (Status st = ctx.removal.erase(*v); !st.ok()) return error_response(st);
  return empty_response(204);
}

http::Response create_principal(const http::Request& req, const AdminContext& ctx) {
  auto body = parse_json_object(req.body);
  if (!body.ok()) return error_response(body.status());
  auto name = opt_string(*body, "displayName");
  if (!name.ok()) return error_response(name.status());
  if (!*name) return error_response(Status(Code::kBadParameter, "Property 'displayName' is required."));
  auto created = ctx.principals.create(**name);
  if (!created.ok()) return error_response(created.status());
  json::object o = principal_json(created->principal);
  o["clientSecret"] = created->client_secret.view();
  return sensitive_json_response(201, std::move(o));
}

http::Response generate_recovery(const http::Request& req, const AdminContext& ctx) {
  if (!ctx.seal.generate_recovery) {
    return error_response(Status(Code::kConflict,
                                 "Recovery shares belong to an HSM (pkcs11) seal; this server's seal has none.",
                                 "SealTypeMismatch"));
  }
  auto body = parse_json_object(req.body);
  if (!body.ok()) return error_response(body.status());
  auto counts = parse_share_counts(*body);
  if (!counts.ok()) return error_response(counts.status());
  auto made = ctx.seal.generate_recovery(counts->shares, counts->threshold);
  if (!made.ok()) return error_response(made.status());
  return sensitive_json_response(200, json::object{{"keys", shares_json(made->keys)},
                                                   {"keysetId", made->keyset_id},
                                                   {"n", counts->shares},
                                                   {"t", counts->threshold}});
}

http::Response migrate_seal(const http::Request& req, const AdminContext& ctx) {
  auto body = parse_json_object(req.body);
  if (!body.ok()) return error_response(body.status());
  auto target = opt_string(*body, "seal");
  if (!target.ok()) return error_response(target.status());
  if (!*target || (**target != "keyfile" && **target != "shamir" && **target != "pkcs11")) {
    return error_response(bad_parameter("Property 'seal' must be \"keyfile\", \"shamir\" or \"pkcs11\"."));
  }
  std::optional<ShareCounts> counts;
  if (body->contains("secretShares") || body->contains("secretThreshold")) {
    auto parsed = parse_share_counts(*body);
    if (!parsed.ok()) return error_response(parsed.status());
    counts = *parsed;
  }
  auto done = ctx.seal.migrate(**target, counts);
  if (!done.ok()) return error_response(done.status());
  if (!done->complete) return json_response(200, rekey_progress_json(done->progress));
  return sensitive_json_response(
      200,
      json::object{
          {"complete", true}, {"seal", **target}, {"keys", shares_json(done->keys)}, {"keysetId", done->keyset_id}});
}

http::Response advance_clock(const http::Request& req, const AdminContext& ctx) {
  auto body = parse_json_object(req.body);
  if (!body.ok()) return error_response(body.status());
  auto seconds = opt_int(*body, "seconds");
  if (!seconds.ok()) return error_response(seconds.status());
  if (!*seconds || **seconds < 0) {
    return error_response(Status(Code::kBadParameter, "Property 'seconds' must be a non-negative integer."));
  }
  ctx.test_clock->advance(**seconds);
  auto report = ctx.maintenance.run_once();
  if (!report.ok()) return error_response(report.status());
  return json_response(200, json::object{{"now", ctx.test_clock->now()},
                                         {"secretsPurged", report->secrets_purged},
                                         {"secretsRotated", report->secrets_rotated},
                                         {"keysPurged", report->keys_purged},
                                         {"keysRotated", report->keys_rotated},
                                         {"certificatesPurged", report->certificates_purged},
                                         {"certificatesRenewed", report->certificates_renewed},
                                         {"vaultsPurged", report->vaults_purged},
                                         {"leader", report->leader}});
}

// GET audit?vault&principal&operation&result&since&until&top: the newest `top` (≤ 1000,
// default 100) matching records of this server's audit file, newest first.
http::Response search_audit(const http::Request& req, const AdminContext& ctx) {
  if (ctx.audit_file.empty()) {
    return error_response(
        Status(Code::kNotFound, "This server keeps no audit log file (auditSinks has no file sink)."));
  }
  auto target = parse_target(req.target);
  if (!target.ok()) return error_response(target.status());
  auto param = [&](const char* k) { return std::string(target->param(k).value_or("")); };
  const int64_t now_ms = std::time(nullptr) * int64_t(1000);
  audit::AuditFilter filter{param("vault"), param("principal"), param("operation"), param("result")};
  for (auto [name, field] : {std::pair{"since", &filter.since_ms}, std::pair{"until", &filter.until_ms}}) {
    if (const std::string text = param(name); !text.empty()) {
      auto t = audit::parse_audit_time(text, now_ms);
      if (!t) return error_response(bad_parameter(std::string(name) + ": use ISO-8601 or a span such as 15m, 2h, 7d."));
      *field = *t;
    }
  }
  std::size_t top = 100;
  if (const std::string text = param("top"); !text.empty()) {
    if (text.size() > 4 || text.find_first_not_of("0123456789") != std::string::npos || std::stoul(text) == 0 ||
        std::stoul(text) > 1000) {
      return error_response(bad_parameter("top must be 1-1000."));
    }
    top = std::stoul(text);
  }
  std::deque<std::string> newest;
  Status st = audit::search_audit_files({ctx.audit_file}, filter, [&](const std::string& line) {
    newest.push_back(line);
    if (newest.size() > top) newest.pop_front();
  });
  if (!st.ok()) return error_response(Status(Code::kUnavailable, "The audit log cannot be read now."));
  json::array value;
  for (auto it = newest.rbegin(); it != newest.rend(); ++it) value.push_back(json::parse(*it));
  return json_response(200, json::object{{"value", std::move(value)}});
}

}  // namespace

json::object rekey_progress_json(const RekeyProgress& p) {
  return json::object{{"started", p.started},
                      {"nonce", p.nonce},
                      {"progress", p.progress},
                      {"t", p.threshold},
                      {"newShares", p.new_shares},
                      {"newThreshold", p.new_threshold},
                      {"verify", p.verify},
                      {"complete", false},
                      {"migrateTo", p.migrate_to.empty() ? json::value(nullptr) : json::value(p.migrate_to)}};
}

json::array shares_json(const std::vector<SecureString>& shares) {
  json::array out;
  for (const auto& k : shares) out.emplace_back(k.view());
  return out;
}

Result<ShareCounts> parse_share_counts(const json::object& o) {
  COFFER_ASSIGN_OR_RETURN(auto shares, opt_int(o, "secretShares"));
  COFFER_ASSIGN_OR_RETURN(auto threshold, opt_int(o, "secretThreshold"));
  COFFER_ASSIGN_OR_RETURN(auto verify, opt_bool(o, "verify"));
  if (!shares || !threshold || *shares < 1 || *shares > 255 || *threshold < 1 || *threshold > 255) {
    return bad_parameter("The body must be {\"secretShares\": N, \"secretThreshold\": K}, 1 <= K <= N <= 255.");
  }
  return ShareCounts{int(*shares), int(*threshold), verify.value_or(false)};
}

std::optional<Operation> route_admin(const http::Request& req, const std::vector<std::string>& s,
                                     const AdminContext& ctx) {
  const std::string& m = req.method;
  if (s.empty()) return std::nullopt;
  if (s[0] == "vaults") {
    if (s.size() == 1 && m == "GET") {
      return admin_operation("VaultList", "vaults/read", "/", [&] {
        auto list = ctx.vaults.list();
        if (!list.ok()) return error_response(list.status());
        json::array items;
        for (const auto& v : *list) items.push_back(vault_json(v, ctx));
        return json_response(200, json::object{{"value", items}});
      });
    }
    if (s.size() != 2 || s[1].empty()) return std::nullopt;
    const std::string name = s[1];
    const std::string scope = "/vaults/" + name;
    if (m == "PUT")
      return admin_operation("VaultCreate", "vaults/write", scope, [&, name] { return create_vault(req, name, ctx); });
    if (m == "DELETE")
      return admin_operation("VaultDelete", "vaults/delete", scope, [&, name] { return delete_vault(name, ctx); });
    if (m == "GET") {
      return admin_operation("VaultGet", "vaults/read", scope, [&, name] {
        auto v = ctx.vaults.find(name);
        return v.ok() ? json_response(200, vault_json(*v, ctx)) : error_response(v.status());
      });
    }
    return std::nullopt;
  }
  if (s[0] == "audit" && s.size() == 1 && m == "GET") {
    return admin_operation("AuditSearch", "audit/read", "/", [&] { return search_audit(req, ctx); });
  }
  if (s[0] == "service-principals") {
    if (s.size() == 1 && m == "GET") {
      return admin_operation("ServicePrincipalList", "servicePrincipals/read", "/", [&] {
        auto list = ctx.principals.list();
        if (!list.ok()) return error_response(list.status());
        json::array items;
        for (const auto& p : *list) items.push_back(principal_json(p));
        return json_response(200, json::object{{"value", items}});
      });
    }
    if (s.size() == 1 && m == "POST") {
      return admin_operation("ServicePrincipalCreate", "servicePrincipals/write", "/",
                             [&] { return create_principal(req, ctx); });
    }
    if (s.size() < 2 || s[1].empty()) return std::nullopt;
    const std::string id = s[1];
    if (s.size() == 2 && m == "DELETE") {
      return admin_operation("ServicePrincipalDelete", "servicePrincipals/delete", "/", [&, id] {
        Status st = ctx.principals.remove(id);
        return st.ok() ? empty_response(204) : error_response(st);
      });
    }
    if (s.size() == 2 && m == "GET") {
      return admin_operation("ServicePrincipalGet", "servicePrincipals/read", "/", [&, id] {
        auto p = ctx.principals.find(id);
        return p.ok() ? json_response(200, principal_json(*p)) : error_response(p.status());
      });
    }
    if (s.size() == 3 && s[2] == "reset-credential" && m == "POST") {
      return admin_operation("ServicePrincipalResetCredential", "servicePrincipals/write", "/", [&, id] {
        auto p = ctx.principals.find(id);
        if (!p.ok()) return error_response(p.status());
        auto secret = ctx.principals.reset_secret(id);
        if (!secret.ok()) return error_response(secret.status());
        json::object o = principal_json(*p);
        o["clientSecret"] = secret->view();
        return sensitive_json_response(200, std::move(o));
      });
    }
    return std::nullopt;
  }
  if (s[0] == "seal" && s.size() == 1 && m == "POST" && ctx.seal.request_seal) {
    // Answered (and audited) first; the server then seals (server/seal_gate.hpp).
    return admin_operation("Seal", "seal/action", "/", [&] {
      ctx.seal.request_seal();
      return empty_response(204);
    });
  }
  if (s[0] == "seal" && s.size() == 2 && s[1] == "migrate" && m == "POST" && ctx.seal.migrate) {
    return admin_operation("SealMigrate", "seal/migrate/action", "/", [&] { return migrate_seal(req, ctx); });
  }
  if (s[0] == "rekey" && s.size() == 1 && m == "POST" && ctx.seal.start_rekey) {
    return admin_operation("RekeyStart", "rekey/action", "/", [&] {
      auto body = parse_json_object(req.body);
      if (!body.ok()) return error_response(body.status());
      auto counts = parse_share_counts(*body);
      if (!counts.ok()) return error_response(counts.status());
      auto started = ctx.seal.start_rekey(*counts);
      return started.ok() ? json_response(200, rekey_progress_json(*started)) : error_response(started.status());
    });
  }
  if (s[0] == "rekey" && s.size() == 1 && m == "DELETE" && ctx.seal.cancel_rekey) {
    return admin_operation("RekeyCancel", "rekey/action", "/",
                           [&] { return json_response(200, rekey_progress_json(ctx.seal.cancel_rekey())); });
  }
  if (s[0] == "rotate-root" && s.size() == 1 && m == "POST" && ctx.seal.rotate_root) {
    return admin_operation("RootKeyRotate", "rootKey/rotate/action", "/", [&] {
      auto done = ctx.seal.rotate_root();
      if (!done.ok()) return error_response(done.status());
      return json_response(200, json::object{{"activeGeneration", done->generation},
                                             {"keksRewrapped", done->keks_rewrapped},
                                             {"recordsResealed", done->records_resealed}});
    });
  }
  if (s[0] == "recovery-keys" && s.size() == 1 && m == "POST") {
    return admin_operation("RecoveryKeysGenerate", "recoveryKeys/generate/action", "/",
                           [&] { return generate_recovery(req, ctx); });
  }
  if (s[0] == "clock" && s.size() == 2 && s[1] == "advance" && m == "POST" && ctx.test_clock) {
    return admin_operation("TestClockAdvance", "maintenance/action", "/", [&] { return advance_clock(req, ctx); });
  }
  return std::nullopt;
}

}  // namespace coffer::api
