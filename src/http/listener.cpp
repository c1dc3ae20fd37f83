#include "http/listener.hpp"

#include <chrono>
#include <sstream>

#include <spdlog/spdlog.h>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/v6_only.hpp>

namespace coffer::http {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using boost::system::error_code;

std::string describe(const tcp::endpoint& ep) {
  std::ostringstream out;
  out << ep;
  return out.str();
}

}  // namespace

Listener::Listener(asio::io_context& ioc, const std::vector<IoExecutor>& io_pool, const SessionEnv& env)
    : io_pool_(io_pool), env_(env), acceptor_(ioc.get_executor()), retry_timer_(ioc.get_executor()) {}

Result<std::shared_ptr<Listener>> Listener::bind(asio::io_context& ioc, const std::vector<IoExecutor>& io_pool,
                                                 const tcp::endpoint& endpoint, bool v6_only, const SessionEnv& env) {
  auto listener = std::make_shared<Listener>(ioc, io_pool, env);
  auto& acc = listener->acceptor_;
  error_code ec;
  const auto fail = [&](const char* step) {
    return Status(Code::kUnavailable, "cannot listen on " + describe(endpoint) + " (" + step + "): " + ec.message());
  };
  if (acc.open(endpoint.protocol(), ec); ec) return fail("open");
  if (acc.set_option(asio::socket_base::reuse_address(true), ec); ec) return fail("reuse_address");
  if (endpoint.address().is_v6()) {
    if (acc.set_option(asio::ip::v6_only(v6_only), ec); ec) return fail("v6_only");
  }
  if (acc.bind(endpoint, ec); ec) return fail("bind");
  if (acc.listen(asio::socket_base::max_listen_connections, ec); ec) return fail("listen");
  const auto local = acc.local_endpoint(ec);
  if (ec) return fail("local_endpoint");
  listener->port_ = local.port();
  return listener;
}

void Listener::start() {
  asio::dispatch(acceptor_.get_executor(), [self = shared_from_this()] { self->accept(); });
}

void Listener::close() {
  asio::dispatch(acceptor_.get_executor(), [self = shared_from_this()] {
    error_code ignored;
    self->retry_timer_.cancel();
    self->acceptor_.close(ignored);
  });
}

void Listener::accept() {
  if (!acceptor_.is_open()) return;
  const IoExecutor& target = io_pool_[next_++ % io_pool_.size()];
  acceptor_.async_accept(
      target, [self = shared_from_this()](error_code ec, TcpSocket socket) { self->on_accept(ec, std::move(socket)); });
}

void Listener::on_accept(error_code ec, TcpSocket socket) {
  if (!acceptor_.is_open() || ec == asio::error::operation_aborted) return;
  if (ec) {
    spdlog::warn("http: accept failed: {}; retrying", ec.message());
    retry_timer_.expires_after(std::chrono::milliseconds(100));
    retry_timer_.async_wait([self = shared_from_this()](error_code wait_ec) {
      if (!wait_ec) self->accept();
    });
    return;
  }
  // Responses over one TLS record (16 KiB) go out in several writes; with Nagle on, the
  // last one would wait for the peer's delayed ACK (~40 ms).
  error_code ignored;
  socket.set_option(asio::ip::tcp::no_delay(true), ignored);
  auto session = std::make_shared<Session>(std::move(socket), env_);
  if (env_.registry.add(session)) session->start();
  accept();
}

}  // namespace coffer::http
