#include "csi/object_cache.hpp"

namespace coffer::csi {

ObjectCache::Cursors ObjectCache::cursors(const std::string& key) const {
  std::lock_guard lock(mu_);
  auto it = entries_.find(key);
  return it == entries_.end() ? Cursors{} : it->second.cursors;
}

std::optional<SecureString> ObjectCache::find(const std::string& key, const std::string& object) const {
  std::lock_guard lock(mu_);
  auto it = entries_.find(key);
  if (it == entries_.end()) return std::nullopt;
  auto a = it->second.answers.find(object);
  if (a == it->second.answers.end()) return std::nullopt;
  return a->second;
}

void ObjectCache::commit(const std::string& key, const Cursors& seen, const Cursors& next, bool drop_all,
                         const std::vector<std::string>& stale, std::map<std::string, SecureString> fetched) {
  std::lock_guard lock(mu_);
  Entry& e = entries_[key];
  if (e.cursors != seen) return;  // another Mount went ahead: keep what it stored
  if (drop_all) {
    size_ -= e.answers.size();
    e.answers.clear();
  }
  for (const auto& prefix : stale) {
    auto it = e.answers.lower_bound(prefix);
    while (it != e.answers.end() && it->first.starts_with(prefix)) {
      it = e.answers.erase(it);
      --size_;
    }
  }
  for (auto& [object, answer] : fetched) {
    auto [it, added] = e.answers.insert_or_assign(object, std::move(answer));
    if (added) ++size_;
  }
  e.cursors = next;
  if (size_ > kMaxCachedObjects) {
    entries_.clear();
    size_ = 0;
  }
}

void ObjectCache::forget(const std::string& key) {
  std::lock_guard lock(mu_);
  auto it = entries_.find(key);
  if (it == entries_.end()) return;
  size_ -= it->second.answers.size();
  entries_.erase(it);
}

}  // namespace coffer::csi
