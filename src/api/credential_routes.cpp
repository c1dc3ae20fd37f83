#include "api/credential_routes.hpp"

#include <boost/json.hpp>
#include <ctime>

#include "api/json_body.hpp"
#include "api/responses.hpp"
#include "api/route_support.hpp"
#include "auth/operation_actions.hpp"
#include "common/base64.hpp"
#include "common/time_format.hpp"

namespace coffer::api {
namespace json = boost::json;
namespace {

json::object federated_json(const auth::FederatedCredential& c) {
  json::array audiences;
  for (const auto& a : c.audiences) audiences.emplace_back(a);
  return json::object{{"name", c.name},         {"issuer", c.issuer},           {"subject", c.subject},
                      {"audiences", audiences}, {"description", c.description}, {"created", c.created}};
}

json::object certificate_json(const auth::CertificateCredential& c) {
  return json::object{{"keyId", c.key_id},
                      {"type", "AsymmetricX509Cert"},
                      {"usage", "Verify"},
                      {"customKeyIdentifier", c.thumbprint},
                      {"displayName", c.subject},
                      {"startDateTime", to_iso8601(c.not_before, UtcSuffix::kZ)},
                      {"endDateTime", to_iso8601(c.not_after, UtcSuffix::kZ)},
                      {"x5t", c.x5t},
                      {"x5t#S256", c.x5t_s256}};
}

http::Response create_federated(const http::Request& req, const std::string& id,
                                auth::WorkloadCredentialRegistry& creds) {
  auto body = parse_json_object(req.body);
  if (!body.ok()) return error_response(body.status());
  auth::FederatedCredential c;
  for (auto [key, field] : {std::pair{"name", &c.name}, std::pair{"issuer", &c.issuer},
                            std::pair{"subject", &c.subject}, std::pair{"description", &c.description}}) {
    auto v = opt_string(*body, key);
    if (!v.ok()) return error_response(v.status());
    if (*v) *field = **v;
  }
  for (const char* required : {"name", "issuer", "subject"}) {
    if (!body->contains(required)) {
      return error_response(Status(Code::kBadParameter, std::string("Property '") + required + "' is required."));
    }
  }
  if (const json::value* aud = body->if_contains("audiences"); aud && !aud->is_null()) {
    if (!aud->is_array()) {
      return error_response(Status(Code::kBadParameter, "Property 'audiences' must be an array of strings."));
    }
    for (const auto& a : aud->get_array()) {
      if (!a.is_string()) {
        return error_response(Status(Code::kBadParameter, "Property 'audiences' must be an array of strings."));
      }
      c.audiences.emplace_back(a.get_string());
    }
  }
  auto created = creds.add_federated(id, std::move(c));
  if (!created.ok()) return error_response(created.status());
  return json_response(201, federated_json(*created));
}

http::Response add_certificate(const http::Request& req, const std::string& id,
                               auth::WorkloadCredentialRegistry& creds) {
  auto body = parse_json_object(req.body);
  if (!body.ok()) return error_response(body.status());
  auto cert = opt_string(*body, "certificate");
  if (!cert.ok()) return error_response(cert.status());
  if (!*cert || (*cert)->empty()) {
    return error_response(Status(Code::kBadParameter, "Property 'certificate' (PEM, or base64 DER) is required."));
  }
  std::string input = **cert;
  if (input.find("-----BEGIN") == std::string::npos) {
    auto der = base64_decode(input);
    if (!der) return error_response(Status(Code::kBadParameter, "Property 'certificate' is neither PEM nor base64."));
    input = std::move(*der);
  }
  auto added = creds.add_certificate(id, input);
  if (!added.ok()) return error_response(added.status());
  return json_response(201, certificate_json(*added));
}

}  // namespace

std::optional<Operation> route_credentials(const http::Request& req, const std::vector<std::string>& s,
                                           auth::WorkloadCredentialRegistry& creds) {
  if (s.size() < 3 || s.size() > 4 || s[0] != "service-principals" || s[1].empty()) return std::nullopt;
  const std::string id = s[1];
  const std::string& m = req.method;
  if (s[2] == "federated-credentials") {
    if (s.size() == 3 && m == "GET") {
      return coffer_operation("ServicePrincipalFederatedCredentialList", "/", [&creds, id] {
        auto list = creds.list_federated(id);
        if (!list.ok()) return error_response(list.status());
        json::array items;
        for (const auto& c : *list) items.push_back(federated_json(c));
        return json_response(200, json::object{{"value", items}});
      });
    }
    if (s.size() == 3 && m == "POST") {
      return coffer_operation("ServicePrincipalFederatedCredentialCreate", "/",
                              [&req, &creds, id] { return create_federated(req, id, creds); });
    }
    if (s.size() == 4 && !s[3].empty()) {
      const std::string name = s[3];
      if (m == "GET") {
        return coffer_operation("ServicePrincipalFederatedCredentialGet", "/", [&creds, id, name] {
          auto c = creds.find_federated(id, name);
          return c.ok() ? json_response(200, federated_json(*c)) : error_response(c.status());
        });
      }
      if (m == "DELETE") {
        return coffer_operation("ServicePrincipalFederatedCredentialDelete", "/", [&creds, id, name] {
          Status st = creds.remove_federated(id, name);
          return st.ok() ? empty_response(204) : error_response(st);
        });
      }
    }
    return std::nullopt;
  }
  if (s[2] == "certificates") {
    if (s.size() == 3 && m == "GET") {
      return coffer_operation("ServicePrincipalCertificateList", "/", [&creds, id] {
        auto list = creds.list_certificates(id);
        if (!list.ok()) return error_response(list.status());
        json::array items;
        for (const auto& c : *list) items.push_back(certificate_json(c));
        return json_response(200, json::object{{"value", items}});
      });
    }
    if (s.size() == 3 && m == "POST") {
      return coffer_operation("ServicePrincipalCertificateAdd", "/",
                              [&req, &creds, id] { return add_certificate(req, id, creds); });
    }
    if (s.size() == 4 && !s[3].empty() && m == "DELETE") {
      const std::string key = s[3];
      return coffer_operation("ServicePrincipalCertificateDelete", "/", [&creds, id, key] {
        Status st = creds.remove_certificate(id, key);
        return st.ok() ? empty_response(204) : error_response(st);
      });
    }
    return std::nullopt;
  }
  return std::nullopt;
}

}  // namespace coffer::api
