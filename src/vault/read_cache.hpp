// ReadCache<Record>: records a service read from the store, kept in memory
// while the store's generation() stays the same, so a repeated read (GET of
// a secret, a key's record before each crypto operation) skips the store
// transaction. A record is cached under the generation observed before its
// read, only if the generation is unchanged after it, and every commit (of
// anything, on any server sharing the store) makes all entries stale for
// callers after it, so a cached answer is one the store would give at the
// start of the caller's request or later. Records hold what the
// store holds (sealed values), never plaintext. Bounded: a full cache, or
// one whose entries went stale, is emptied before the next insert.
// Thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>

#include "common/status.hpp"
#include "common/thread_annotations.hpp"
#include "store/store.hpp"

namespace coffer::vault {

template <typename Record>
class ReadCache {
 public:
  explicit ReadCache(const store::Store& store, std::size_t capacity = 4096) : store_(store), capacity_(capacity) {}

  // The record cached under `key`, or load()'s (a Result<Record> read from
  // the store), cached when the store did not change meanwhile.
  template <typename Load>
  Result<Record> get(const std::string& key, Load&& load) {
    const std::uint64_t generation = store_.generation();
    {
      ReaderLock lock(mu_);
      if (generation_ == generation) {
        auto it = entries_.find(key);
        if (it != entries_.end()) return it->second;
      }
    }
    Result<Record> loaded = load();
    if (loaded.ok() && store_.generation() == generation) {
      WriterLock lock(mu_);
      if (generation_ != generation || entries_.size() >= capacity_) {
        entries_.clear();
        generation_ = generation;
      }
      entries_.insert_or_assign(key, *loaded);
    }
    return loaded;
  }

 private:
  const store::Store& store_;
  const std::size_t capacity_;
  mutable SharedMutex mu_;
  std::uint64_t generation_ COFFER_GUARDED_BY(mu_) = 0;  // of every entry
  std::unordered_map<std::string, Record> entries_ COFFER_GUARDED_BY(mu_);
};

}  // namespace coffer::vault
