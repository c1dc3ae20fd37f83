#include "test_support.hpp"

#include <cstdlib>
#include <filesystem>
#include <future>
#include <stdexcept>

#include <openssl/ssl.h>
#include <spdlog/spdlog.h>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/read.hpp>

namespace coffer::http::testing {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;

class TempRoot {
 public:
  TempRoot() {
    std::string pattern = (std::filesystem::temp_directory_path() / "coffer-http-test-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  ~TempRoot() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

const TempRoot& temp_root() {
  static TempRoot root;
  return root;
}

}  // namespace

std::string temp_path(const std::string& name) { return temp_root().path() + "/" + name; }

TlsFiles make_self_signed(const std::string& label, const std::string& dns_name) {
  TlsFiles f{temp_path(label + ".crt"), temp_path(label + ".key")};
  const std::string cmd =
      "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=" + dns_name +
      " -addext subjectAltName=DNS:" + dns_name + ",IP:127.0.0.1 -keyout '" + f.key + "' -out '" + f.cert +
      "' >/dev/null 2>&1";
  if (std::system(cmd.c_str()) != 0) throw std::runtime_error("openssl req failed: " + cmd);
  return f;
}

const TlsFiles& localhost_tls() {
  static const TlsFiles files = make_self_signed("localhost", "localhost");
  return files;
}

std::string failure_body(Failure failure) {
  switch (failure) {
    case Failure::kHeaderTooLarge: return "refused: header-too-large";
    case Failure::kBodyTooLarge: return "refused: body-too-large";
    case Failure::kMalformed: return "refused: malformed";
    case Failure::kNoHost: return "refused: no-host";
    case Failure::kRepeatedHost: return "refused: repeated-host";
    case Failure::kHandlerFailed: return "refused: handler-failed";
    case Failure::kInvalidResponse: return "refused: invalid-response";
  }
  return "refused: unknown";
}

FailureResponder failure_naming_responder() {
  return [](Failure failure) {
    return Response{status_of(failure), {{"Content-Type", "text/plain"}}, failure_body(failure)};
  };
}

ServerOptions test_options() {
  // Quiet logs; also creates spdlog's registry on this thread before any
  // server thread logs (ThreadSanitizer cannot see the uninstrumented
  // library's own guard).
  spdlog::set_level(spdlog::level::warn);
  ServerOptions o;
  o.listen = "localhost:0";
  o.cert_chain_file = localhost_tls().cert;
  o.private_key_file = localhost_tls().key;
  o.io_threads = 2;
  o.worker_threads = 4;
  o.failure_response = failure_naming_responder();
  return o;
}

Handler echo_handler() {
  return [](Request& req) {
    Response r;
    r.status = 200;
    r.set_header("Content-Type", "text/plain");
    r.set_header("X-Host", req.host);
    r.set_header("X-Remote", req.remote_address);
    r.body = req.method + " " + req.target + "\n" + req.body;
    return r;
  };
}

RunningServer::RunningServer(ServerOptions options, Handler handler) : server_(std::move(options), std::move(handler)) {
  start_status_ = server_.start();
  if (start_status_.ok()) run_thread_ = std::thread([this] { server_.run(); });
}

RunningServer::~RunningServer() {
  server_.stop();
  join();
}

void RunningServer::join() {
  if (run_thread_.joinable()) run_thread_.join();
}

std::chrono::milliseconds RunningServer::stop_and_join() {
  const auto begin = std::chrono::steady_clock::now();
  server_.stop();
  join();
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - begin);
}

RawTlsClient::RawTlsClient(int min_version, int max_version, const std::string& tls12_ciphers)
    : ctx_(asio::ssl::context::tls_client) {
  SSL_CTX* native = ctx_.native_handle();
  SSL_CTX_set_security_level(native, 0);  // allow TLS 1.1 to be offered
  SSL_CTX_set_cipher_list(native, tls12_ciphers.empty() ? "DEFAULT:@SECLEVEL=0" : tls12_ciphers.c_str());
  SSL_CTX_set_min_proto_version(native, min_version);
  SSL_CTX_set_max_proto_version(native, max_version);
  ctx_.set_verify_mode(asio::ssl::verify_none);
}

void RawTlsClient::wait() {
  ioc_.restart();
  ioc_.run();
}

error_code RawTlsClient::connect(uint16_t port, const std::string& host) {
  stream_.emplace(ioc_, ctx_);
  error_code ec;
  auto& tcp_layer = beast::get_lowest_layer(*stream_);
  tcp_layer.expires_after(std::chrono::seconds(10));
  tcp_layer.async_connect(tcp::endpoint(asio::ip::make_address(host), port), [&](error_code e) { ec = e; });
  wait();
  if (ec) return ec;
  tcp_layer.expires_after(std::chrono::seconds(10));
  stream_->async_handshake(asio::ssl::stream_base::client, [&](error_code e) { ec = e; });
  wait();
  return ec;
}

error_code RawTlsClient::write(const std::string& bytes) {
  error_code ec;
  beast::get_lowest_layer(*stream_).expires_after(std::chrono::seconds(10));
  asio::async_write(*stream_, asio::buffer(bytes), [&](error_code e, std::size_t) { ec = e; });
  wait();
  return ec;
}

RawTlsClient::Response RawTlsClient::read_response(error_code& ec, bool head) {
  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(64 * 1024 * 1024);
  if (head) parser.skip(true);
  beast::get_lowest_layer(*stream_).expires_after(std::chrono::seconds(10));
  bhttp::async_read(*stream_, buffer_, parser, [&](error_code e, std::size_t) { ec = e; });
  wait();
  return parser.release();
}

std::string RawTlsClient::read_until_close(std::chrono::seconds timeout, bool* timed_out) {
  std::string out(static_cast<const char*>(buffer_.data().data()), buffer_.size());
  buffer_.clear();
  beast::get_lowest_layer(*stream_).expires_after(timeout);
  if (timed_out) *timed_out = false;
  for (;;) {
    char chunk[4096];
    error_code ec;
    std::size_t n = 0;
    stream_->async_read_some(asio::buffer(chunk), [&](error_code e, std::size_t m) {
      ec = e;
      n = m;
    });
    wait();
    out.append(chunk, n);
    if (ec) {
      if (timed_out) *timed_out = ec == beast::error::timeout;
      return out;
    }
  }
}

int RawTlsClient::version() { return SSL_version(stream_->native_handle()); }

std::string RawTlsClient::cipher() {
  const char* name = SSL_get_cipher_name(stream_->native_handle());
  return name ? name : "";
}

uint16_t unused_port() {
  asio::io_context ioc;
  tcp::acceptor a(ioc, tcp::endpoint(asio::ip::address_v4::loopback(), 0));
  return a.local_endpoint().port();
}

}  // namespace coffer::http::testing
