// AuditBatching: the request handler that writes audit records in groups.
// On an I/O thread, a request's record is not written at once: the
// response waits (http::Response::later) until the end of the thread's
// current pass of its event loop (http::defer), and then every record made
// in that pass is appended with one AuditSink::write_batch() — one lock and
// one write(2) per sink for all of them — and each response is sent, or
// replaced by 503 if the group could not be recorded. Nothing is answered
// before its record is written. Elsewhere (the worker pool) a request is
// handled and audited at once, as Api::handle() does.
#pragma once

#include <vector>

#include "api/app.hpp"
#include "audit/audit_sink.hpp"
#include "http/message.hpp"

namespace coffer::server {

class AuditBatching {
 public:
  AuditBatching(api::Api& api, audit::AuditSink& audit) : api_(api), audit_(audit) {}
  http::Response handle(http::Request& request);

 private:
  struct Pending {
    api::Api::Outcome outcome;
    http::Respond respond;
  };
  // The calling I/O thread's group, written by flush() at the end of the pass.
  static std::vector<Pending>& group();
  void flush();

  api::Api& api_;
  audit::AuditSink& audit_;
};

}  // namespace coffer::server
