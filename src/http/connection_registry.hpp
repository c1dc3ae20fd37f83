// ConnectionRegistry: the live connections of one HttpsServer and the
// server's "stopping" flag. Thread-safe: every method may be called from any
// thread.
//
// A connection registers itself when accepted and unregisters in its
// destructor. Once stop() was called, add() refuses new connections, and the
// `on_drained` callback runs exactly once, as soon as no connection is left
// (possibly inside stop() itself, or inside the last connection's remove()).
//
// At most `limit` connections live at once. A connection accepted at the
// limit takes the place of one that is doing nothing — first the oldest that
// has not completed a request yet (a TLS handshake, an idle or trickling
// first request: what floods of idle connections are made of), then the one
// idle the longest between requests — which is told to shed(); a request
// being handled or answered is never cut. Only when every connection is busy
// is the new one refused (add() returns false).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <unordered_map>
#include <vector>
#include "common/thread_annotations.hpp"

namespace coffer::http {

// What the registry needs from a connection.
class Connection {
 public:
  virtual ~Connection() = default;
  // The server is stopping: close now if idle, otherwise finish the request
  // in flight and close after its response. Called once, from any thread.
  virtual void begin_stop() = 0;

  // How readily it may be closed to make room: kBusy never; otherwise the
  // higher the rank, the sooner, and among equals the earliest `since`.
  enum class Idleness : int { kBusy = 0, kBetweenRequests = 1, kNoRequestYet = 2 };
  struct ShedRank {
    Idleness idleness = Idleness::kBusy;
    int64_t since = 0;  // steady-clock nanoseconds
  };
  // Thread-safe snapshot.
  virtual ShedRank shed_rank() const = 0;
  // Close now if still idle (the connection re-checks on its own thread);
  // afterwards shed_rank() is kBusy. Any thread.
  virtual void shed() = 0;
};

class ConnectionRegistry {
 public:
  explicit ConnectionRegistry(std::function<void()> on_drained, std::size_t limit = SIZE_MAX);
  ConnectionRegistry(const ConnectionRegistry&) = delete;
  ConnectionRegistry& operator=(const ConnectionRegistry&) = delete;

  // Registers `c`, shedding an idle connection at the limit. Returns false
  // (and keeps nothing) when stopping, or at the limit with none idle.
  bool add(const std::shared_ptr<Connection>& c);
  void set_limit(std::size_t limit);
  std::size_t size() const;
  // Unregisters the connection at `c` (unknown pointers are ignored).
  void remove(const Connection* c);

  // Marks the server as stopping and returns the connections still alive;
  // the caller tells each one to begin_stop().
  std::vector<std::shared_ptr<Connection>> stop();
  bool stopping() const { return stopping_.load(std::memory_order_acquire); }

  // From now on on_drained never runs (used while the server is destroyed).
  void disarm();

 private:
  void notify_drained_once();

  std::function<void()> on_drained_;
  std::size_t limit_;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> drained_notified_{false};
  mutable Mutex mu_;
  std::unordered_map<const Connection*, std::weak_ptr<Connection>> live_ COFFER_GUARDED_BY(mu_);
};

}  // namespace coffer::http
