// AuditSink: where audit records go. write() returns OK only once the record
// is handed to durable-enough storage (for the file sink: written to the
// file descriptor); a non-OK result means the record was NOT recorded, and
// the caller must not report success for the request.
// JsonLinesFileSink appends one JSON object per line, opened O_APPEND, and
// is safe for concurrent writers.
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "audit/audit_record.hpp"
#include "common/status.hpp"

namespace coffer::audit {

class AuditSink {
 public:
  virtual ~AuditSink() = default;
  virtual Status write(const AuditRecord& record) = 0;
  // OK when the sink expects to accept records; otherwise kUnavailable with
  // the reason (served by /healthz).
  virtual Status health() const { return Status::Ok(); }
};

class JsonLinesFileSink final : public AuditSink {
 public:
  static Result<std::unique_ptr<JsonLinesFileSink>> open(const std::string& path);
  ~JsonLinesFileSink() override;
  Status write(const AuditRecord& record) override;

 private:
  explicit JsonLinesFileSink(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  std::mutex mu_;
  int fd_;
  std::string path_;
};

// Serialises a record as one JSON object (no trailing newline), with AKV's
// AuditEvent field names.
std::string to_json(const AuditRecord& record);

}  // namespace coffer::audit
