// Shared helpers for the http/ unit tests: throw-away TLS material made with
// the openssl command line, a server running on its own thread, and a raw
// TLS client for what HttpsClient deliberately cannot do (old TLS versions,
// malformed requests, byte-level checks).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include "http/server.hpp"

namespace coffer::http::testing {

struct TlsFiles {
  std::string cert;
  std::string key;
};

// A fresh P-256 self-signed certificate for `dns_name` (SAN: that name and
// IP 127.0.0.1) in a per-process temp directory removed at exit.
TlsFiles make_self_signed(const std::string& label, const std::string& dns_name);
// The certificate for "localhost", made once per process.
const TlsFiles& localhost_tls();
// A path inside the per-process temp directory.
std::string temp_path(const std::string& name);

// The body failure_naming_responder() answers a Failure with, e.g.
// "refused: body-too-large", so a test sees which refusal the server chose.
std::string failure_body(Failure failure);
FailureResponder failure_naming_responder();

// localhost:0, the localhost certificate, 2 I/O and 4 worker threads, and
// failure_naming_responder().
ServerOptions test_options();

// Answers "<METHOD> <target>\n<body>" with 200, the Host header as X-Host
// and the peer address as X-Remote.
Handler echo_handler();

// HttpsServer::run() on its own thread.
class RunningServer {
 public:
  RunningServer(ServerOptions options, Handler handler);
  ~RunningServer();  // stop() and join

  const Status& start_status() const { return start_status_; }
  bool ok() const { return start_status_.ok(); }
  uint16_t port() const { return server_.port(); }
  std::string url() const { return "https://localhost:" + std::to_string(port()); }
  std::thread::id run_thread_id() const { return run_thread_.get_id(); }
  HttpsServer& server() { return server_; }
  // stop(), then waits for run() to return; returns how long that took.
  std::chrono::milliseconds stop_and_join();
  // Waits for run() to return (after someone called stop()).
  void join();

 private:
  HttpsServer server_;
  Status start_status_;
  std::thread run_thread_;
};

// A TLS client with explicit protocol bounds and no certificate checks.
class RawTlsClient {
 public:
  using Response = boost::beast::http::response<boost::beast::http::string_body>;

  // `min_version`/`max_version`: TLS1_1_VERSION … TLS1_3_VERSION.
  // `tls12_ciphers` empty = OpenSSL default.
  RawTlsClient(int min_version, int max_version, const std::string& tls12_ciphers = {});

  // TCP connect to host:port, then the TLS handshake.
  boost::system::error_code connect(uint16_t port, const std::string& host = "127.0.0.1");
  boost::system::error_code write(const std::string& bytes);
  // One HTTP response (sets `ec` on failure).
  Response read_response(boost::system::error_code& ec, bool head = false);
  // Everything until the peer closes, or what arrived when `timeout` passed
  // (then `timed_out` is set).
  std::string read_until_close(std::chrono::seconds timeout, bool* timed_out = nullptr);

  int version();  // negotiated, e.g. TLS1_3_VERSION
  std::string cipher();

 private:
  void wait();

  boost::asio::io_context ioc_;
  boost::asio::ssl::context ctx_;
  std::optional<boost::beast::ssl_stream<boost::beast::tcp_stream>> stream_;
  boost::beast::flat_buffer buffer_;
};

// A local TCP port with nothing listening on it.
uint16_t unused_port();

}  // namespace coffer::http::testing
