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
// Lookups are counted (hit: answered from memory; miss: read from the
// store) and, when the store has a metrics registry, shown as
// coffer_read_cache_lookups_total{cache, result}.
// Thread-safe.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "common/ascii.hpp"
#include "common/prometheus.hpp"
#include "common/status.hpp"
#include "common/thread_annotations.hpp"
#include "store/store.hpp"

namespace coffer::vault {

// "vault-id/name/version" with name and version in lower case (object names
// are case-insensitive), built in one allocation: the key of an object
// version in the read and key-material caches.
inline std::string object_cache_key(std::string_view vault_id, std::string_view name, std::string_view version) {
  std::string key;
  key.reserve(vault_id.size() + name.size() + version.size() + 2);
  key.append(vault_id).push_back('/');
  for (char c : name) key.push_back(ascii_lower(c));
  key.push_back('/');
  for (char c : version) key.push_back(ascii_lower(c));
  return key;
}

template <typename Record>
class ReadCache {
 public:
  // `name` labels its metrics ("secrets", "keys").
  ReadCache(const store::Store& store, std::string_view name, std::size_t capacity = 4096)
      : store_(store), capacity_(capacity) {
    if (prometheus::Registry* metrics = store.metrics()) {
      const char* help = "Lookups in the read caches: hit (answered from memory) or miss (read from the store).";
      hits_seen_ = metrics->observed_counter(
          "coffer_read_cache_lookups_total", help, prometheus::label_set({{"cache", name}, {"result", "hit"}}),
          [this] { return static_cast<double>(hits_.load(std::memory_order_relaxed)); });
      misses_seen_ = metrics->observed_counter(
          "coffer_read_cache_lookups_total", help, prometheus::label_set({{"cache", name}, {"result", "miss"}}),
          [this] { return static_cast<double>(misses_.load(std::memory_order_relaxed)); });
    }
  }

  // The record cached under `key`, or load()'s (a Result<Record> read from
  // the store), cached when the store did not change meanwhile. Shared, not
  // copied: callers read it and copy only what they keep.
  template <typename Load>
  Result<std::shared_ptr<const Record>> get(const std::string& key, Load&& load) {
    const std::uint64_t generation = store_.generation();
    {
      ReaderLock lock(mu_);
      if (generation_ == generation) {
        auto it = entries_.find(key);
        if (it != entries_.end()) {
          hits_.fetch_add(1, std::memory_order_relaxed);
          return it->second;
        }
      }
    }
    misses_.fetch_add(1, std::memory_order_relaxed);
    Result<Record> loaded = load();
    if (!loaded.ok()) return loaded.status();
    auto record = std::make_shared<const Record>(std::move(*loaded));
    if (store_.generation() == generation) {
      WriterLock lock(mu_);
      if (generation_ != generation || entries_.size() >= capacity_) {
        entries_.clear();
        generation_ = generation;
      }
      entries_.insert_or_assign(key, record);
    }
    return record;
  }

 private:
  const store::Store& store_;
  const std::size_t capacity_;
  mutable SharedMutex mu_;
  std::uint64_t generation_ COFFER_GUARDED_BY(mu_) = 0;  // of every entry
  std::unordered_map<std::string, std::shared_ptr<const Record>> entries_ COFFER_GUARDED_BY(mu_);
  std::atomic<uint64_t> hits_{0};
  std::atomic<uint64_t> misses_{0};
  prometheus::Observed hits_seen_;  // after the counters: unlisted before they go
  prometheus::Observed misses_seen_;
};

}  // namespace coffer::vault
