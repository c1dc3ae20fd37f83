#include "store/sqlite/group_commit.hpp"

#include <algorithm>
#include <vector>

namespace coffer::store::sqlite {

GroupCommitWriter::GroupCommitWriter(std::unique_ptr<Connection> conn, std::size_t max_batch)
    : conn_(std::move(conn)), max_batch_(std::max<std::size_t>(max_batch, 1)), thread_([this] { loop(); }) {}

GroupCommitWriter::~GroupCommitWriter() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    wake_.notify_one();
  }
  thread_.join();  // the loop drains the queue before it ends
  std::unique_lock lock(mu_);
  idle_.wait(lock, [this] { return callers_ == 0; });
}

Status GroupCommitWriter::submit(const WriteFn& fn) {
  Request request(&fn);
  std::unique_lock lock(mu_);
  if (stopping_) return Status(Code::kUnavailable, "store: closing");
  queue_.push_back(&request);
  ++callers_;
  wake_.notify_one();
  request.answered.wait(lock, [&] { return request.done; });
  if (--callers_ == 0 && stopping_) idle_.notify_all();
  return std::move(request.result);
}

std::size_t GroupCommitWriter::queued() const {
  std::lock_guard lock(mu_);
  return queue_.size();
}

void GroupCommitWriter::loop() {
  std::vector<Request*> batch;
  for (;;) {
    batch.clear();
    {
      std::unique_lock lock(mu_);
      wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, and everything queued is answered
      while (!queue_.empty() && batch.size() < max_batch_) {
        batch.push_back(queue_.front());
        queue_.pop_front();
      }
    }
    finish(batch);
  }
}

void GroupCommitWriter::finish(std::span<Request* const> batch) {
  BatchOutcome outcome;
  try {
    std::vector<const WriteFn*> fns;
    fns.reserve(batch.size());
    for (Request* r : batch) fns.push_back(r->fn);
    outcome = run_write_batch(*conn_, fns);
  } catch (...) {  // only allocation failure can get here
    if (conn_->in_transaction()) (void)conn_->run("ROLLBACK");
    outcome.committed = false;
    outcome.results.assign(batch.size(), Status(Code::kInternal, "store: write batch failed (out of memory)"));
  }
  if (outcome.committed) commits_.fetch_add(1);
  // Notify under the lock: a caller can only leave submit() (and free its
  // Request) after we release mu_, and we never touch a Request after that.
  std::lock_guard lock(mu_);
  for (std::size_t i = 0; i < batch.size(); ++i) {
    batch[i]->result = std::move(outcome.results[i]);
    batch[i]->done = true;
    batch[i]->answered.notify_one();
  }
}

}  // namespace coffer::store::sqlite
