// JSON ⇄ domain for certificate issuers (IssuerBundle: provider,
// credentials.account_id — the password is taken, never shown —,
// org_details, attributes) and certificate contacts ({"contacts": [...]}).
#pragma once

#include <boost/json/object.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.hpp"
#include "vault/certificate_issuers.hpp"

namespace coffer::api {

Result<vault::CertificateIssuer> parse_issuer_set(std::string_view body);
Result<vault::CertificateIssuerPatch> parse_issuer_update(std::string_view body);
boost::json::object issuer_json(const std::string& base, const vault::CertificateIssuer& issuer);
boost::json::object issuer_item(const std::string& base, const vault::CertificateIssuer& issuer);

Result<std::vector<vault::CertificateContact>> parse_contacts(std::string_view body);
boost::json::object contacts_json(const std::string& base, const std::vector<vault::CertificateContact>& contacts);

}  // namespace coffer::api
