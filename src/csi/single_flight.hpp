// SingleFlight<T>: concurrent calls with the same key share one execution.
// The first caller runs `fn`; callers arriving while it runs wait and get a
// copy of its result. Nothing is cached after the call returns, so a later
// call (a rotation poll) always runs again. Thread-safe.
#pragma once

#include <functional>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <string>

namespace coffer::csi {

template <typename T>
class SingleFlight {
 public:
  T run(const std::string& key, const std::function<T()>& fn) {
    std::shared_ptr<std::promise<T>> leader;
    std::shared_future<T> result;
    {
      std::lock_guard<std::mutex> lock(mu_);
      auto it = calls_.find(key);
      if (it != calls_.end()) {
        result = it->second;
      } else {
        leader = std::make_shared<std::promise<T>>();
        result = leader->get_future().share();
        calls_.emplace(key, result);
      }
    }
    if (!leader) return result.get();
    try {
      leader->set_value(fn());
    } catch (...) {
      leader->set_exception(std::current_exception());
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      calls_.erase(key);
    }
    return result.get();
  }

  // Calls in flight now (for tests).
  std::size_t in_flight() const {
    std::lock_guard<std::mutex> lock(mu_);
    return calls_.size();
  }

 private:
  mutable std::mutex mu_;
  std::map<std::string, std::shared_future<T>> calls_;
};

}  // namespace coffer::csi
