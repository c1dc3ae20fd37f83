// GroupCommitWriter: the one thread that owns the write connection.
// submit() queues a callback and blocks until its batch is finished; the
// thread takes up to max_batch queued callbacks at a time and commits them
// together (see write_batch.hpp), so concurrent writers share one fsync.
// Thread-safe. Destruction answers everything already queued, then joins;
// submit() after that has begun returns kUnavailable.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <future>
#include <memory>
#include <mutex>
#include <span>
#include <thread>

#include "store/sqlite/connection.hpp"
#include "store/sqlite/write_batch.hpp"

namespace coffer::store::sqlite {

class GroupCommitWriter {
 public:
  GroupCommitWriter(std::unique_ptr<Connection> conn, std::size_t max_batch);
  ~GroupCommitWriter();
  GroupCommitWriter(const GroupCommitWriter&) = delete;
  GroupCommitWriter& operator=(const GroupCommitWriter&) = delete;

  // Runs fn in the next batch; returns its outcome once that batch is done.
  // `fn` must outlive the call (it does: the caller is blocked meanwhile).
  Status submit(const WriteFn& fn);

  // True on the writer thread itself, i.e. inside a write callback.
  bool on_writer_thread() const { return std::this_thread::get_id() == thread_.get_id(); }
  std::uint64_t commit_count() const { return commits_.load(); }
  std::size_t queued() const;

 private:
  struct Request {
    const WriteFn* fn;
    std::promise<Status> done;
  };

  void loop();
  void finish(std::span<Request* const> batch);

  std::unique_ptr<Connection> conn_;
  const std::size_t max_batch_;
  mutable std::mutex mu_;
  std::condition_variable wake_;
  std::deque<Request*> queue_;
  bool stopping_ = false;
  std::atomic<std::uint64_t> commits_{0};
  std::thread thread_;  // last: starts after everything above exists
};

}  // namespace coffer::store::sqlite
