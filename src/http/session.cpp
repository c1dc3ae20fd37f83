#include "http/session.hpp"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <limits>
#include <string_view>
#include <utility>

#include <openssl/ssl.h>
#include <spdlog/spdlog.h>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/error.hpp>

#include "common/secure_memory.hpp"

namespace coffer::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using std::chrono::seconds;

constexpr std::size_t kReadBytes = 8 * 1024;
constexpr std::size_t kDrainChunkBytes = 16 * 1024;
// A lingering close (nginx's lingering_close) reads what the client still
// sends after an early answer: until it closes, at most kDrainIdleTime
// between reads (nginx's lingering_timeout), kDrainTotalTime in all
// (lingering_time) and kDrainLimitBytes — a body larger than the limit is
// drained whole, so the client reads the 413 instead of a reset.
constexpr std::size_t kDrainLimitBytes = 64 * 1024 * 1024;
constexpr seconds kDrainIdleTime{5};
constexpr seconds kDrainTotalTime{30};
constexpr seconds kShutdownTime{1};
constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";

std::string peer_address(const TcpSocket& socket) {
  boost::system::error_code ec;
  auto address = socket.remote_endpoint(ec).address();
  if (ec) return {};
  if (address.is_v6() && address.to_v6().is_v4_mapped()) {
    address = asio::ip::make_address_v4(asio::ip::v4_mapped, address.to_v6());
  }
  return address.to_string();
}

}  // namespace

Session::Session(TcpSocket socket, const SessionEnv& env)
    : env_(env),
      registry_(env.registry),
      stream_(std::move(socket), env.tls),
      timer_(stream_.get_executor()),
      remote_address_(peer_address(stream_.next_layer())),
      idle_since_(Clock::now().time_since_epoch().count()) {}

Session::~Session() {
  wipe_sensitive_output();
  registry_.remove(this);
}

void Session::start() {
  asio::dispatch(stream_.get_executor(), [self = shared_from_this()] {
    self->set_deadline(seconds(self->env_.options.handshake_timeout_seconds));
    self->stream_.async_handshake(asio::ssl::stream_base::server, [self](error_code ec) { self->on_handshake(ec); });
  });
}

Connection::ShedRank Session::shed_rank() const {
  return ShedRank{static_cast<Idleness>(idleness_.load(std::memory_order_relaxed)),
                  idle_since_.load(std::memory_order_relaxed)};
}

void Session::set_idleness(Idleness idleness) {
  idle_since_.store(Clock::now().time_since_epoch().count(), std::memory_order_relaxed);
  idleness_.store(static_cast<int>(idleness), std::memory_order_relaxed);
}

void Session::shed() {
  if (idleness_.exchange(static_cast<int>(Idleness::kBusy)) == static_cast<int>(Idleness::kBusy)) return;
  asio::post(stream_.get_executor(), [self = shared_from_this()] {
    if (self->closed_) return;
    // Still waiting for the client? Then make room. A request that started
    // meanwhile is served (the server is briefly one over its limit).
    const bool first_request = self->requests_ == 0 && self->phase_ == Phase::kReading;
    if (self->phase_ == Phase::kIdle || self->phase_ == Phase::kHandshake || first_request) {
      spdlog::debug("http: shedding idle connection from {} at the connection limit", self->remote_address_);
      self->close_now();
    }
  });
}

void Session::begin_stop() {
  asio::post(stream_.get_executor(), [self = shared_from_this()] {
    // Requests being read, handled or written finish first; on_write() sees
    // the registry's stopping flag and closes afterwards.
    if (self->closed_) return;
    if (self->phase_ == Phase::kIdle || self->phase_ == Phase::kHandshake) {
      error_code ignored;
      self->stream_.next_layer().cancel(ignored);
    }
  });
}

// --- deadlines -------------------------------------------------------------

void Session::set_deadline(Clock::duration d) {
  deadline_ = Clock::now() + d;
  // A pending wait that fires no later than the new deadline is kept: when
  // it fires early, on_timer() re-arms for the deadline then in force.
  if (timer_waiting_ && timer_.expiry() <= deadline_) return;
  arm_timer();
}

void Session::clear_deadline() { deadline_ = Clock::time_point::max(); }

void Session::arm_timer() {
  timer_.expires_at(deadline_);  // cancels a pending wait (it completes as aborted)
  timer_waiting_ = true;
  timer_.async_wait([self = shared_from_this()](error_code ec) { self->on_timer(ec); });
}

void Session::on_timer(error_code ec) {
  if (ec == asio::error::operation_aborted) return;  // superseded by a newer wait, or closing
  timer_waiting_ = false;
  if (closed_ || deadline_ == Clock::time_point::max()) return;
  if (Clock::now() < deadline_) return arm_timer();
  spdlog::debug("http: connection from {} timed out", remote_address_);
  close_now();  // pending operations complete with operation_aborted and see closed_
}

// --- reading -----------------------------------------------------------------

