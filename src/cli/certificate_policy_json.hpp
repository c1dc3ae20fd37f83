// Certificate policies as `coffer keyvault certificate` takes and prints
// them: az's default policy, and the reading of a --policy document into
// AKV's wire form (snake_case sections: key_props, secret_props, x509_props,
// lifetime_actions, issuer). Pure functions; the server checks the values.
#pragma once

#include <boost/json/object.hpp>
#include <string>

namespace coffer::cli {

// What `az keyvault certificate get-default-policy` prints: RSA 2048
// exportable with key reuse, PKCS#12 secret, subject CN=CLIGetDefaultPolicy,
// six key usages, 12 months, AutoRenew 90 days before expiry, issuer Self.
boost::json::object default_certificate_policy();

// `given` in the wire form. Besides the wire form itself it accepts the
// member names of az's and the SDKs' models, in camelCase or snake_case
// (keyProperties / key_properties, x509CertificateProperties, keyType,
// validityInMonths, subjectAlternativeNames, daysBeforeExpiry, …), and a
// document wrapped as {"policy": {…}}. Null members are dropped; members it
// does not know are kept as they are.
boost::json::object wire_certificate_policy(const boost::json::object& given);

// issuer.name of a wire-form policy; empty when absent.
std::string policy_issuer_name(const boost::json::object& policy);

}  // namespace coffer::cli
