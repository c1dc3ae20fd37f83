#include "api/certificate_issuer_routes.hpp"

#include <boost/json.hpp>

#include "api/certificate_issuer_codec.hpp"
#include "api/responses.hpp"
#include "api/route_support.hpp"

namespace coffer::api {
namespace json = boost::json;

std::optional<Operation> route_certificate_issuer_operation(const VaultRequest& req,
                                                            vault::CertificateIssuerService& issuers) {
  const auto& seg = req.target.segments;
  const std::string& method = req.http.method;
  if (seg.size() < 2 || seg[0] != "certificates") return std::nullopt;
  const std::string scope = "/vaults/" + req.vault.name;
  auto& vault = req.vault;
  const std::string base = req.base;
  const std::string& body = req.http.body;  // captured by reference: the request outlives the operation

  if (seg[1] == "contacts" && seg.size() == 2) {
    const std::string url = base + "/certificates/contacts";
    const auto out = [base](const std::vector<vault::CertificateContact>& c) { return contacts_json(base, c); };
    if (method == "GET") {
      return data_operation("CertificateContactsGet", "certificatecontacts/write", scope, url,
                            [&, out] { return respond(issuers.get_contacts(vault), out); });
    }
    if (method == "PUT") {
      return data_operation("CertificateContactsSet", "certificatecontacts/write", scope, url, [&, out] {
        auto contacts = parse_contacts(body);
        if (!contacts.ok()) return error_response(contacts.status());
        return respond(issuers.set_contacts(vault, std::move(*contacts)), out);
      });
    }
    if (method == "DELETE") {
      return data_operation("CertificateContactsDelete", "certificatecontacts/write", scope, url,
                            [&, out] { return respond(issuers.delete_contacts(vault), out); });
    }
    return std::nullopt;
  }
  if (seg[1] != "issuers") return std::nullopt;
  if (seg.size() == 2 && method == "GET") {
    return data_operation("CertificateIssuerList", "certificatecas/read", scope, base + "/certificates/issuers",
                          [&, base] {
                            return respond(issuers.list(vault), [&](const std::vector<vault::CertificateIssuer>& all) {
                              json::array items;
                              for (const auto& i : all) items.push_back(issuer_item(base, i));
                              return json::object{{"value", std::move(items)}, {"nextLink", nullptr}};
                            });
                          });
  }
  if (seg.size() != 3 || seg[2].empty()) return std::nullopt;
  const std::string name = seg[2];
  const std::string url = base + "/certificates/issuers/" + name;
  const auto out = [base](const vault::CertificateIssuer& i) { return issuer_json(base, i); };
  if (method == "GET") {
    return data_operation("CertificateIssuerGet", "certificatecas/read", scope, url,
                          [&, name, out] { return respond(issuers.get(vault, name), out); });
  }
  if (method == "PUT") {
    return data_operation("CertificateIssuerSet", "certificatecas/write", scope, url, [&, name, out] {
      auto issuer = parse_issuer_set(body);
      if (!issuer.ok()) return error_response(issuer.status());
      return respond(issuers.set(vault, name, std::move(*issuer)), out);
    });
  }
  if (method == "PATCH") {
    return data_operation("CertificateIssuerUpdate", "certificatecas/write", scope, url, [&, name, out] {
      auto patch = parse_issuer_update(body);
      if (!patch.ok()) return error_response(patch.status());
      return respond(issuers.update(vault, name, *patch), out);
    });
  }
  if (method == "DELETE") {
    return data_operation("CertificateIssuerDelete", "certificatecas/delete", scope, url,
                          [&, name, out] { return respond(issuers.remove(vault, name), out); });
  }
  return std::nullopt;
}

}  // namespace coffer::api