void Session::on_handshake(error_code ec) {
  if (closed_) return;
  if (ec) {
    spdlog::debug("http: TLS handshake with {} failed: {}", remote_address_, ec.message());
    return close_now();
  }
  next_request();
}

void Session::next_request() {
  if (registry_.stopping()) return close_politely();
  parser_.emplace();
  const auto header_limit =
      std::min<std::size_t>(env_.options.max_header_bytes, std::numeric_limits<std::uint32_t>::max());
  parser_->header_limit(static_cast<std::uint32_t>(header_limit));
  parser_->body_limit(static_cast<std::uint64_t>(env_.options.max_body_bytes));
  header_checked_ = false;
  if (buffer_.size() > 0) {  // a pipelined request is already here
    phase_ = Phase::kReading;
    set_idleness(Idleness::kBusy);
    set_deadline(seconds(env_.options.read_timeout_seconds));
    return parse_buffered();
  }
  phase_ = Phase::kIdle;
  if (requests_ > 0) set_idleness(Idleness::kBetweenRequests);  // a new one keeps its kNoRequestYet
  set_deadline(
      seconds(requests_ == 0 ? env_.options.first_request_timeout_seconds : env_.options.idle_timeout_seconds));
  read_more();
}

void Session::read_more() {
  stream_.async_read_some(buffer_.prepare(kReadBytes),
                          [self = shared_from_this()](error_code ec, std::size_t n) { self->on_read(ec, n); });
}

void Session::on_read(error_code ec, std::size_t n) {
  buffer_.commit(n);
  if (closed_) return;  // timed out
  if (ec) {
    if (ec == asio::error::operation_aborted && phase_ == Phase::kIdle) return close_politely();  // stopping
    return close_now();  // the peer went away, reset, TLS failure
  }
  if (phase_ == Phase::kIdle) {
    // One deadline covers the rest of the request: header, 100-continue, body.
    // A first request gets no more than first_request_timeout in all.
    phase_ = Phase::kReading;
    if (requests_ > 0) {
      set_idleness(Idleness::kBusy);
      set_deadline(seconds(env_.options.read_timeout_seconds));
    } else {
      set_deadline(seconds(std::min(env_.options.read_timeout_seconds, env_.options.first_request_timeout_seconds)));
    }
  }
  parse_buffered();
}

// Parses what is already buffered, synchronously; reads more only when the
// request is incomplete.
void Session::parse_buffered() {
  while (buffer_.size() > 0) {
    error_code ec;
    const std::size_t used = parser_->put(buffer_.data(), ec);
    // The parser has copied what it used; wipe the raw bytes (tokens, secret values) before
    // the buffer reuses them.
    secure_wipe(buffer_.data().data(), used);
    buffer_.consume(used);
    if (ec == bhttp::error::need_more) break;
    if (ec) return on_parse_error(ec);
    if (parser_->is_done()) return dispatch();
    if (parser_->is_header_done() && !header_checked_) {
      header_checked_ = true;
      const auto& msg = parser_->get();
      if (msg.version() >= 11 && beast::iequals(msg[bhttp::field::expect], "100-continue")) {
        asio::async_write(stream_, asio::buffer(kContinue.data(), kContinue.size()),
                          [self = shared_from_this()](error_code wec, std::size_t) {
                            if (self->closed_) return;
                            if (wec) return self->close_now();
                            self->parse_buffered();
                          });
        return;
      }
    }
    if (used == 0) break;
  }
  read_more();
}

void Session::on_parse_error(error_code ec) {
  if (ec == bhttp::error::header_limit || ec == bhttp::error::buffer_overflow) {
    return write_error(Failure::kHeaderTooLarge);
  }
  if (ec == bhttp::error::body_limit) {
    return write_error(Failure::kBodyTooLarge);
  }
  if (ec.category() == bhttp::make_error_code(bhttp::error::bad_method).category()) {
    return write_error(Failure::kMalformed);
  }
  close_now();
}

// --- handling and writing ------------------------------------------------------

void Session::dispatch() {
  auto& msg = parser_->get();
  // RFC 9112 §3.2: an HTTP/1.1 request carries exactly one Host; more than
  // one is never valid. (Which vault is meant must not be a guess.)
  const std::size_t hosts = msg.count(bhttp::field::host);
  if (hosts > 1 || (hosts == 0 && msg.version() >= 11)) {
    return write_error(hosts == 0 ? Failure::kNoHost : Failure::kRepeatedHost);
  }
  phase_ = Phase::kHandling;
  ++requests_;
  set_idleness(Idleness::kBusy);
  clear_deadline();  // a handler may take its time (durable commit, password hash)
  request_version_ = msg.version();
  request_head_ = msg.method() == bhttp::verb::head;
  request_keep_alive_ = msg.keep_alive();
  const bool read_method = msg.method() == bhttp::verb::get || request_head_;
  Request request = to_request(std::move(msg), remote_address_);
  request.received = Clock::now();
  parser_.reset();
  if (env_.options.inline_requests == ServerOptions::Inline::kAll || read_method) {
    // Kept until answered: a handler may still hand it to a worker (offload).
    inline_request_ = std::move(request);
    Response response = call_handler(env_.handler, *inline_request_, env_.options.failure_response);
    if (!response.later) return write_response(std::move(response));
    // The handler answers at the end of this pass of the loop (deferral.hpp).
    auto later = std::move(response.later);
    later([self = shared_from_this()](Response final) { self->write_response(std::move(final)); });
    return;
  }
  run_on_worker(std::move(request));
}

