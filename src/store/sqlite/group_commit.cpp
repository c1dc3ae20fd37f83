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
  }
  wake_.notify_one();
  thread_.join();
}

Status GroupCommitWriter::submit(const WriteFn& fn) {
  Request request{&fn, {}};
  std::future<Status> result = request.done.get_future();
  {
    std::lock_guard lock(mu_);
    if (stopping_) return Status(Code::kUnavailable, "store: closing");
    queue_.push_back(&request);
  }
  wake_.notify_one();
  return result.get();
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
  for (std::size_t i = 0; i < batch.size(); ++i) batch[i]->done.set_value(std::move(outcome.results[i]));
}

}  // namespace coffer::store::sqlite
