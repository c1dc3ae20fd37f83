// AuditSink: where audit records go. write() returns OK only once the record
// is handed to durable-enough storage (for a file: written to the file
// descriptor); a non-OK result means the record was NOT recorded, and the
// caller must not report success for the request. AuditLog (audit_log.hpp)
// is the implementation; to_json() is the record's JSON shape.
#pragma once

#include <span>
#include <string>

#include "audit/audit_record.hpp"
#include "common/status.hpp"

namespace coffer::audit {

class AuditSink {
 public:
  virtual ~AuditSink() = default;
  virtual Status write(const AuditRecord& record) = 0;
  // Writes `records` as one group: OK means every one was recorded;
  // otherwise none may be reported as recorded (some may have been). By
  // default one write() each; AuditLog appends the group at once.
  virtual Status write_batch(std::span<const AuditRecord* const> records) {
    for (const AuditRecord* r : records) {
      if (Status st = write(*r); !st.ok()) return st;
    }
    return Status::Ok();
  }
  // OK when the sink expects to accept records; otherwise kUnavailable with
  // the reason (served by /healthz).
  virtual Status health() const { return Status::Ok(); }
};

// Serialises a record as one JSON object (no trailing newline), with AKV's
// AuditEvent field names (record_json.cpp).
std::string to_json(const AuditRecord& record);
// The same with three properties taken from elsewhere: the redacted forms a
// sink writes (RecordFormatter::body), without copying the whole record.
struct RedactedFields {
  std::string_view client_info;
  std::string_view correlation_id;
  std::string_view request_uri;
};
std::string to_json(const AuditRecord& record, const RedactedFields& redacted);

}  // namespace coffer::audit
