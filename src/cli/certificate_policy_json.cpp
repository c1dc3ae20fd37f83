#include "cli/certificate_policy_json.hpp"

#include <boost/json.hpp>
#include <cctype>
#include <map>
#include <string_view>

namespace coffer::cli {
namespace json = boost::json;
namespace {

// Member names folded (lower case, no '_') → the wire name. Model names and
// wire names fold alike, so both spellings land on the wire name.
const std::map<std::string, std::string, std::less<>>& wire_names() {
  static const std::map<std::string, std::string, std::less<>> names = {
      {"keyproperties", "key_props"},
      {"keyprops", "key_props"},
      {"secretproperties", "secret_props"},
      {"secretprops", "secret_props"},
      {"x509certificateproperties", "x509_props"},
      {"x509properties", "x509_props"},
      {"x509props", "x509_props"},
      {"lifetimeactions", "lifetime_actions"},
      {"issuerparameters", "issuer"},
      {"keytype", "kty"},
      {"keysize", "key_size"},
      {"reusekey", "reuse_key"},
      {"curve", "crv"},
      {"contenttype", "contentType"},
      {"subjectalternativenames", "sans"},
      {"keyusage", "key_usage"},
      {"validityinmonths", "validity_months"},
      {"validitymonths", "validity_months"},
      {"enhancedkeyusage", "ekus"},
      {"dnsnames", "dns_names"},
      {"userprincipalnames", "upns"},
      {"lifetimepercentage", "lifetime_percentage"},
      {"daysbeforeexpiry", "days_before_expiry"},
      {"actiontype", "action_type"},
      {"certificatetype", "cty"},
      {"certificatetransparency", "cert_transparency"},
      {"certtransparency", "cert_transparency"},
  };
  return names;
}

std::string wire_name(std::string_view name) {
  std::string folded;
  for (char c : name) {
    if (c != '_') folded += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  const auto& names = wire_names();
  auto it = names.find(folded);
  return it == names.end() ? std::string(name) : it->second;
}

json::value to_wire(const json::value& v) {
  if (const json::object* o = v.if_object()) {
    json::object out;
    for (const auto& member : *o) {
      if (!member.value().is_null()) out[wire_name(member.key())] = to_wire(member.value());
    }
    return out;
  }
  if (const json::array* a = v.if_array()) {
    json::array out;
    for (const auto& item : *a) out.push_back(to_wire(item));
    return out;
  }
  return v;
}

}  // namespace

json::object default_certificate_policy() {
  return json::object{
      {"key_props", {{"exportable", true}, {"kty", "RSA"}, {"key_size", 2048}, {"reuse_key", true}}},
      {"secret_props", {{"contentType", "application/x-pkcs12"}}},
      {"x509_props",
       {{"subject", "CN=CLIGetDefaultPolicy"},
        {"key_usage", json::array{"cRLSign", "dataEncipherment", "digitalSignature", "keyEncipherment", "keyAgreement",
                                  "keyCertSign"}},
        {"validity_months", 12}}},
      {"lifetime_actions", json::array{json::object{{"trigger", {{"days_before_expiry", 90}}},
                                                    {"action", {{"action_type", "AutoRenew"}}}}}},
      {"issuer", {{"name", "Self"}}},
  };
}

json::object wire_certificate_policy(const json::object& given) {
  const json::value* wrapped = given.if_contains("policy");
  const json::object& policy = wrapped && wrapped->is_object() ? wrapped->get_object() : given;
  return to_wire(policy).get_object();
}

std::string policy_issuer_name(const json::object& policy) {
  const json::value* issuer = policy.if_contains("issuer");
  const json::value* name = issuer && issuer->is_object() ? issuer->get_object().if_contains("name") : nullptr;
  return name && name->is_string() ? std::string(name->get_string()) : std::string();
}

}  // namespace coffer::cli
