// Routes of the AKV certificates surface (/certificates…,
// /deletedcertificates…) to Operations on the CertificateService. Fixed
// path words (create, versions, policy, pending, and the reserved names
// issuers, contacts, restore) are matched before the {version} wildcard.
// Returns nullopt when no route matches.
#pragma once

#include <optional>

#include "api/operation.hpp"
#include "vault/certificate_service.hpp"

namespace coffer::api {

std::optional<Operation> route_certificate_operation(const VaultRequest& req, vault::CertificateService& certs);

}  // namespace coffer::api
