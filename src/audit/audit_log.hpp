// AuditLog: the fail-closed fan-out the request pipeline writes to. It
// implements AuditSink, so Api::handle() answers a request only after
// write() returned OK, i.e. after the record was appended by at least one
// sink (all of them with require_all).
//
// Each sink (an AuditOutput) has its own hash chain, HMAC key (chain.hpp)
// and worker thread. write() (and write_batch() for a group of records)
// appends the record itself, on the calling
// thread, when the sink's worker has nothing in hand and the output takes
// the line without blocking (AuditOutput::write_some): no hand-off, no
// wake-up on the hot path. Otherwise (a full pipe or socket, a worker busy
// with a blocking write) the record, or the rest of a line written in part,
// goes to the worker, which groups what arrives while it is busy into one
// append (batching), and write() waits at most write_timeout: a sink that
// is hung past it, or whose queue is full, counts as failed, so a hung
// destination never hangs requests. A failed sink is retried by the next
// write, so service resumes by itself when a destination recovers
// (/healthz's own record is such a write).
//
// Every sink writes a signed checkpoint after checkpoint_records records,
// after checkpoint_interval when something was written since the last one,
// and at close(). The worker then calls options.anchor (if set) with the
// sink's latest checkpoint (anchor.hpp); a failure there is logged, never
// fails requests, and the next checkpoint records again.
// Thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <thread>
#include <vector>

#include "audit/anchor.hpp"
#include "audit/audit_sink.hpp"
#include "audit/outputs.hpp"
#include "crypto/ed25519_key.hpp"

namespace coffer::audit {

struct AuditLogOptions {
  bool require_all = false;
  std::chrono::milliseconds write_timeout{2000};
  uint64_t checkpoint_records = 1000;
  std::chrono::milliseconds checkpoint_interval{60000};
  std::size_t max_queue = 10000;  // per sink; beyond it the sink counts as failed
  AnchorRecorder anchor;          // optional: records each sink's latest checkpoint outside the log
};

struct AuditSinkSetup {
  std::unique_ptr<AuditOutput> output;
  SecureString hmac_key;  // sink_hmac_key(secret, the sink's spec)
};

class AuditLog final : public AuditSink {
 public:
  AuditLog(AuditLogOptions options, std::vector<AuditSinkSetup> sinks,
           std::shared_ptr<const crypto::Ed25519Key> signer);
  ~AuditLog() override;
  AuditLog(const AuditLog&) = delete;
  AuditLog& operator=(const AuditLog&) = delete;

  // OK once enough sinks appended the record; kUnavailable (naming the
  // failing sinks) otherwise, at the latest after write_timeout.
  Status write(const AuditRecord& record) override;
  // The records as one group: linked and appended together (one write per
  // sink), accepted or failed together.
  Status write_batch(std::span<const AuditRecord* const> records) override;
  // kUnavailable with the reason when fewer sinks than required are healthy
  // (last append failed, or an append has been blocked past write_timeout).
  Status health() const override;
  // Reopens every sink before its next batch (SIGHUP, log rotation).
  void reopen();
  // Writes the final checkpoints and stops the workers; waits at most
  // write_timeout for a hung sink, joins every worker that finished and
  // leaves only a hung one behind. Idempotent; write() fails afterwards.
  void close();

 private:
  struct Ticket;
  struct Sink;
  AuditLogOptions options_;
  std::vector<std::shared_ptr<Sink>> sinks_;
  std::vector<std::thread> workers_;  // workers_[i] runs sinks_[i]
  std::atomic<bool> closed_{false};
};

}  // namespace coffer::audit
