// ConnectionRegistry: the live connections of one HttpsServer and the
// server's "stopping" flag. Thread-safe: every method may be called from any
// thread.
//
// A connection registers itself when accepted and unregisters in its
// destructor. Once stop() was called, add() refuses new connections, and the
// `on_drained` callback runs exactly once, as soon as no connection is left
// (possibly inside stop() itself, or inside the last connection's remove()).
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

namespace coffer::http {

// What the registry needs from a connection.
class Connection {
 public:
  virtual ~Connection() = default;
  // The server is stopping: close now if idle, otherwise finish the request
  // in flight and close after its response. Called once, from any thread.
  virtual void begin_stop() = 0;
};

class ConnectionRegistry {
 public:
  explicit ConnectionRegistry(std::function<void()> on_drained);
  ConnectionRegistry(const ConnectionRegistry&) = delete;
  ConnectionRegistry& operator=(const ConnectionRegistry&) = delete;

  // Registers `c`. Returns false (and keeps nothing) when stopping.
  bool add(const std::shared_ptr<Connection>& c);
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
  std::atomic<bool> stopping_{false};
  std::atomic<bool> drained_notified_{false};
  mutable std::mutex mu_;
  std::unordered_map<const Connection*, std::weak_ptr<Connection>> live_;
};

}  // namespace coffer::http
