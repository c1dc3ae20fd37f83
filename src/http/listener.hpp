// Listener: one bound TCP acceptor of HttpsServer and its accept loop. Each
// accepted socket gets its own strand and becomes a Session registered with
// the server's ConnectionRegistry (or is dropped when the server stops).
// Transient accept failures (e.g. out of file descriptors) are logged and
// retried after a short pause. close() may be called from any thread.
#pragma once

#include <cstdint>
#include <memory>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include "common/status.hpp"
#include "http/session.hpp"

namespace coffer::http {

class Listener final : public std::enable_shared_from_this<Listener> {
 public:
  // Opens, binds (SO_REUSEADDR; IPv6-only when `v6_only`) and listens.
  // kUnavailable with the endpoint and the reason on failure.
  static Result<std::shared_ptr<Listener>> bind(boost::asio::io_context& ioc,
                                                const boost::asio::ip::tcp::endpoint& endpoint, bool v6_only,
                                                const SessionEnv& env);

  uint16_t port() const { return port_; }
  void start();  // begins accepting (runs once the io_context runs)
  void close();  // stops accepting; idempotent

  Listener(boost::asio::io_context& ioc, const SessionEnv& env);

 private:
  void accept();
  void on_accept(boost::system::error_code ec, boost::asio::ip::tcp::socket socket);

  boost::asio::io_context& ioc_;
  const SessionEnv& env_;
  boost::asio::strand<boost::asio::io_context::executor_type> strand_;
  boost::asio::ip::tcp::acceptor acceptor_;
  boost::asio::steady_timer retry_timer_;
  uint16_t port_ = 0;
};

}  // namespace coffer::http
