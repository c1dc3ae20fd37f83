#include "api/secret_routes.hpp"

#include <boost/json.hpp>

#include "api/paging.hpp"
#include "api/responses.hpp"
#include "api/route_support.hpp"
#include "api/secret_codec.hpp"
#include "api/secret_rotation_codec.hpp"
#include "common/base64.hpp"
#include "vault/secret_conversion.hpp"

namespace coffer::api {
namespace json = boost::json;
namespace {

http::Response or_error(const Status& st, int ok_status = 200) {
  return st.ok() ? empty_response(ok_status) : error_response(st);
}

}  // namespace

std::optional<Operation> route_secret_operation(const VaultRequest& req, vault::SecretService& secrets,
                                                vault::SecretRotation* rotation) {
  const auto& seg = req.target.segments;
  const std::string& method = req.http.method;
  if (seg.empty()) return std::nullopt;
  const std::string vault_scope = "/vaults/" + req.vault.name;
  const auto object_scope = [&](const std::string& name) { return vault_scope + "/secrets/" + name; };
  const auto object_url = [&](const std::string& name) { return req.base + "/secrets/" + name; };
  auto& vault = req.vault;
  const std::string base = req.base;
  const ParsedTarget& target = req.target;
  const std::string& body = req.http.body;  // captured by reference: the request outlives the operation

  if (seg[0] == "secrets") {
    if (seg.size() == 1 && method == "GET") {
      return data_operation("SecretList", "secrets/readMetadata/action", vault_scope, req.base + "/secrets", [&, base] {
        auto page = parse_page(target);
        if (!page.ok()) return error_response(page.status());
        return respond(secrets.list(vault, *page), [&](const vault::Page<vault::SecretProperties>& p) {
          json::array items;
          for (const auto& s : p.items) items.push_back(secret_item(base, vault, s, false));
          return json::object{{"value", items}, {"nextLink", next_link(base, "/secrets", target, *page, p.next)}};
        });
      });
    }
    if (seg.size() == 2 && seg[1] == "restore" && method == "POST") {
      return data_operation("SecretRestore", "secrets/restore/action", vault_scope, req.base + "/secrets", [&, base] {
        auto value = parse_value_body(body);
        if (!value.ok()) return error_response(value.status());
        auto blob = base64url_decode(*value);
        if (!blob) return error_response(Status(Code::kBadParameter, "The backup blob is not valid base64url."));
        return respond(secrets.restore(vault, *blob),
                       [&](const vault::SecretProperties& p) { return secret_bundle(base, vault, p); });
      });
    }
    if (seg.size() < 2 || seg[1].empty()) return std::nullopt;
    const std::string name = seg[1];
    if (seg.size() == 2 && method == "PUT") {
      return data_operation("SecretSet", "secrets/setSecret/action", object_scope(name), object_url(name),
                            [&, base, name] {
                              auto draft = parse_secret_set(body);
                              if (!draft.ok()) return error_response(draft.status());
                              draft->idempotency_key = req.idempotency_key;
                              auto set = secrets.set(vault, name, *draft);
                              if (!set.ok()) return error_response(set.status());
                              return secret_value_response(base, vault, *set);
                            });
    }
    if (seg.size() == 2 && method == "DELETE") {
      return data_operation("SecretDelete", "secrets/delete", object_scope(name), object_url(name), [&, base, name] {
        return respond(secrets.remove(vault, name),
                       [&](const vault::DeletedSecret& d) { return deleted_secret_bundle(base, vault, d, false); });
      });
    }
    if (seg.size() == 3 && seg[2] == "versions" && method == "GET") {
      return data_operation(
          "SecretListVersions", "secrets/readMetadata/action", object_scope(name), object_url(name), [&, base, name] {
            auto page = parse_page(target);
            if (!page.ok()) return error_response(page.status());
            return respond(
                secrets.list_versions(vault, name, *page), [&](const vault::Page<vault::SecretProperties>& p) {
                  json::array items;
                  for (const auto& s : p.items) items.push_back(secret_item(base, vault, s, true));
                  return json::object{
                      {"value", items},
                      {"nextLink", next_link(base, "/secrets/" + name + "/versions", target, *page, p.next)}};
                });
          });
    }
    if (seg.size() == 3 && seg[2] == "backup" && method == "POST") {
      return data_operation("SecretBackup", "secrets/backup/action", object_scope(name), object_url(name), [&, name] {
        return respond(secrets.backup(vault, name), [](const std::string& blob) {
          return json::object{{"value", base64url_encode(blob)}};
        });
      });
    }
    if (rotation && seg.size() == 3 && seg[2] == "rotationpolicy") {
      const std::string url = object_url(name) + "/rotationpolicy";
      if (method == "GET") {
        return data_operation("SecretRotationPolicyGet", "secrets/readMetadata/action", object_scope(name), url,
                              [&, rotation, base, name] {
                                return respond(rotation->get_policy(vault, name),
                                               [&](const vault::SecretRotationPolicy& p) {
                                                 return secret_rotation_policy_json(base + "/secrets/" + name, p);
                                               });
                              });
      }
      if (method == "PUT") {
        return data_operation("SecretRotationPolicyUpdate", "secrets/setSecret/action", object_scope(name), url,
                              [&, rotation, base, name] {
                                auto policy = parse_secret_rotation_policy(body);
                                if (!policy.ok()) return error_response(policy.status());
                                auto stored = rotation->set_policy(vault, name, *policy);
                                if (!stored.ok()) return error_response(stored.status());
                                return revealing_response(
                                    secret_rotation_policy_json(base + "/secrets/" + name, *stored),
                                    stored->rotator && stored->rotator->signing.revealed);
                              });
      }
      return std::nullopt;
    }
    if (rotation && seg.size() == 3 && seg[2] == "rotate" && method == "POST") {
      return data_operation(
          "SecretRotate", "secrets/setSecret/action", object_scope(name), object_url(name) + "/rotate",
          [&, rotation, base, name] {
            const auto force = target.param("force");
            auto rotated =
                rotation->rotate(vault, name, req.idempotency_key, force && (*force == "true" || *force == "1"));
            if (!rotated.ok()) return error_response(rotated.status());
            if (rotated->rotated) return secret_value_response(base, vault, *rotated->rotated);
            // An external rotator takes it from here: 202 and where it stands.
            return json_response(202, rotation_status_json(base + "/secrets/" + name, rotated->status));
          });
    }
    if (rotation && seg.size() == 3 && seg[2] == "rotation" && method == "GET") {
      return data_operation("SecretRotationGet", "secrets/readMetadata/action", object_scope(name),
                            object_url(name) + "/rotation", [&, rotation, base, name] {
                              return respond(rotation->status(vault, name), [&](const vault::RotationStatus& s) {
                                return rotation_status_json(base + "/secrets/" + name, s);
                              });
                            });
    }
    if (seg.size() <= 3) {
      const std::string version = seg.size() == 3 ? seg[2] : std::string();
      const std::string url = object_url(name) + (version.empty() ? "" : "/" + version);
      if (method == "GET") {
        return data_operation("SecretGet", "secrets/getSecret/action", object_scope(name), url,
                              [&, base, name, version] {
                                auto got = secrets.get(vault, name, version);
                                if (!got.ok()) return error_response(got.status());
                                if (auto out = target.param("outContentType"); out && !out->empty()) {
                                  if (Status st = vault::convert_secret(*got, *out); !st.ok())
                                    return error_response(st);
                                }
                                return secret_value_response(base, vault, *got);
                              });
      }
      if (method == "PATCH") {
        return data_operation(
            "SecretUpdate", "secrets/update/action", object_scope(name), url, [&, base, name, version] {
              auto patch = parse_secret_update(body);
              if (!patch.ok()) return error_response(patch.status());
              return respond(secrets.update(vault, name, version, *patch),
                             [&](const vault::SecretProperties& p) { return secret_bundle(base, vault, p); });
            });
      }
    }
    return std::nullopt;
  }

  if (seg[0] == "deletedsecrets") {
    if (seg.size() == 1 && method == "GET") {
      return data_operation(
          "SecretListDeleted", "secrets/readMetadata/action", vault_scope, req.base + "/deletedsecrets", [&, base] {
            auto page = parse_page(target);
            if (!page.ok()) return error_response(page.status());
            return respond(secrets.list_deleted(vault, *page), [&](const vault::Page<vault::DeletedSecret>& p) {
              json::array items;
              for (const auto& d : p.items) items.push_back(deleted_secret_bundle(base, vault, d, true));
              return json::object{{"value", items},
                                  {"nextLink", next_link(base, "/deletedsecrets", target, *page, p.next)}};
            });
          });
    }
    if (seg.size() < 2 || seg[1].empty()) return std::nullopt;
    const std::string name = seg[1];
    const std::string url = req.base + "/deletedsecrets/" + name;
    if (seg.size() == 2 && method == "GET") {
      return data_operation(
          "SecretGetDeleted", "secrets/readMetadata/action", object_scope(name), url, [&, base, name] {
            return respond(secrets.get_deleted(vault, name),
                           [&](const vault::DeletedSecret& d) { return deleted_secret_bundle(base, vault, d, false); });
          });
    }
    if (seg.size() == 2 && method == "DELETE") {
      return data_operation("SecretPurge", "secrets/purge/action", object_scope(name), url,
                            [&, name] { return or_error(secrets.purge(vault, name), 204); });
    }
    if (seg.size() == 3 && seg[2] == "recover" && method == "POST") {
      return data_operation("SecretRecover", "secrets/recover/action", object_scope(name), url, [&, base, name] {
        return respond(secrets.recover(vault, name),
                       [&](const vault::SecretProperties& p) { return secret_bundle(base, vault, p); });
      });
    }
  }
  return std::nullopt;
}

}  // namespace coffer::api
