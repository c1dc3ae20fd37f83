#include "server/audit_batching.hpp"

#include <spdlog/spdlog.h>

#include "http/deferral.hpp"

namespace coffer::server {

std::vector<AuditBatching::Pending>& AuditBatching::group() {
  thread_local std::vector<Pending> pending;
  return pending;
}

http::Response AuditBatching::handle(http::Request& request) {
  if (!http::can_defer()) return api_.handle(request);  // no pass to wait for: audit now
  auto outcome = std::make_shared<api::Api::Outcome>(api_.prepare(request));
  http::Response deferred;
  deferred.later = [this, outcome](http::Respond respond) {
    std::vector<Pending>& pending = group();
    pending.push_back({std::move(*outcome), std::move(respond)});
    if (pending.size() == 1 && !http::defer([this] { flush(); })) flush();
  };
  return deferred;
}

void AuditBatching::flush() {
  std::vector<Pending> pending = std::move(group());
  group().clear();
  std::vector<const audit::AuditRecord*> records;
  records.reserve(pending.size());
  for (const auto& p : pending) records.push_back(&p.outcome.record);
  Status audited;
  try {
    audited = audit_.write_batch(records);
  } catch (const std::exception& e) {  // allocation failure: report the group unrecorded
    audited = Status(Code::kUnavailable, std::string("audit batch failed: ") + e.what());
  }
  for (auto& p : pending) {
    const std::string request_id = p.outcome.record.request_id;
    try {
      p.respond(api::Api::finish(std::move(p.outcome), audited));
    } catch (const std::exception& e) {
      spdlog::error("http: answering request {} failed: {}", request_id, e.what());
    }
  }
}

}  // namespace coffer::server
