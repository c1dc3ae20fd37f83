// SqliteStore: the embedded Store backend (see store/store.hpp for the
// contract). One SQLite file in WAL mode with synchronous=FULL; reads use a
// pool of read-only connections, each read() one snapshot; writes go
// through one writer thread that group-commits concurrent write() calls.
// A callback must not call read() or write() on the same store: such nested
// calls return kInternal instead of risking a deadlock. Destroy it only when
// no read() is running; write() calls already queued are committed and
// answered before the destructor returns.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "store/sqlite/group_commit.hpp"
#include "store/sqlite/reader_pool.hpp"
#include "store/store.hpp"

namespace coffer::store::sqlite {

class SqliteStore final : public Store {
 public:
  static constexpr int kDefaultBusyTimeoutMs = 5000;

  // Opens, creating and migrating as needed; refuses a newer schema
  // (read_only: store.hpp's SqliteOptions).
  // busy_timeout_ms: how long to wait for a lock held by another process
  // before failing with kUnavailable.
  static Result<std::unique_ptr<SqliteStore>> open(const SqliteOptions& options,
                                                   int busy_timeout_ms = kDefaultBusyTimeoutMs);
  ~SqliteStore() override;

  Status read(const std::function<Status(ReadTxn&)>& fn) override;
  Status write(const std::function<Status(WriteTxn&)>& fn) override;
  std::uint64_t generation() const override { return commit_count(); }

  // Successful batch COMMITs so far (for tests and metrics).
  std::uint64_t commit_count() const { return writer_ ? writer_->commit_count() : 0; }
  // write() calls waiting for the writer thread (for tests and metrics).
  std::size_t queued_writes() const { return writer_ ? writer_->queued() : 0; }
  prometheus::Registry* metrics() const override { return metrics_; }

 private:
  SqliteStore(std::unique_ptr<ReaderPool> readers, std::unique_ptr<GroupCommitWriter> writer,
              prometheus::Registry* metrics)
      : metrics_(metrics), readers_(std::move(readers)), writer_(std::move(writer)) {}

  // One snapshot: BEGIN on a pooled reader, fn, COMMIT.
  Status read_snapshot(const std::function<Status(ReadTxn&)>& fn);

  prometheus::Registry* const metrics_;
  // Declared before writer_ so the writer (which drains) is destroyed first.
  std::unique_ptr<ReaderPool> readers_;
  std::unique_ptr<GroupCommitWriter> writer_;  // null when opened read-only
};

}  // namespace coffer::store::sqlite
