// KeyedThreads: at most one worker thread per key (a subscription's queue,
// a secret's rotation), so a slow or hung webhook holds up only its own
// work. spawn() starts `work` unless that key's worker still runs; reap()
// joins the workers that returned; join_all() waits for every one (stop).
// Thread-safe.
#pragma once

#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace coffer::server {

class KeyedThreads {
 public:
  ~KeyedThreads() { join_all(); }

  // False when `key`'s worker still runs (nothing started).
  bool spawn(const std::string& key, std::function<void()> work) {
    std::lock_guard lock(mu_);
    if (running_.count(key)) return false;
    running_.emplace(key, std::thread([this, key, work = std::move(work)] {
                       work();
                       std::lock_guard done(mu_);
                       finished_.insert(key);
                     }));
    return true;
  }

  void reap() {
    std::vector<std::thread> done;
    {
      std::lock_guard lock(mu_);
      for (const auto& key : finished_) {
        auto it = running_.find(key);
        if (it == running_.end()) continue;
        done.push_back(std::move(it->second));
        running_.erase(it);
      }
      finished_.clear();
    }
    for (auto& t : done) t.join();
  }

  void join_all() {
    std::map<std::string, std::thread> all;
    {
      std::lock_guard lock(mu_);
      all.swap(running_);
      finished_.clear();
    }
    for (auto& [key, t] : all) t.join();
  }

 private:
  std::mutex mu_;
  std::map<std::string, std::thread> running_;
  std::set<std::string> finished_;  // returned, to be joined
};

}  // namespace coffer::server
