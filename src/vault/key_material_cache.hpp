// KeyMaterialCache: unsealed, parsed private keys by "vault-id/name/version",
// so a crypto operation does not unseal and decode the key again (OpenSSL 3's
// key decoders are slow and lock-heavy under concurrency). Key material of a
// version never changes, so entries need no invalidation: callers still read
// the version's record first, which gates access (a purged or disabled key is
// refused before the cache is consulted). Bounded: when full it is emptied.
// The keys stay in process memory only, as they do while an operation runs.
// Thread-safe.
#pragma once

#include <memory>
#include <string>
#include <unordered_map>

#include "common/thread_annotations.hpp"
#include "crypto/key_material.hpp"

namespace coffer::vault {

class KeyMaterialCache {
 public:
  explicit KeyMaterialCache(std::size_t capacity = 4096) : capacity_(capacity) {}

  std::shared_ptr<const crypto::KeyMaterial> find(const std::string& id) const {
    ReaderLock lock(mu_);
    auto it = entries_.find(id);
    return it == entries_.end() ? nullptr : it->second;
  }

  void insert(const std::string& id, std::shared_ptr<const crypto::KeyMaterial> material) {
    WriterLock lock(mu_);
    if (entries_.size() >= capacity_) entries_.clear();
    entries_[id] = std::move(material);
  }

 private:
  std::size_t capacity_;
  mutable SharedMutex mu_;
  std::unordered_map<std::string, std::shared_ptr<const crypto::KeyMaterial>> entries_ COFFER_GUARDED_BY(mu_);
};

}  // namespace coffer::vault
