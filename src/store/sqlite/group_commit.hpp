// GroupCommitWriter: SQLite's writes. One thread owns the write connection
// and commits queued write() callbacks together (store/batch_writer.hpp, one
// transaction per batch: write_batch.hpp), so concurrent writers share one
// fsync. Thread-safe; destruction commits and answers everything already
// queued first.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>

#include "store/batch_writer.hpp"
#include "store/sqlite/connection.hpp"

namespace coffer::store::sqlite {

class GroupCommitWriter {
 public:
  GroupCommitWriter(std::unique_ptr<Connection> conn, std::size_t max_batch, prometheus::Registry* metrics = nullptr);

  // Runs fn in the next batch; returns its outcome once that batch is done.
  Status submit(const WriteFn& fn) { return batches_.submit(fn); }
  // True on the writer thread itself, i.e. inside a write callback.
  bool on_writer_thread() const { return batches_.on_writer_thread(); }
  std::uint64_t commit_count() const { return commits_.load(); }
  std::size_t queued() const { return batches_.queued(); }

 private:
  std::vector<Status> commit(std::span<const WriteFn* const> fns);

  std::unique_ptr<Connection> conn_;  // used by the writer thread only
  std::atomic<std::uint64_t> commits_{0};
  BatchWriter batches_;  // last: its thread stops before the connection goes
};

}  // namespace coffer::store::sqlite
