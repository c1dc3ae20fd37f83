#include <fcntl.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <cerrno>
#include <cstring>
#include <ctime>

#include "audit/audit_sink.hpp"

namespace coffer::audit {
namespace json = boost::json;
namespace {

std::string iso_time(int64_t ms) {
  std::time_t secs = std::time_t(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[40];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  char out[48];
  std::snprintf(out, sizeof out, "%s.%03dZ", buf, int(ms % 1000));
  return out;
}

}  // namespace

std::string to_json(const AuditRecord& r) {
  json::object identity{{"claim",
                         json::object{{"http://schemas.microsoft.com/identity/claims/tenantid", r.caller_tenant_id},
                                      {"http://schemas.microsoft.com/identity/claims/objectidentifier",
                                       r.caller_object_id},
                                      {"appid", r.caller_app_id}}}};
  json::object o{{"time", iso_time(r.time_ms)},
                 {"category", "AuditEvent"},
                 {"operationName", r.operation_name},
                 {"resultType", r.result_type},
                 {"resultSignature", r.result_signature},
                 {"httpStatusCode", r.http_status},
                 {"correlationId", r.correlation_id},
                 {"requestId", r.request_id},
                 {"callerIpAddress", r.caller_ip},
                 {"identity", identity},
                 {"properties", json::object{{"clientInfo", r.client_info},
                                             {"requestUri", r.request_uri},
                                             {"id", r.object_id}}},
                 {"durationMs", r.duration_ms},
                 {"resourceId", r.vault}};
  return json::serialize(o);
}

Result<std::unique_ptr<JsonLinesFileSink>> JsonLinesFileSink::open(const std::string& path) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) {
    return Status(Code::kUnavailable, "cannot open audit log " + path + ": " + std::strerror(errno));
  }
  return std::unique_ptr<JsonLinesFileSink>(new JsonLinesFileSink(fd, path));
}

JsonLinesFileSink::~JsonLinesFileSink() { ::close(fd_); }

Status JsonLinesFileSink::write(const AuditRecord& record) {
  std::string line = to_json(record);
  line += '\n';
  std::lock_guard lock(mu_);
  std::size_t done = 0;
  while (done < line.size()) {
    ssize_t n = ::write(fd_, line.data() + done, line.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return Status(Code::kUnavailable, "audit log " + path_ + " write failed: " + std::strerror(errno));
    done += std::size_t(n);
  }
  return Status::Ok();
}

}  // namespace coffer::audit
