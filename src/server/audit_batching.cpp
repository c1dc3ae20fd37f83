#include "server/audit_batching.hpp"

#include <spdlog/spdlog.h>

#include <memory>

#include "common/freshness.hpp"
#include "http/deferral.hpp"

namespace coffer::server {

std::vector<AuditBatching::Pending>& AuditBatching::group() {
  thread_local std::vector<Pending> pending;
  return pending;
}

std::vector<AuditBatching::Held>& AuditBatching::held() {
  thread_local std::vector<Held> waiting;
  return waiting;
}

http::Response AuditBatching::handle(http::Request& request) {
  if (!http::can_defer()) return api_.handle(request);  // no pass to wait for: audit now
  if (observer_) {
    http::Response deferred;
    deferred.later = [this, req = &request](http::Respond respond) {
      std::vector<Held>& waiting = held();
      waiting.push_back({req, std::move(respond)});
      if (waiting.size() == 1 && !http::defer([this] { observe_held(); })) observe_held();
    };
    return deferred;
  }
  auto outcome = std::make_shared<api::Api::Outcome>(api_.prepare(request));
  if (outcome->response.offload) return std::move(outcome->response);  // not begun: the worker runs it
  http::Response deferred;
  deferred.later = [this, outcome](http::Respond respond) {
    std::vector<Pending>& pending = group();
    pending.push_back({std::move(*outcome), std::move(respond)});
    if (pending.size() == 1 && !http::defer([this] { flush(); })) flush();
  };
  return deferred;
}

void AuditBatching::observe_held() {
  auto batch = std::make_shared<std::vector<Held>>(std::move(held()));
  held().clear();
  // Every held request arrived before now: an observation begun after now covers them all.
  const auto floor = std::chrono::steady_clock::now();
  auto loop = http::this_loop();
  observer_->when_observed(floor, [this, batch, loop, floor](bool observed) {
    loop([this, batch, observed, floor] { run_held(std::move(*batch), observed, floor); });
  });
}

void AuditBatching::run_held(std::vector<Held> batch, bool observed, std::chrono::steady_clock::time_point floor) {
  std::vector<Pending>& pending = group();
  for (auto& h : batch) {
    if (!observed) {
      h.respond(http::Response::offloaded());
      continue;
    }
    FreshnessScope freshness(floor);
    NoWaitScope no_wait;
    api::Api::Outcome outcome = api_.prepare(*h.request);
    if (no_wait.refused() || outcome.response.offload) {
      h.respond(http::Response::offloaded());  // nothing acted on, nothing recorded: the worker runs it again
      continue;
    }
    pending.push_back({std::move(outcome), std::move(h.respond)});
  }
  if (!pending.empty()) flush();
}

void AuditBatching::flush() {
  // The group is taken whole (an answer may start the next one) and its
  // storage handed back afterwards, so a busy loop does not allocate it anew
  // for every pass.
  std::vector<Pending> pending;
  pending.swap(group());
  thread_local std::vector<const audit::AuditRecord*> records;
  records.clear();
  for (const auto& p : pending) records.push_back(&p.outcome.record);
  Status audited;
  try {
    audited = audit_.write_batch(records);
  } catch (const std::exception& e) {  // allocation failure: report the group unrecorded
    audited = Status(Code::kUnavailable, std::string("audit batch failed: ") + e.what());
  }
  for (auto& p : pending) {
    try {
      p.respond(api_.finish(std::move(p.outcome), audited));
    } catch (const std::exception& e) {
      spdlog::error("http: answering request {} failed: {}", p.outcome.record.request_id, e.what());
    }
  }
  pending.clear();
  if (group().empty()) pending.swap(group());
}

}  // namespace coffer::server
