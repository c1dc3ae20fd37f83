// to_json(): the AuditEvent JSON of a record, written directly into one
// string (this runs for every request).
#include <charconv>
#include <string_view>

#include "audit/audit_sink.hpp"
#include "audit/chain.hpp"
#include "common/json_string.hpp"

namespace coffer::audit {
namespace {

void field(std::string& out, std::string_view name, std::string_view value) {
  out += '"';
  out += name;
  out += "\":";
  append_json_string(out, value);
  out += ',';
}

void field(std::string& out, std::string_view name, int64_t value) {
  out += '"';
  out += name;
  out += "\":";
  char digits[24];
  const auto end = std::to_chars(digits, digits + sizeof digits, value).ptr;
  out.append(digits, end);
  out += ',';
}

}  // namespace

std::string to_json(const AuditRecord& r) { return to_json(r, {r.client_info, r.correlation_id, r.request_uri}); }

std::string to_json(const AuditRecord& r, const RedactedFields& redacted) {
  std::string out;
  out.reserve(512 + redacted.request_uri.size() + redacted.client_info.size() + r.object_id.size());
  out += "{\"time\":\"";
  append_iso_time_ms(out, r.time_ms);
  out += "\",";
  field(out, "category", "AuditEvent");
  field(out, "operationName", r.operation_name);
  field(out, "resultType", r.result_type);
  field(out, "resultSignature", r.result_signature);
  field(out, "httpStatusCode", r.http_status);
  field(out, "correlationId", redacted.correlation_id);
  field(out, "requestId", r.request_id);
  field(out, "callerIpAddress", r.caller_ip);
  out += "\"identity\":{\"claim\":{";
  field(out, "http://schemas.microsoft.com/identity/claims/tenantid", r.caller_tenant_id);
  field(out, "http://schemas.microsoft.com/identity/claims/objectidentifier", r.caller_object_id);
  field(out, "appid", r.caller_app_id);
  if (!r.caller_upn.empty()) field(out, "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn", r.caller_upn);
  out.back() = '}';
  out += "},\"properties\":{";
  field(out, "clientInfo", redacted.client_info);
  field(out, "requestUri", redacted.request_uri);
  field(out, "id", r.object_id);
  out.back() = '}';
  out += ',';
  field(out, "durationMs", r.duration_ms);
  field(out, "resourceId", r.vault);
  out.back() = '}';
  return out;
}

}  // namespace coffer::audit
