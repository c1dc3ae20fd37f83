// BatchWriter: write callbacks queued by many threads and run in batches by
// threads of its own — the group commit that both backends use.
// submit() queues a callback and blocks until the batch holding it is
// finished; a writer thread takes up to max_batch queued callbacks at a
// time and hands them to the backend's `run`, which returns one Status per
// callback, in order (store.hpp's contract for each), and must not throw
// (an exception there answers the whole batch kInternal). One writer takes
// whatever is queued, so batches grow with the load; each of the
// `extra_writers` takes work only while kBacklog or more callbacks wait —
// when one writer's batches cannot keep up (a database far away: each
// batch costs round trips), not when it merely batches.
// With `metrics`, each batch's run is timed and its size recorded
// (coffer_store_commit_duration_seconds, coffer_store_commit_batch_size,
// labelled with the backend).
// Thread-safe. Destruction answers everything already queued, joins the
// threads and waits until every submit() has returned; submit() after
// destruction has begun returns kUnavailable.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "common/prometheus.hpp"
#include "store/store.hpp"

namespace coffer::store {

using BatchRunner = std::function<std::vector<Status>(std::span<const WriteFn* const>)>;

class BatchWriter {
 public:
  static constexpr std::size_t kBacklog = 16;

  BatchWriter(std::size_t max_batch, BatchRunner run, std::size_t extra_writers = 0,
              prometheus::Registry* metrics = nullptr, std::string_view backend = {});
  ~BatchWriter();
  BatchWriter(const BatchWriter&) = delete;
  BatchWriter& operator=(const BatchWriter&) = delete;

  // Runs fn in the next batch; returns its outcome once that batch is done.
  // `fn` must outlive the call (it does: the caller is blocked meanwhile).
  Status submit(const WriteFn& fn);

  // True on a writer thread, i.e. inside a write callback.
  bool on_writer_thread() const;
  // Callbacks waiting for a writer thread.
  std::size_t queued() const;

 private:
  // Lives on the submitting caller's stack; touched by a writer only under
  // mu_, and never after `done` is set.
  struct Request {
    explicit Request(const WriteFn* f) : fn(f) {}
    const WriteFn* fn;
    Status result;
    bool done = false;
    std::condition_variable answered;
  };

  void loop(bool extra);
  void finish(std::span<Request* const> batch);

  const std::size_t max_batch_;
  const BatchRunner run_;
  prometheus::Histograms* commit_seconds_ = nullptr;
  prometheus::Histograms* batch_sizes_ = nullptr;
  const std::string backend_labels_;
  mutable std::mutex mu_;
  std::condition_variable wake_;        // work queued, or stopping
  std::condition_variable wake_extra_;  // kBacklog queued, or stopping
  std::condition_variable idle_;        // no caller left inside submit()
  std::deque<Request*> queue_;
  std::size_t callers_ = 0;  // inside submit(), queued or waiting
  bool stopping_ = false;
  std::vector<std::thread> threads_;  // last: they start after everything above exists
};

}  // namespace coffer::store