void Session::run_on_worker(Request request) {
  asio::post(env_.workers, [self = shared_from_this(), request = std::move(request)]() mutable {
    Response response = call_handler(self->env_.handler, request,
                                     self->env_.options.failure_response);  // never deferred: not an I/O thread
    auto ex = self->stream_.get_executor();
    asio::post(ex, [self = std::move(self), response = std::move(response)]() mutable {
      self->write_response(std::move(response));
    });
  });
}

void Session::write_response(Response r) {
  if (r.offload && inline_request_) {
    // The inline handler found the request would wait (e.g. on the
    // database): run it again on a worker, where waiting is fine.
    Request request = std::move(*inline_request_);
    inline_request_.reset();
    if (closed_) return;
    return run_on_worker(std::move(request));
  }
  inline_request_.reset();
  if (closed_) return;
  if (r.status < 200 || r.status > 599) {
    spdlog::error("http: handler returned invalid status {}", r.status);
    r = failure_response(env_.options.failure_response, Failure::kInvalidResponse);
  }
  const bool keep_alive = request_keep_alive_ && !registry_.stopping();
  out_sensitive_ = r.sensitive;
  const bool kept = encode_response(std::move(r), request_version_, request_head_, keep_alive, out_);
  after_write_ = kept ? After::kKeepAlive : After::kClose;
  start_write();
}

void Session::write_error(Failure failure) {
  parser_.reset();
  request_version_ = 11;
  request_head_ = false;
  request_keep_alive_ = false;
  encode_response(failure_response(env_.options.failure_response, failure), 11, false, false, out_);
  after_write_ = After::kDrainThenClose;
  start_write();
}

void Session::wipe_sensitive_output() {
  if (!out_sensitive_) return;
  secure_wipe(out_.data(), out_.size());
  out_sensitive_ = false;
}

void Session::start_write() {
  phase_ = Phase::kWriting;
  set_deadline(seconds(env_.options.read_timeout_seconds));
  asio::async_write(stream_, asio::buffer(out_),
                    [self = shared_from_this()](error_code ec, std::size_t) { self->on_write(ec); });
}

void Session::on_write(error_code ec) {
  wipe_sensitive_output();
  if (out_.capacity() > 64 * 1024) std::string().swap(out_);  // do not pin a large body
  if (closed_) return;
  if (ec) return close_now();
  switch (after_write_) {
    case After::kKeepAlive: return next_request();
    case After::kClose: return close_politely();
    case After::kDrainThenClose: return linger_close();
  }
}

// --- closing -------------------------------------------------------------------

// After an early answer (413/431/400) the client may still be sending;
// closing with unread input would make the kernel reset the connection and
// the client could lose the answer. So: close_notify and a TCP half-close
// (the client sees the end of the stream), then read and discard the raw
// bytes still arriving for a bounded while (a "lingering close").
void Session::linger_close() {
  phase_ = Phase::kClosing;
  SSL* ssl = stream_.native_handle();
  SSL_set_shutdown(ssl, SSL_get_shutdown(ssl) | SSL_RECEIVED_SHUTDOWN);
  set_deadline(kShutdownTime);
  stream_.async_shutdown([self = shared_from_this()](error_code ec) {
    if (self->closed_) return;
    if (ec) return self->close_now();
    auto& tcp = self->stream_.next_layer();
    error_code ignored;
    tcp.shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
    self->drain_buffer_.resize(kDrainChunkBytes);
    self->drain_until_ = Clock::now() + kDrainTotalTime;
    self->drain_input();
  });
}

void Session::drain_input() {
  set_deadline(std::min<Clock::duration>(kDrainIdleTime, drain_until_ - Clock::now()));
  stream_.next_layer().async_read_some(asio::buffer(drain_buffer_),
                                       [self = shared_from_this()](error_code ec, std::size_t n) {
                                         if (self->closed_) return;
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
  set_deadline(kShutdownTime);
  stream_.async_shutdown([self = shared_from_this()](error_code) { self->close_now(); });
}

void Session::close_now() {
  if (closed_) return;
  closed_ = true;
  idleness_.store(static_cast<int>(Idleness::kBusy), std::memory_order_relaxed);
  phase_ = Phase::kClosing;
  auto& tcp = stream_.next_layer();
  error_code ignored;
  tcp.shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  tcp.close(ignored);
  timer_.cancel();
}

}  // namespace coffer::http
