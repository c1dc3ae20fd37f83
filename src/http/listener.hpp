// Listener: one bound TCP acceptor of HttpsServer and its accept loop, run
// by one io_context. Accepted sockets are spread round-robin over the
// server's I/O io_contexts (one thread each); each becomes a Session
// registered with the server's ConnectionRegistry (or is dropped when the
// server stops).
// Transient accept failures (e.g. out of file descriptors) are logged and
// retried after a short pause. close() may be called from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <vector>

#include <boost/asio/basic_socket_acceptor.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include "common/status.hpp"
#include "http/session.hpp"

namespace coffer::http {

class Listener final : public std::enable_shared_from_this<Listener> {
 public:
  // Opens, binds (SO_REUSEADDR; IPv6-only when `v6_only`) and listens.
  // kUnavailable with the endpoint and the reason on failure.
  // `ioc` runs the accept loop; accepted connections go to `io_pool` in
  // turn (the vector must outlive the listener).
  static Result<std::shared_ptr<Listener>> bind(boost::asio::io_context& ioc, const std::vector<IoExecutor>& io_pool,
                                                const boost::asio::ip::tcp::endpoint& endpoint, bool v6_only,
                                                const SessionEnv& env);

  uint16_t port() const { return port_; }
  void start();  // begins accepting (runs once the io_context runs)
  void close();  // stops accepting; idempotent

  Listener(boost::asio::io_context& ioc, const std::vector<IoExecutor>& io_pool, const SessionEnv& env);

 private:
  void accept();
  void on_accept(boost::system::error_code ec, TcpSocket socket);

  const std::vector<IoExecutor>& io_pool_;
  std::size_t next_ = 0;
  const SessionEnv& env_;
  boost::asio::basic_socket_acceptor<boost::asio::ip::tcp, IoExecutor> acceptor_;
  boost::asio::basic_waitable_timer<std::chrono::steady_clock, boost::asio::wait_traits<std::chrono::steady_clock>,
                                    IoExecutor>
      retry_timer_;
  uint16_t port_ = 0;
};

}  // namespace coffer::http
