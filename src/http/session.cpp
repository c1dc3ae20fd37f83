#include "http/session.hpp"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <limits>
#include <string_view>
#include <utility>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <openssl/ssl.h>
#include <spdlog/spdlog.h>

namespace coffer::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using std::chrono::seconds;

constexpr std::size_t kFirstReadBytes = 8 * 1024;
constexpr std::size_t kDrainChunkBytes = 16 * 1024;
constexpr std::size_t kDrainLimitBytes = 8 * 1024 * 1024;
constexpr seconds kDrainTime{5};
constexpr seconds kShutdownTime{1};
constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";

std::string peer_address(const asio::ip::tcp::socket& socket) {
  boost::system::error_code ec;
  auto address = socket.remote_endpoint(ec).address();
  if (ec) return {};
  if (address.is_v6() && address.to_v6().is_v4_mapped()) {
    address = asio::ip::make_address_v4(asio::ip::v4_mapped, address.to_v6());
  }
  return address.to_string();
}

}  // namespace

Session::Session(asio::ip::tcp::socket socket, const SessionEnv& env)
    : env_(env),
      registry_(env.registry),
      stream_(beast::tcp_stream(std::move(socket)), env.tls),
      remote_address_(peer_address(beast::get_lowest_layer(stream_).socket())) {}

Session::~Session() { registry_.remove(this); }

void Session::start() {
  asio::dispatch(stream_.get_executor(), [self = shared_from_this()] {
    beast::get_lowest_layer(self->stream_).expires_after(seconds(self->env_.options.handshake_timeout_seconds));
    self->stream_.async_handshake(asio::ssl::stream_base::server,
                                  [self](error_code ec) { self->on_handshake(ec); });
  });
}

void Session::begin_stop() {
  asio::post(stream_.get_executor(), [self = shared_from_this()] {
    // Requests being read, handled or written finish first; on_write() sees
    // the registry's stopping flag and closes afterwards.
    if (self->phase_ == Phase::kIdle || self->phase_ == Phase::kHandshake) {
      beast::get_lowest_layer(self->stream_).cancel();
    }
  });
}

void Session::on_handshake(error_code ec) {
  if (ec) {
    spdlog::debug("http: TLS handshake with {} failed: {}", remote_address_, ec.message());
    return close_now();
  }
  next_request();
}

void Session::next_request() {
  if (registry_.stopping()) return close_politely();
  parser_.emplace();
  const auto header_limit = std::min<std::size_t>(env_.options.max_header_bytes,
                                                  std::numeric_limits<std::uint32_t>::max());
  parser_->header_limit(static_cast<std::uint32_t>(header_limit));
  parser_->body_limit(static_cast<std::uint64_t>(env_.options.max_body_bytes));
  if (buffer_.size() > 0) return read_header();  // a pipelined request is already here
  phase_ = Phase::kIdle;
  beast::get_lowest_layer(stream_).expires_after(seconds(env_.options.idle_timeout_seconds));
  stream_.async_read_some(buffer_.prepare(kFirstReadBytes),
                          [self = shared_from_this()](error_code ec, std::size_t n) { self->on_first_bytes(ec, n); });
}

void Session::on_first_bytes(error_code ec, std::size_t n) {
  buffer_.commit(n);
  if (ec == asio::error::operation_aborted) return close_politely();  // stopping
  if (ec) return close_now();  // idle timeout, or the peer went away
  read_header();
}

void Session::read_header() {
  phase_ = Phase::kReading;
  // One deadline covers the rest of the request: header, 100-continue, body.
  beast::get_lowest_layer(stream_).expires_after(seconds(env_.options.read_timeout_seconds));
  bhttp::async_read_header(stream_, buffer_, *parser_,
                           [self = shared_from_this()](error_code ec, std::size_t) { self->on_header(ec); });
}

void Session::on_header(error_code ec) {
  if (ec) return on_read_error(ec);
  if (parser_->is_done()) return dispatch();
  const auto& msg = parser_->get();
  if (msg.version() >= 11 && beast::iequals(msg[bhttp::field::expect], "100-continue")) {
    asio::async_write(stream_, asio::buffer(kContinue.data(), kContinue.size()),
                      [self = shared_from_this()](error_code wec, std::size_t) {
                        if (wec) return self->close_now();
                        self->read_body();
                      });
    return;
  }
  read_body();
}

void Session::read_body() {
  bhttp::async_read(stream_, buffer_, *parser_,
                    [self = shared_from_this()](error_code ec, std::size_t) { self->on_body(ec); });
}

void Session::on_body(error_code ec) {
  if (ec) return on_read_error(ec);
  dispatch();
}

