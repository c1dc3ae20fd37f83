// HttpsServer: HTTPS-only HTTP/1.1 server on Boost.Beast/Asio.
// - TLS 1.2 and 1.3 only, ECDHE + AEAD cipher suites only.
// - Keep-alive; every response carries Content-Length.
// - Limits: header block ≤ max_header_bytes (431 on excess), body ≤
//   max_body_bytes (413 on excess); read timeout per request, idle timeout
//   between keep-alive requests, TLS handshake timeout, and a shorter
//   first_request_timeout until a connection completes its first request.
// - Connections: start() raises the open-file limit (RLIMIT_NOFILE) to its
//   hard limit; at most max_connections live at once, and never more than
//   the open-file limit minus kReservedFiles (the store, the audit log,
//   outgoing HTTPS). At the limit an idle connection is shed to admit a new
//   one (connection_registry.hpp), so idle floods cannot lock clients out.
// - Threads: `io_threads` event loops, one io_context each (default: one per
//   core); a connection stays on the loop it was accepted onto. GET
//   and HEAD requests are handled on the I/O thread; other methods (which
//   may wait for a durable commit or a slow password hash) run on a pool of
//   `worker_threads` so they never stall the event loop.
// - Graceful stop: stop() closes the listeners and idle connections at once,
//   lets in-flight requests finish and write their responses (answered with
//   Connection: close) for up to `drain_timeout_seconds`, and run() returns
//   once handlers already running on the worker pool have finished.
// The server must outlive run().
// Thread-safe: stop() may be called from any thread (e.g. a signal handler
// thread).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/status.hpp"
#include "http/message.hpp"

namespace coffer::http {

struct ServerOptions {
  // "host:port". "localhost" binds both 127.0.0.1 and ::1 on the same port;
  // port 0 picks a free port (the same one for both loopbacks).
  std::string listen = "localhost:8443";
  std::string cert_chain_file;   // PEM, leaf first
  std::string private_key_file;  // PEM
  unsigned io_threads = 0;       // 0 = std::thread::hardware_concurrency()
  unsigned worker_threads = 32;
  std::size_t max_header_bytes = 16 * 1024;
  std::size_t max_body_bytes = 1024 * 1024;
  unsigned handshake_timeout_seconds = 10;
  unsigned read_timeout_seconds = 30;
  unsigned idle_timeout_seconds = 120;
  unsigned first_request_timeout_seconds = 10;  // handshake done → first request complete
  std::size_t max_connections = 10000;
  unsigned drain_timeout_seconds = 30;
  // Which requests run on the connection's I/O thread first: kReads (GET
  // and HEAD; every other method on the worker pool) or kAll (the handler
  // itself answers Response::offload for what must wait — a durable
  // commit, a password hash — and that request runs again on a worker).
  enum class Inline { kReads, kAll };
  Inline inline_requests = Inline::kReads;
  // The bodies of the errors the HTTP layer answers itself (message.hpp).
  FailureResponder failure_response;
};

// File descriptors start() keeps out of max_connections' reach.
inline constexpr std::size_t kReservedFiles = 128;

class HttpsServer {
 public:
  HttpsServer(ServerOptions options, Handler handler);
  ~HttpsServer();
  HttpsServer(const HttpsServer&) = delete;
  HttpsServer& operator=(const HttpsServer&) = delete;

  // Loads TLS material and binds the listeners. After OK, port() is known.
  Status start();
  // The port actually bound (after start()).
  uint16_t port() const;
  // The connection limit in force (after start()): max_connections, lowered
  // to fit the open-file limit.
  std::size_t connection_limit() const;
  // Serves until stop(); returns after the drain.
  void run();
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace coffer::http
