// The admin API for a service principal's workload credentials (see
// auth/workload_credentials.hpp), under /coffer/admin/service-principals/{id}/:
//   GET    federated-credentials              list → {"value":[…]}
//   POST   federated-credentials              create {name, issuer, subject, audiences?, description?} → 201
//   GET    federated-credentials/{name}       show
//   DELETE federated-credentials/{name}       → 204
//   GET    certificates                       list → {"value":[…]}
//   POST   certificates                       add {certificate: PEM, or base64 DER} → 201
//   DELETE certificates/{keyId|thumbprint}    → 204
// Federated credentials look like Microsoft Graph's federatedIdentityCredential,
// certificates like its keyCredential (keyId, customKeyIdentifier = SHA-1
// thumbprint in hex, startDateTime/endDateTime, plus x5t and x5t#S256).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "api/operation.hpp"
#include "auth/workload_credentials.hpp"

namespace coffer::api {

// `segments` start after "coffer", "admin"; nullopt unless they are
// "service-principals", id, "federated-credentials"|"certificates"[, name].
std::optional<Operation> route_credentials(const http::Request& req, const std::vector<std::string>& segments,
                                           auth::WorkloadCredentialRegistry& credentials);

}  // namespace coffer::api
