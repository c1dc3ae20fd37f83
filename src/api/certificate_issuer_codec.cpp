#include "api/certificate_issuer_codec.hpp"

#include <boost/json.hpp>

#include "api/json_body.hpp"

namespace coffer::api {
namespace json = boost::json;
namespace {

Result<std::optional<std::vector<vault::IssuerAdmin>>> parse_admins(const json::object& org) {
  auto it = org.find("admin_details");
  if (it == org.end() || it->value().is_null()) return std::optional<std::vector<vault::IssuerAdmin>>();
  if (!it->value().is_array()) return bad_parameter("org_details.admin_details must be an array.");
  std::vector<vault::IssuerAdmin> out;
  for (const auto& v : it->value().get_array()) {
    if (!v.is_object()) return bad_parameter("Each admin_details entry must be an object.");
    const auto& a = v.get_object();
    vault::IssuerAdmin admin;
    COFFER_ASSIGN_OR_RETURN(auto first, opt_string(a, "first_name"));
    COFFER_ASSIGN_OR_RETURN(auto last, opt_string(a, "last_name"));
    COFFER_ASSIGN_OR_RETURN(auto email, opt_string(a, "email"));
    COFFER_ASSIGN_OR_RETURN(auto phone, opt_string(a, "phone"));
    admin.first_name = first.value_or("");
    admin.last_name = last.value_or("");
    admin.email = email.value_or("");
    admin.phone = phone.value_or("");
    out.push_back(std::move(admin));
  }
  return std::optional<std::vector<vault::IssuerAdmin>>(std::move(out));
}

}  // namespace

Result<vault::CertificateIssuerPatch> parse_issuer_update(std::string_view body) {
  COFFER_ASSIGN_OR_RETURN(json::object o, parse_json_object(body));
  WipeOnExit wipe(o);  // the issuer account's password
  vault::CertificateIssuerPatch p;
  COFFER_ASSIGN_OR_RETURN(p.provider, opt_string(o, "provider"));
  COFFER_ASSIGN_OR_RETURN(auto credentials, opt_object(o, "credentials"));
  if (credentials) {
    WipeOnExit wipe_copy(*credentials);
    COFFER_ASSIGN_OR_RETURN(p.account_id, opt_string(*credentials, "account_id"));
    COFFER_ASSIGN_OR_RETURN(auto pwd, opt_string(*credentials, "pwd"));
    if (pwd) p.password = SecureString(std::move(*pwd));
  }
  COFFER_ASSIGN_OR_RETURN(auto org, opt_object(o, "org_details"));
  if (org) {
    COFFER_ASSIGN_OR_RETURN(p.organization_id, opt_string(*org, "id"));
    COFFER_ASSIGN_OR_RETURN(p.admins, parse_admins(*org));
  }
  COFFER_ASSIGN_OR_RETURN(auto attrs, opt_object(o, "attributes"));
  if (attrs) {
    COFFER_ASSIGN_OR_RETURN(p.enabled, opt_bool(*attrs, "enabled"));
  }
  return p;
}

Result<vault::CertificateIssuer> parse_issuer_set(std::string_view body) {
  COFFER_ASSIGN_OR_RETURN(vault::CertificateIssuerPatch p, parse_issuer_update(body));
  if (!p.provider) return bad_parameter("Property 'provider' is required.");
  vault::CertificateIssuer out;
  out.provider = *p.provider;
  out.account_id = p.account_id.value_or("");
  out.password = std::move(p.password);
  out.organization_id = p.organization_id.value_or("");
  if (p.admins) out.admins = std::move(*p.admins);
  out.enabled = p.enabled.value_or(true);
  return out;
}

json::object issuer_json(const std::string& base, const vault::CertificateIssuer& i) {
  json::array admins;
  for (const auto& a : i.admins) {
    admins.push_back(
        json::object{{"first_name", a.first_name}, {"last_name", a.last_name}, {"email", a.email}, {"phone", a.phone}});
  }
  json::object org{{"admin_details", std::move(admins)}};
  if (!i.organization_id.empty()) org["id"] = i.organization_id;
  json::object credentials;
  if (!i.account_id.empty()) credentials["account_id"] = i.account_id;
  return json::object{
      {"id", base + "/certificates/issuers/" + i.name},
      {"provider", i.provider},
      {"credentials", std::move(credentials)},
      {"org_details", std::move(org)},
      {"attributes", json::object{{"enabled", i.enabled}, {"created", i.created}, {"updated", i.updated}}}};
}

json::object issuer_item(const std::string& base, const vault::CertificateIssuer& i) {
  return json::object{{"id", base + "/certificates/issuers/" + i.name}, {"provider", i.provider}};
}

Result<std::vector<vault::CertificateContact>> parse_contacts(std::string_view body) {
  COFFER_ASSIGN_OR_RETURN(json::object o, parse_json_object(body));
  auto it = o.find("contacts");
  if (it == o.end() || !it->value().is_array()) return bad_parameter("Property 'contacts' must be an array.");
  std::vector<vault::CertificateContact> out;
  for (const auto& v : it->value().get_array()) {
    if (!v.is_object()) return bad_parameter("Each contact must be an object.");
    const auto& c = v.get_object();
    COFFER_ASSIGN_OR_RETURN(auto email, opt_string(c, "email"));
    COFFER_ASSIGN_OR_RETURN(auto name, opt_string(c, "name"));
    COFFER_ASSIGN_OR_RETURN(auto phone, opt_string(c, "phone"));
    out.push_back({email.value_or(""), name.value_or(""), phone.value_or("")});
  }
  return out;
}

json::object contacts_json(const std::string& base, const std::vector<vault::CertificateContact>& contacts) {
  json::array list;
  for (const auto& c : contacts) {
    json::object item{{"email", c.email}};
    if (!c.name.empty()) item["name"] = c.name;
    if (!c.phone.empty()) item["phone"] = c.phone;
    list.push_back(std::move(item));
  }
  return json::object{{"id", base + "/certificates/contacts"}, {"contacts", std::move(list)}};
}

}  // namespace coffer::api
