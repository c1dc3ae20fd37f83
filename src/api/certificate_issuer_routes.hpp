// Routes of /certificates/issuers… and /certificates/contacts to Operations
// on the CertificateIssuerService. Returns nullopt when no route matches.
#pragma once

#include <optional>

#include "api/operation.hpp"
#include "vault/certificate_issuers.hpp"

namespace coffer::api {

std::optional<Operation> route_certificate_issuer_operation(const VaultRequest& req,
                                                            vault::CertificateIssuerService& issuers);

}  // namespace coffer::api
