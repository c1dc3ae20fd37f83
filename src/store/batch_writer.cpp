#include "store/batch_writer.hpp"

#include <algorithm>
#include <chrono>

namespace coffer::store {

BatchWriter::BatchWriter(std::size_t max_batch, BatchRunner run, std::size_t extra_writers,
                         prometheus::Registry* metrics, std::string_view backend)
    : max_batch_(std::max<std::size_t>(max_batch, 1)),
      run_(std::move(run)),
      backend_labels_(prometheus::label_set({{"backend", backend}})) {
  if (metrics) {
    commit_seconds_ = &metrics->histogram("coffer_store_commit_duration_seconds",
                                          "Group commits of write transactions, from the batch's start to its commit.",
                                          prometheus::latency_buckets());
    batch_sizes_ = &metrics->histogram("coffer_store_commit_batch_size", "Writes committed together in one batch.",
                                       {1, 2, 4, 8, 16, 32, 64, 128, 256});
  }
  threads_.reserve(1 + extra_writers);
  threads_.emplace_back([this] { loop(false); });
  for (std::size_t i = 0; i < extra_writers; ++i) threads_.emplace_back([this] { loop(true); });
}

BatchWriter::~BatchWriter() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    wake_.notify_all();
    wake_extra_.notify_all();
  }
  for (auto& t : threads_) t.join();  // the loops drain the queue before they end
  std::unique_lock lock(mu_);
  idle_.wait(lock, [this] { return callers_ == 0; });
}

Status BatchWriter::submit(const WriteFn& fn) {
  Request request(&fn);
  std::unique_lock lock(mu_);
  if (stopping_) return Status(Code::kUnavailable, "store: closing");
  queue_.push_back(&request);
  ++callers_;
  wake_.notify_one();
  if (queue_.size() >= kBacklog) wake_extra_.notify_one();
  request.answered.wait(lock, [&] { return request.done; });
  if (--callers_ == 0 && stopping_) idle_.notify_all();
  return std::move(request.result);
}

bool BatchWriter::on_writer_thread() const {
  const auto me = std::this_thread::get_id();
  return std::any_of(threads_.begin(), threads_.end(), [&](const std::thread& t) { return t.get_id() == me; });
}

std::size_t BatchWriter::queued() const {
  std::lock_guard lock(mu_);
  return queue_.size();
}

void BatchWriter::loop(bool extra) {
  std::vector<Request*> batch;
  for (;;) {
    batch.clear();
    {
      std::unique_lock lock(mu_);
      if (extra) {
        wake_extra_.wait(lock, [this] { return stopping_ || queue_.size() >= kBacklog; });
        if (stopping_) return;  // the first writer answers what is left
      } else {
        wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
        if (queue_.empty()) return;  // stopping, and everything queued is answered
      }
      while (!queue_.empty() && batch.size() < max_batch_) {
        batch.push_back(queue_.front());
        queue_.pop_front();
      }
    }
    finish(batch);
  }
}

void BatchWriter::finish(std::span<Request* const> batch) {
  std::vector<Status> results;
  try {
    std::vector<const WriteFn*> fns;
    fns.reserve(batch.size());
    for (Request* r : batch) fns.push_back(r->fn);
    const auto started = std::chrono::steady_clock::now();
    results = run_(fns);
    if (commit_seconds_) {
      commit_seconds_->observe(backend_labels_,
                               std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
      batch_sizes_->observe(backend_labels_, static_cast<double>(batch.size()));
    }
  } catch (...) {  // allocation failure around the runner (which itself does not throw)
    results.clear();
  }
  if (results.size() != batch.size()) {
    results.assign(batch.size(), Status(Code::kInternal, "store: write batch failed (out of memory)"));
  }
  // Notify under the lock: a caller can only leave submit() (and free its
  // Request) after we release mu_, and we never touch a Request after that.
  std::lock_guard lock(mu_);
  for (std::size_t i = 0; i < batch.size(); ++i) {
    batch[i]->result = std::move(results[i]);
    batch[i]->done = true;
    batch[i]->answered.notify_one();
  }
}

}  // namespace coffer::store
