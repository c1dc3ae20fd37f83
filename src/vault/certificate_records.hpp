// Encoding of the certificate records kept in the store (see
// store_keys.hpp), next to the shared ObjectHead per name
// (object_collection.hpp): CertificateVersionRecord, one per version (the
// leaf certificate and metadata; the private key lives in the backing key
// version, sealed there); the policy and the pending operation, one each
// per name. Nothing here is secret.
#pragma once

#include <string>
#include <string_view>

#include "common/status.hpp"
#include "vault/certificate_types.hpp"
#include "vault/sealed.hpp"

namespace coffer::vault {

struct CertificateVersionRecord {
  CertificateProperties properties;  // name filled from the head by callers
};

std::string encode_certificate_version(const CertificateVersionRecord& v);
Result<CertificateVersionRecord> decode_certificate_version(std::string_view data);
std::string encode_certificate_policy(const CertificatePolicy& p);
Result<CertificatePolicy> decode_certificate_policy(std::string_view data);
std::string encode_certificate_operation(const CertificateOperation& op);
Result<CertificateOperation> decode_certificate_operation(std::string_view data);
// The password travels already sealed (`sealed_password`); the record holds no secret in clear.
std::string encode_certificate_issuer(const CertificateIssuer& issuer, const Sealed& sealed_password);
Result<CertificateIssuer> decode_certificate_issuer(std::string_view data, Sealed* sealed_password);
std::string encode_certificate_contacts(const std::vector<CertificateContact>& contacts);
Result<std::vector<CertificateContact>> decode_certificate_contacts(std::string_view data);

}  // namespace coffer::vault
