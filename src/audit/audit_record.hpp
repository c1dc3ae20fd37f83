// AuditRecord: one record per request, allowed or denied, with the fields
// of Azure's Key Vault AuditEvent. It never holds a secret value, key
// material, password or token: only who, what, where, when and the outcome.
#pragma once

#include <cstdint>
#include <string>

namespace coffer::audit {

struct AuditRecord {
  int64_t time_ms = 0;         // Unix milliseconds
  std::string operation_name;  // e.g. "SecretGet", "SecretSet", "Authentication"
  std::string result_type;     // "Success" or "Failure"
  int http_status = 0;
  std::string result_signature;  // e.g. "OK", "Unauthorized"
  std::string correlation_id;    // client's x-ms-client-request-id / client-request-id
  std::string request_id;        // server-generated, echoed as x-ms-request-id
  std::string caller_tenant_id;
  std::string caller_object_id;
  std::string caller_app_id;
  std::string caller_upn;  // a person's user name; empty for applications
  std::string caller_ip;
  std::string client_info;  // User-Agent
  std::string request_uri;  // https://host/path?query
  int64_t duration_ms = 0;
  std::string vault;      // vault name, empty for identity/admin calls
  std::string object_id;  // e.g. https://v.vault.localhost:8443/secrets/name/version
};

}  // namespace coffer::audit
