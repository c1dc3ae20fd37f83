// JSON ⇄ domain for the AKV certificates surface: the create body and the
// CertificatePolicy (snake_case members, as AKV), CertificateBundle,
// CertificateItem, the deleted forms and CertificateOperation.
// - Parsing fills what the body leaves out with AKV's defaults (RSA 2048,
//   exportable, PKCS#12, 12 months, server+client auth, digitalSignature +
//   keyEncipherment — digitalSignature only for EC — AutoRenew at 80 %) and
//   turns enum-like values into AKV's canonical spelling whatever case the
//   client used; unknown values and wrong JSON types → kBadParameter.
// - Output follows what the SDKs need: integer times, `cer`/`csr` standard
//   padded base64, `x5t` base64url without padding, absolute ids on `base`,
//   no `cer`/`x5t`/`kid`/`sid` for a version not issued yet, and never an
//   `error` member in an operation (the Python SDK fails on any).
#pragma once

#include <boost/json/object.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.hpp"
#include "vault/certificate_types.hpp"

namespace coffer::api {

Result<vault::CertificateDraft> parse_certificate_create(std::string_view body);
// The import body: `value` is PEM text, base64 of PEM text (what the Python
// SDK sends for a PEM file) or base64 of a PFX; whitespace and missing
// padding are tolerated. A policy that names no subject only sets the
// secret's content type (the SDK sends just that); the rest is derived from
// the certificate.
Result<vault::CertificateImport> parse_certificate_import(std::string_view body);
// The merge body: `x5c`, the certificates as base64 DER (base64 of PEM text
// is accepted too), plus optional attributes.enabled and tags.
struct CertificateMergeBody {
  std::vector<std::string> x5c_der;
  vault::CertificatePatch patch;
};
Result<CertificateMergeBody> parse_certificate_merge(std::string_view body);
Result<vault::CertificatePatch> parse_certificate_update(std::string_view body);
// A policy update: the members given replace those of `current`.
Result<vault::CertificatePolicy> parse_certificate_policy_update(std::string_view body,
                                                                 const vault::CertificatePolicy& current);

boost::json::object certificate_policy_json(const std::string& base, const std::string& name,
                                            const vault::CertificatePolicy& p);
boost::json::object certificate_bundle(const std::string& base, const vault::VaultInfo& vault,
                                       const vault::Certificate& c);
boost::json::object certificate_item(const std::string& base, const vault::VaultInfo& vault,
                                     const vault::CertificateProperties& p, bool versioned_id);
// The bundle (item = false) or item of a soft-deleted certificate.
boost::json::object deleted_certificate_json(const std::string& base, const vault::VaultInfo& vault,
                                             const vault::DeletedCertificate& d, bool item);
// `as_accepted`: the answer to the create request itself, which must say
// "inProgress" even when the certificate was issued at once (the SDK's
// poller then fetches …/pending and the certificate).
boost::json::object certificate_operation_json(const std::string& base, const std::string& name,
                                               const vault::CertificateOperation& op, bool as_accepted);

}  // namespace coffer::api
