// MeteredAuditSink: an AuditSink that times every write (one record, or a
// group) of the sink it wraps and counts the failures, for /metrics:
//   coffer_audit_write_duration_seconds{kind="record"|"batch"}
//   coffer_audit_write_failures_total
//   coffer_audit_records_total
// Everything else is the wrapped sink's. Thread-safe as the wrapped sink is.
#pragma once

#include <chrono>
#include <span>

#include "audit/audit_sink.hpp"
#include "common/prometheus.hpp"

namespace coffer::server {

class MeteredAuditSink final : public audit::AuditSink {
 public:
  MeteredAuditSink(audit::AuditSink& sink, prometheus::Registry& metrics)
      : sink_(sink),
        seconds_(metrics.histogram("coffer_audit_write_duration_seconds",
                                   "Audit writes (one record, or the records of one pass of an I/O thread).",
                                   prometheus::latency_buckets())),
        failures_(metrics.counter("coffer_audit_write_failures_total",
                                  "Audit writes that failed (their requests were refused or answered 503).")),
        records_(metrics.counter("coffer_audit_records_total", "Audit records written.")) {}

  Status write(const audit::AuditRecord& record) override {
    return timed("record", 1, [&] { return sink_.write(record); });
  }
  Status write_batch(std::span<const audit::AuditRecord* const> records) override {
    return timed("batch", records.size(), [&] { return sink_.write_batch(records); });
  }
  Status health() const override { return sink_.health(); }

 private:
  template <typename Write>
  Status timed(const char* kind, std::size_t count, const Write& write) {
    const auto started = std::chrono::steady_clock::now();
    Status st = write();
    seconds_.observe(prometheus::label_set({{"kind", kind}}),
                     std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
    if (st.ok()) {
      records_.add({}, static_cast<double>(count));
    } else {
      failures_.add({});
    }
    return st;
  }

  audit::AuditSink& sink_;
  prometheus::Histograms& seconds_;
  prometheus::Counters& failures_;
  prometheus::Counters& records_;
};

}  // namespace coffer::server
