#include "api/certificate_routes.hpp"

#include <boost/json.hpp>

#include "api/certificate_codec.hpp"
#include "api/json_body.hpp"
#include "api/paging.hpp"
#include "api/responses.hpp"
#include "api/route_support.hpp"
#include "api/secret_codec.hpp"
#include "common/base64.hpp"

namespace coffer::api {
namespace json = boost::json;

std::optional<Operation> route_certificate_operation(const VaultRequest& req, vault::CertificateService& certs) {
  const auto& seg = req.target.segments;
  const std::string& method = req.http.method;
  if (seg.empty()) return std::nullopt;
  const std::string vault_scope = "/vaults/" + req.vault.name;
  const auto object_scope = [&](const std::string& name) { return vault_scope + "/certificates/" + name; };
  auto& vault = req.vault;
  const std::string base = req.base;
  const ParsedTarget& target = req.target;
  const std::string& body = req.http.body;  // captured by reference: the request outlives the operation

  if (seg[0] == "certificates") {
    if (seg.size() == 1 && method == "GET") {
      return data_operation("CertificateList", "certificates/read", vault_scope, base + "/certificates", [&, base] {
        auto page = parse_page(target);
        if (!page.ok()) return error_response(page.status());
        const auto pending = target.param("includePending");
        const bool include_pending = pending && (*pending == "true" || *pending == "True");
        return respond(certs.list(vault, *page, include_pending), [&](const vault::Page<vault::CertificateProperties>&
                                                                          p) {
          json::array items;
          for (const auto& c : p.items) items.push_back(certificate_item(base, vault, c, false));
          return json::object{{"value", items}, {"nextLink", next_link(base, "/certificates", target, *page, p.next)}};
        });
      });
    }
    if (seg.size() == 2 && seg[1] == "restore" && method == "POST") {
      return data_operation(
          "CertificateRestore", "certificates/restore/action", vault_scope, base + "/certificates", [&, base] {
            auto value = parse_value_body(body);
            if (!value.ok()) return error_response(value.status());
            auto blob = base64url_decode(*value);
            if (!blob) return error_response(Status(Code::kBadParameter, "The backup blob is not valid base64url."));
            return respond(certs.restore(vault, *blob),
                           [&](const vault::Certificate& c) { return certificate_bundle(base, vault, c); });
          });
    }
    // issuers, contacts and restore are reserved words, not certificate names.
    if (seg.size() < 2 || seg[1].empty() || seg[1] == "issuers" || seg[1] == "contacts" || seg[1] == "restore") {
      return std::nullopt;
    }
    const std::string name = seg[1];
    const std::string url = base + "/certificates/" + name;
    if (seg.size() == 2 && method == "DELETE") {
      return data_operation("CertificateDelete", "certificates/delete", object_scope(name), url, [&, base, name] {
        return respond(certs.remove(vault, name), [&](const vault::DeletedCertificate& d) {
          return deleted_certificate_json(base, vault, d, false);
        });
      });
    }
    if (seg.size() == 3 && seg[2] == "create" && method == "POST") {
      return data_operation(
          "CertificateCreate", "certificates/create/action", object_scope(name), url, [&, base, name] {
            auto draft = parse_certificate_create(body);
            if (!draft.ok()) return error_response(draft.status());
            draft->idempotency_key = req.idempotency_key;
            return respond(
                certs.create(vault, name, *draft),
                [&](const vault::CertificateOperation& op) { return certificate_operation_json(base, name, op, true); },
                202);
          });
    }
    if (seg.size() == 3 && seg[2] == "import" && method == "POST") {
      return data_operation(
          "CertificateImport", "certificates/import/action", object_scope(name), url, [&, base, name] {
            auto im = parse_certificate_import(body);
            if (!im.ok()) return error_response(im.status());
            im->idempotency_key = req.idempotency_key;
            return respond(certs.import(vault, name, *im),
                           [&](const vault::Certificate& c) { return certificate_bundle(base, vault, c); });
          });
    }
    if (seg.size() == 4 && seg[2] == "pending" && seg[3] == "merge" && method == "POST") {
      return data_operation("CertificateMerge", "certificates/create/action", object_scope(name),
                            url + "/pending/merge", [&, base, name] {
                              auto merge = parse_certificate_merge(body);
                              if (!merge.ok()) return error_response(merge.status());
                              return respond(
                                  certs.merge(vault, name, merge->x5c_der, merge->patch),
                                  [&](const vault::Certificate& c) { return certificate_bundle(base, vault, c); }, 201);
                            });
    }
    if (seg.size() == 3 && seg[2] == "pending" && (method == "PATCH" || method == "DELETE")) {
      const bool cancel = method == "PATCH";
      return data_operation(
          cancel ? "CertificatePendingUpdate" : "CertificatePendingDelete", "certificates/update/action",
          object_scope(name), url + "/pending", [&, base, name, cancel] {
            if (cancel) {
              auto o = parse_json_object(body);
              if (!o.ok()) return error_response(o.status());
              auto flag = opt_bool(*o, "cancellation_requested");
              if (!flag.ok()) return error_response(flag.status());
              if (!*flag || !**flag) {
                return error_response(
                    Status(Code::kBadParameter, "Only cancellation_requested: true can be set on an operation."));
              }
            }
            return respond(cancel ? certs.cancel_operation(vault, name) : certs.delete_operation(vault, name),
                           [&](const vault::CertificateOperation& op) {
                             return certificate_operation_json(base, name, op, false);
                           });
          });
    }
    if (seg.size() == 3 && seg[2] == "policy" && method == "PATCH") {
      return data_operation(
          "CertificatePolicyUpdate", "certificates/update/action", object_scope(name), url + "/policy",
          [&, base, name] {
            auto current = certs.get_policy(vault, name);
            if (!current.ok()) return error_response(current.status());
            auto policy = parse_certificate_policy_update(body, *current);
            if (!policy.ok()) return error_response(policy.status());
            return respond(certs.set_policy(vault, name, *policy),
                           [&](const vault::CertificatePolicy& p) { return certificate_policy_json(base, name, p); });
          });
    }
    if (seg.size() == 3 && seg[2] == "backup" && method == "POST") {
      return data_operation("CertificateBackup", "certificates/backup/action", object_scope(name), url, [&, name] {
        return respond(certs.backup(vault, name), [](const std::string& blob) {
          return json::object{{"value", base64url_encode(blob)}};
        });
      });
    }
    if (seg.size() == 3 && seg[2] == "versions" && method == "GET") {
      return data_operation("CertificateListVersions", "certificates/read", object_scope(name), url, [&, base, name] {
        auto page = parse_page(target);
        if (!page.ok()) return error_response(page.status());
        return respond(
            certs.list_versions(vault, name, *page), [&](const vault::Page<vault::CertificateProperties>& p) {
              json::array items;
              for (const auto& c : p.items) items.push_back(certificate_item(base, vault, c, true));
              return json::object{
                  {"value", items},
                  {"nextLink", next_link(base, "/certificates/" + name + "/versions", target, *page, p.next)}};
            });
      });
    }
    if (seg.size() == 3 && seg[2] == "policy" && method == "GET") {
      return data_operation(
          "CertificatePolicyGet", "certificates/read", object_scope(name), url + "/policy", [&, base, name] {
            return respond(certs.get_policy(vault, name),
                           [&](const vault::CertificatePolicy& p) { return certificate_policy_json(base, name, p); });
          });
    }
    if (seg.size() == 3 && seg[2] == "pending" && method == "GET") {
      return data_operation(
          "CertificatePendingGet", "certificates/read", object_scope(name), url + "/pending", [&, base, name] {
            return respond(certs.get_operation(vault, name), [&](const vault::CertificateOperation& op) {
              return certificate_operation_json(base, name, op, false);
            });
          });
    }
    if (seg.size() >= 3 && (seg[2] == "create" || seg[2] == "import" || seg[2] == "versions" || seg[2] == "policy" ||
                            seg[2] == "pending" || seg[2] == "backup")) {
      return std::nullopt;
    }
    if (seg.size() <= 3 && method == "PATCH") {
      const std::string version = seg.size() == 3 ? seg[2] : std::string();
      return data_operation(
          "CertificateUpdate", "certificates/update/action", object_scope(name),
          url + (version.empty() ? "" : "/" + version), [&, base, name, version] {
            auto patch = parse_certificate_update(body);
            if (!patch.ok()) return error_response(patch.status());
            // The update body may carry a policy too (az set-attributes --policy): it replaces
            // the members it names, before the attributes are applied.
            auto o = parse_json_object(body);
            auto policy_member = o.ok() ? opt_object(*o, "policy") : Result<std::optional<json::object>>(o.status());
            if (!policy_member.ok()) return error_response(policy_member.status());
            if (*policy_member) {
              auto current = certs.get_policy(vault, name);
              if (!current.ok()) return error_response(current.status());
              auto policy = parse_certificate_policy_update(json::serialize(**policy_member), *current);
              if (!policy.ok()) return error_response(policy.status());
              auto stored = certs.set_policy(vault, name, *policy);
              if (!stored.ok()) return error_response(stored.status());
            }
            return respond(certs.update(vault, name, version, *patch),
                           [&](const vault::Certificate& c) { return certificate_bundle(base, vault, c); });
          });
    }
    if (seg.size() <= 3 && method == "GET") {
      const std::string version = seg.size() == 3 ? seg[2] : std::string();
      return data_operation("CertificateGet", "certificates/read", object_scope(name),
                            url + (version.empty() ? "" : "/" + version), [&, base, name, version] {
                              return respond(certs.get(vault, name, version), [&](const vault::Certificate& c) {
                                return certificate_bundle(base, vault, c);
                              });
                            });
    }
    return std::nullopt;
  }

  if (seg[0] == "deletedcertificates") {
    if (seg.size() == 1 && method == "GET") {
      return data_operation(
          "CertificateListDeleted", "certificates/read", vault_scope, base + "/deletedcertificates", [&, base] {
            auto page = parse_page(target);
            if (!page.ok()) return error_response(page.status());
            return respond(certs.list_deleted(vault, *page), [&](const vault::Page<vault::DeletedCertificate>& p) {
              json::array items;
              for (const auto& d : p.items) items.push_back(deleted_certificate_json(base, vault, d, true));
              return json::object{{"value", items},
                                  {"nextLink", next_link(base, "/deletedcertificates", target, *page, p.next)}};
            });
          });
    }
    if (seg.size() < 2 || seg[1].empty()) return std::nullopt;
    const std::string name = seg[1];
    const std::string url = base + "/deletedcertificates/" + name;
    if (seg.size() == 2 && method == "GET") {
      return data_operation("CertificateGetDeleted", "certificates/read", object_scope(name), url, [&, base, name] {
        return respond(certs.get_deleted(vault, name), [&](const vault::DeletedCertificate& d) {
          return deleted_certificate_json(base, vault, d, false);
        });
      });
    }
    if (seg.size() == 2 && method == "DELETE") {
      return data_operation("CertificatePurge", "certificates/purge/action", object_scope(name), url, [&, name] {
        Status st = certs.purge(vault, name);
        return st.ok() ? empty_response(204) : error_response(st);
      });
    }
    if (seg.size() == 3 && seg[2] == "recover" && method == "POST") {
      return data_operation(
          "CertificateRecover", "certificates/recover/action", object_scope(name), url + "/recover", [&, base, name] {
            return respond(certs.recover(vault, name),
                           [&](const vault::Certificate& c) { return certificate_bundle(base, vault, c); });
          });
    }
  }
  return std::nullopt;
}

}  // namespace coffer::api
