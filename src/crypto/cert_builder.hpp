// Internal to crypto/: builds the dev-mode X.509 certificates (see
// tls_material.hpp for their profile). EC P-256 keys, SHA-256 signatures.
#pragma once

#include <string>
#include <vector>

#include "common/status.hpp"
#include "crypto/openssl_util.hpp"

namespace coffer::crypto::certs {

Result<ossl::PKey> generate_p256_key();

// Self-signed CA, CN "Coffer dev CA", valid 10 years.
Result<ossl::X509Ptr> make_ca_certificate(EVP_PKEY* ca_key);

// CN=localhost server certificate signed by the CA, valid 825 days, with
// the given SANs ("DNS:name" / "IP:addr" entries, already validated).
Result<ossl::X509Ptr> make_server_certificate(EVP_PKEY* server_key, X509* ca_cert, EVP_PKEY* ca_key,
                                              const std::vector<std::string>& subject_alt_names);

}  // namespace coffer::crypto::certs
