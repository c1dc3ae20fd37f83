// AuditBatching: the request handler that writes audit records in groups.
// On an I/O thread, a request's record is not written at once: the
// response waits (http::Response::later) until the end of the thread's
// current pass of its event loop (http::defer), and then every record made
// in that pass is appended with one AuditSink::write_batch() — one lock and
// one write(2) per sink for all of them — and each response is sent, or
// replaced by 503 if the group could not be recorded. Nothing is answered
// before its record is written. Elsewhere (the worker pool) a request is
// handled and audited at once, as Api::handle() does.
//
// With a store that waits on the network (PostgreSQL), the requests of a
// pass are first held until the store has an observation made after they
// arrived (Store::when_observed(), one for the whole pass, made off the
// loop); then they run on the loop under a NoWaitScope — served from memory
// — and any that would have to wait on the database after all (a cache
// miss, the database unreachable, an operation that does not run inline)
// is handed to the worker pool (Response::offload) instead, untouched.
#pragma once

#include <chrono>
#include <vector>

#include "api/app.hpp"
#include "audit/audit_sink.hpp"
#include "http/message.hpp"
#include "store/store.hpp"

namespace coffer::server {

class AuditBatching {
 public:
  // `observer`: the store whose observation requests wait for; null when
  // nothing waits (SQLite).
  AuditBatching(api::Api& api, audit::AuditSink& audit, store::Store* observer = nullptr)
      : api_(api), audit_(audit), observer_(observer) {}
  http::Response handle(http::Request& request);

 private:
  struct Pending {
    api::Api::Outcome outcome;
    http::Respond respond;
  };
  struct Held {
    http::Request* request;  // the session keeps it until it is answered
    http::Respond respond;
  };
  // The calling I/O thread's group, written by flush() at the end of the pass.
  static std::vector<Pending>& group();
  // The calling I/O thread's requests waiting for an observation.
  static std::vector<Held>& held();
  void flush();
  // End of a pass: asks for one observation covering every held request.
  void observe_held();
  // Back on the loop with it: runs them from memory, offloads the rest.
  void run_held(std::vector<Held> batch, bool observed, std::chrono::steady_clock::time_point floor);

  api::Api& api_;
  audit::AuditSink& audit_;
  store::Store* observer_;
};

}  // namespace coffer::server
