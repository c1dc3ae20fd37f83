// GroupCommitWriter: the one thread that owns the write connection.
// submit() queues a callback and blocks until its batch is finished; the
// thread takes up to max_batch queued callbacks at a time and commits them
// together (see write_batch.hpp), so concurrent writers share one fsync.
// Thread-safe. Destruction commits and answers everything already queued,
// joins the thread and waits until every submit() has returned; submit()
// after destruction has begun returns kUnavailable.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
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
  // Lives on the submitting caller's stack; touched by the writer only
  // under mu_, and never after `done` is set.
  struct Request {
    explicit Request(const WriteFn* f) : fn(f) {}
    const WriteFn* fn;
    Status result;
    bool done = false;
    std::condition_variable answered;
  };

  void loop();
  void finish(std::span<Request* const> batch);

  std::unique_ptr<Connection> conn_;
  const std::size_t max_batch_;
  mutable std::mutex mu_;
  std::condition_variable wake_;  // work queued, or stopping
  std::condition_variable idle_;  // no caller left inside submit()
  std::deque<Request*> queue_;
  std::size_t callers_ = 0;  // inside submit(), queued or waiting
  bool stopping_ = false;
  std::atomic<std::uint64_t> commits_{0};
  std::thread thread_;  // last: starts after everything above exists
};

}  // namespace coffer::store::sqlite
