// Session: one accepted TLS connection of HttpsServer. It runs the TLS
// handshake, then reads requests one after another (HTTP/1.1 keep-alive),
// hands each to the handler — on the connection's own thread for GET and
// HEAD (or every request: ServerOptions::inline_requests), on the worker
// pool otherwise or when the inline handler answers Response::offload — and
// writes the response with Content-Length.
//   - Limits: a header block over max_header_bytes gets 431, a body over
//     max_body_bytes gets 413, a malformed request or a missing or repeated
//     Host gets 400, each with the body of ServerOptions::failure_response;
//     each of these closes the connection after the answer.
//   - Timeouts: handshake, idle (waiting for the first byte of the next
//     request), read (the rest of the request), write; on expiry the
//     connection is closed without an answer. Until a connection has
//     completed its first request, idle and read share the shorter
//     first_request_timeout (a connection that never asks is cheap to hold
//     open only briefly).
//   - Shedding: at the server's connection limit, an idle session (no
//     request yet, or between requests) may be told to shed() itself
//     (connection_registry.hpp).
//   - Stop: an idle connection closes at once; a request in flight is
//     answered with "Connection: close", then the connection closes.
// All state is touched only on the thread of the connection's io_context
// (HttpsServer runs one io_context per I/O thread, so no strand is needed);
// begin_stop() may be called from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/basic_stream_socket.hpp>
#include <boost/asio/basic_waitable_timer.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include "http/beast_codec.hpp"

#include "http/connection_registry.hpp"
#include "http/message.hpp"
#include "http/server.hpp"

namespace coffer::http {

// What every session of one server shares; owned by the server, outlives
// the sessions.
struct SessionEnv {
  const ServerOptions& options;
  const Handler& handler;
  ConnectionRegistry& registry;
  boost::asio::ssl::context& tls;
  boost::asio::thread_pool::executor_type workers;
};

// The concrete executor of every connection: its thread's io_context (no
// type-erased any_io_executor, no strand).
using IoExecutor = boost::asio::io_context::executor_type;
using TcpSocket = boost::asio::basic_stream_socket<boost::asio::ip::tcp, IoExecutor>;

class Session final : public Connection, public std::enable_shared_from_this<Session> {
 public:
  // `socket` belongs to the io_context whose single thread runs this session.
  Session(TcpSocket socket, const SessionEnv& env);
  ~Session() override;
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // Starts the handshake; the session keeps itself alive while it has work.
  void start();
  void begin_stop() override;
  ShedRank shed_rank() const override;
  void shed() override;

 private:
  using error_code = boost::system::error_code;
  using Clock = std::chrono::steady_clock;
  using Timer = boost::asio::basic_waitable_timer<Clock, boost::asio::wait_traits<Clock>, IoExecutor>;
  enum class Phase { kHandshake, kIdle, kReading, kHandling, kWriting, kClosing };
  enum class After { kKeepAlive, kClose, kDrainThenClose };

  // One timer per connection: set_deadline() only moves a time point; the
  // timer is re-armed lazily when it fires early or must fire sooner.
  void set_deadline(Clock::duration d);
  void clear_deadline();
  void arm_timer();
  void on_timer(error_code ec);

  void on_handshake(error_code ec);
  void next_request();
  void read_more();
  void on_read(error_code ec, std::size_t n);
  void parse_buffered();
  void on_parse_error(error_code ec);
  void dispatch();
  void run_on_worker(Request request);
  void write_response(Response r);
  // Wipes out_ when it holds a sensitive response (after the write, or at the end).
  void wipe_sensitive_output();
  void write_error(Failure failure);
  void start_write();
  void on_write(error_code ec);
  void linger_close();
  void drain_input();
  void close_politely();
  void close_now();
  // Publishes how idle the session is, for shed_rank() on other threads.
  void set_idleness(Idleness idleness);

  const SessionEnv& env_;
  ConnectionRegistry& registry_;  // used by the destructor only
  boost::asio::ssl::stream<TcpSocket> stream_;
  Timer timer_;
  Clock::time_point deadline_ = Clock::time_point::max();
  bool timer_waiting_ = false;
  bool closed_ = false;
  boost::beast::flat_buffer buffer_;
  std::optional<boost::beast::http::request_parser<boost::beast::http::string_body>> parser_;
  bool header_checked_ = false;  // Expect: 100-continue looked at for this request
  std::string out_;              // the serialized response (reused across requests)
  bool out_sensitive_ = false;   // out_ holds a secret: wiped after the write
  std::string remote_address_;
  Phase phase_ = Phase::kHandshake;
  After after_write_ = After::kClose;
  unsigned request_version_ = 11;
  bool request_head_ = false;
  bool request_keep_alive_ = false;
  std::vector<char> drain_buffer_;
  std::size_t drained_bytes_ = 0;
  Clock::time_point drain_until_{};
  std::optional<Request> inline_request_;  // the request an inline handler is answering
  uint64_t requests_ = 0;                  // complete requests read so far
  std::atomic<int> idleness_{static_cast<int>(Idleness::kNoRequestYet)};
  std::atomic<int64_t> idle_since_{0};
};

}  // namespace coffer::http
