#include "http/connection_registry.hpp"

#include <utility>

namespace coffer::http {

ConnectionRegistry::ConnectionRegistry(std::function<void()> on_drained, std::size_t limit)
    : on_drained_(std::move(on_drained)), limit_(limit) {}

void ConnectionRegistry::set_limit(std::size_t limit) {
  MutexLock lock(mu_);
  limit_ = limit;
}

std::size_t ConnectionRegistry::size() const {
  MutexLock lock(mu_);
  return live_.size();
}

bool ConnectionRegistry::add(const std::shared_ptr<Connection>& c) {
  std::shared_ptr<Connection> victim;
  {
    MutexLock lock(mu_);
    if (stopping_.load(std::memory_order_relaxed)) return false;
    if (live_.size() >= limit_) {
      Connection::ShedRank best;
      for (const auto& [key, weak] : live_) {
        auto other = weak.lock();
        if (!other) continue;
        const Connection::ShedRank r = other->shed_rank();
        if (r.idleness == Connection::Idleness::kBusy) continue;
        if (!victim || r.idleness > best.idleness || (r.idleness == best.idleness && r.since < best.since)) {
          victim = std::move(other);
          best = r;
        }
      }
      if (!victim) return false;
    }
    live_.emplace(c.get(), c);
  }
  if (victim) victim->shed();
  return true;
}

void ConnectionRegistry::remove(const Connection* c) {
  bool drained = false;
  {
    MutexLock lock(mu_);
    if (live_.erase(c) == 0) return;
    drained = stopping_.load(std::memory_order_relaxed) && live_.empty();
  }
  if (drained) notify_drained_once();
}

std::vector<std::shared_ptr<Connection>> ConnectionRegistry::stop() {
  std::vector<std::shared_ptr<Connection>> alive;
  bool drained = false;
  {
    MutexLock lock(mu_);
    stopping_.store(true, std::memory_order_release);
    alive.reserve(live_.size());
    for (const auto& [key, weak] : live_) {
      // An expired entry is being destroyed; its remove() is on the way.
      if (auto c = weak.lock()) alive.push_back(std::move(c));
    }
    drained = live_.empty();
  }
  if (drained) notify_drained_once();
  return alive;
}

void ConnectionRegistry::disarm() { drained_notified_.store(true); }

void ConnectionRegistry::notify_drained_once() {
  if (drained_notified_.exchange(true)) return;
  if (on_drained_) on_drained_();
}

}  // namespace coffer::http