void Session::on_read_error(error_code ec) {
  if (ec == bhttp::error::header_limit || ec == bhttp::error::buffer_overflow) {
    return write_error(431, "BadParameter", "The request header block is too large.");
  }
  if (ec == bhttp::error::body_limit) {
    return write_error(413, "RequestEntityTooLarge", "The request body is too large.");
  }
  if (ec == bhttp::error::end_of_stream || ec == bhttp::error::partial_message) return close_now();
  if (ec.category() == bhttp::make_error_code(bhttp::error::bad_method).category()) {
    return write_error(400, "BadParameter", "The request is not valid HTTP/1.1.");
  }
  close_now();  // timeout, reset, TLS failure
}

void Session::dispatch() {
  phase_ = Phase::kHandling;
  auto& msg = parser_->get();
  request_version_ = msg.version();
  request_head_ = msg.method() == bhttp::verb::head;
  request_keep_alive_ = msg.keep_alive();
  const bool inline_method = msg.method() == bhttp::verb::get || request_head_;
  Request request = to_request(std::move(msg), remote_address_);
  parser_.reset();
  if (inline_method) {
    write_response(call_handler(env_.handler, request));
    return;
  }
  asio::post(env_.workers, [self = shared_from_this(), strand = stream_.get_executor(),
                             request = std::move(request)]() mutable {
    Response response = call_handler(self->env_.handler, request);
    asio::post(strand, [self, response = std::move(response)]() mutable {
      self->write_response(std::move(response));
    });
  });
}

void Session::write_response(Response r) {
  const bool keep_alive = request_keep_alive_ && !registry_.stopping();
  response_ = to_beast_response(std::move(r), request_version_, request_head_, keep_alive);
  after_write_ = response_.keep_alive() ? After::kKeepAlive : After::kClose;
  phase_ = Phase::kWriting;
  beast::get_lowest_layer(stream_).expires_after(seconds(env_.options.read_timeout_seconds));
  bhttp::async_write(stream_, response_,
                     [self = shared_from_this()](error_code ec, std::size_t) { self->on_write(ec); });
}

void Session::write_error(int status, const char* code, const char* message) {
  parser_.reset();
  request_version_ = 11;
  request_head_ = false;
  request_keep_alive_ = false;
  response_ = to_beast_response(json_error(status, code, message), 11, false, false);
  after_write_ = After::kDrainThenClose;
  phase_ = Phase::kWriting;
  beast::get_lowest_layer(stream_).expires_after(seconds(env_.options.read_timeout_seconds));
  bhttp::async_write(stream_, response_,
                     [self = shared_from_this()](error_code ec, std::size_t) { self->on_write(ec); });
}

void Session::on_write(error_code ec) {
  response_ = {};
  if (ec) return close_now();
  switch (after_write_) {
    case After::kKeepAlive: return next_request();
    case After::kClose: return close_politely();
    case After::kDrainThenClose: return linger_close();
  }
}

// After an early answer (413/431/400) the client may still be sending;
// closing with unread input would make the kernel reset the connection and
// the client could lose the answer. So: close_notify and a TCP half-close
// (the client sees the end of the stream), then read and discard the raw
// bytes still arriving for a bounded while (a "lingering close").
void Session::linger_close() {
  phase_ = Phase::kClosing;
  SSL* ssl = stream_.native_handle();
  SSL_set_shutdown(ssl, SSL_get_shutdown(ssl) | SSL_RECEIVED_SHUTDOWN);
  beast::get_lowest_layer(stream_).expires_after(kShutdownTime);
  stream_.async_shutdown([self = shared_from_this()](error_code ec) {
    if (ec) return self->close_now();
    auto& tcp = beast::get_lowest_layer(self->stream_);
    error_code ignored;
    tcp.socket().shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
    self->drain_buffer_.resize(kDrainChunkBytes);
    tcp.expires_after(kDrainTime);
    self->drain_input();
  });
}

void Session::drain_input() {
  beast::get_lowest_layer(stream_).async_read_some(
      asio::buffer(drain_buffer_), [self = shared_from_this()](error_code ec, std::size_t n) {
        self->drained_bytes_ += n;
        if (ec || self->drained_bytes_ >= kDrainLimitBytes) return self->close_now();
        self->drain_input();
      });
}

// Sends close_notify without waiting for the peer's (marking it as already
// received makes SSL_shutdown complete after one write), then closes.
void Session::close_politely() {
  phase_ = Phase::kClosing;
  SSL* ssl = stream_.native_handle();
  SSL_set_shutdown(ssl, SSL_get_shutdown(ssl) | SSL_RECEIVED_SHUTDOWN);
  beast::get_lowest_layer(stream_).expires_after(kShutdownTime);
  stream_.async_shutdown([self = shared_from_this()](error_code) { self->close_now(); });
}

void Session::close_now() {
  phase_ = Phase::kClosing;
  auto& tcp = beast::get_lowest_layer(stream_);
  error_code ignored;
  tcp.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  tcp.close();
}

}  // namespace coffer::http
