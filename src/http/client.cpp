#include "http/client.hpp"

#include <chrono>
#include <optional>

#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <boost/asio/buffer.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include "common/secure_memory.hpp"
#include "http/beast_codec.hpp"
#include "http/origin.hpp"
#include "http/public_address.hpp"

namespace coffer::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;
using boost::system::error_code;

constexpr std::chrono::seconds kTimeout{30};
constexpr std::uint32_t kMaxResponseHeader = 64 * 1024;
constexpr std::uint64_t kMaxResponseBody = 64ull * 1024 * 1024;

bool has_control_chars(std::string_view s) {
  for (char c : s) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return true;
  }
  return false;
}

// Header values may contain tabs, but nothing that ends the line.
bool breaks_header_line(std::string_view s) {
  return s.find_first_of(std::string_view("\r\n\0", 3)) != std::string_view::npos;
}

Status unavailable(const std::string& what, const error_code& ec) {
  return Status(Code::kUnavailable, what + ": " + ec.message());
}

}  // namespace

struct HttpsClient::Impl {
  using Stream = beast::ssl_stream<beast::tcp_stream>;

  Impl(const std::string& base_url, const std::string& ca_file, const std::string& ca_pem);
  Result<Response> request(const std::string& method, const std::string& target,
                           const std::vector<std::pair<std::string, std::string>>& headers, const std::string& body);
  bool public_only = false;

 private:
  // Result of one write+read on the current connection.
  struct Attempt {
    std::optional<Response> response;
    Status error;
    bool retryable = false;  // failed before any byte of a response arrived
  };

  Status connect();
  void disconnect();
  Attempt exchange(bhttp::request<bhttp::string_body>& req, bool head);
  // Runs the private io_context until the started operation completes;
  // the tcp_stream deadline bounds it.
  void wait();
  // Zeroes the read buffer's storage once the response left it: it held the
  // decrypted answer (secret values, tokens).
  void wipe_read_buffer();
  std::string where() const { return origin_.host_header; }

  Status config_error_;
  Origin origin_;
  asio::io_context ioc_;
  asio::ssl::context tls_{asio::ssl::context::tls_client};
  std::optional<Stream> stream_;
  beast::flat_buffer buffer_;
};

HttpsClient::Impl::Impl(const std::string& base_url, const std::string& ca_file, const std::string& ca_pem) {
  auto origin = parse_origin(base_url);
  if (!origin.ok()) {
    config_error_ = origin.status();
    return;
  }
  origin_ = std::move(*origin);
  SSL_CTX_set_min_proto_version(tls_.native_handle(), TLS1_2_VERSION);
  // Decrypted records (secret values in responses) are wiped by OpenSSL once read.
  SSL_CTX_set_options(tls_.native_handle(), SSL_OP_CLEANSE_PLAINTEXT);
  tls_.set_verify_mode(asio::ssl::verify_peer);
  error_code ec;
  if (!ca_pem.empty()) {
    tls_.add_certificate_authority(asio::buffer(ca_pem), ec);
    if (ec) {
      config_error_ = Status(Code::kBadParameter, "cannot load the CA certificates given as PEM: " + ec.message());
    }
    return;
  }
  if (ca_file.empty()) {
    tls_.set_default_verify_paths(ec);
  } else {
    tls_.load_verify_file(ca_file, ec);
  }
  if (ec) {
    config_error_ = Status(Code::kBadParameter, "cannot load CA certificates" +
                                                    (ca_file.empty() ? std::string() : " from '" + ca_file + "'") +
                                                    ": " + ec.message());
  }
}

void HttpsClient::Impl::wait() {
  ioc_.restart();
  ioc_.run();
}

Status HttpsClient::Impl::connect() {
  disconnect();
  tcp::resolver resolver(ioc_);
  error_code ec;
  tcp::resolver::results_type endpoints;
  resolver.async_resolve(origin_.host, origin_.port, [&](error_code e, tcp::resolver::results_type r) {
    ec = e;
    endpoints = std::move(r);
  });
  wait();
  if (ec) return unavailable("cannot resolve " + origin_.host, ec);
  std::vector<tcp::endpoint> allowed;
  for (const auto& e : endpoints) {
    if (!public_only || is_public_address(e.endpoint().address().to_string())) allowed.push_back(e.endpoint());
  }
  if (allowed.empty()) {
    return Status(Code::kUnavailable, "refused to connect to " + origin_.host +
                                          ": it is not a public address (loopback, private and link-local "
                                          "addresses are refused)");
  }

  stream_.emplace(ioc_, tls_);
  SSL* ssl = stream_->native_handle();
  if (!origin_.host_is_address && SSL_set_tlsext_host_name(ssl, origin_.host.c_str()) != 1) {
    disconnect();
    return Status(Code::kUnavailable, "cannot set the TLS server name " + origin_.host);
  }
  stream_->set_verify_callback(asio::ssl::host_name_verification(origin_.host));

  auto& tcp_layer = beast::get_lowest_layer(*stream_);
  tcp_layer.expires_after(kTimeout);
  tcp_layer.async_connect(allowed, [&](error_code e, const tcp::endpoint&) { ec = e; });
  wait();
  if (ec) {
    disconnect();
    return unavailable("cannot connect to " + where(), ec);
  }
  error_code ignored;
  tcp_layer.socket().set_option(tcp::no_delay(true), ignored);  // no delayed-ACK stall on multi-record requests
  tcp_layer.expires_after(kTimeout);
  stream_->async_handshake(asio::ssl::stream_base::client, [&](error_code e) { ec = e; });
  wait();
  if (ec) {
    std::string why = ec.message();
    const long verify = SSL_get_verify_result(ssl);
    if (verify != X509_V_OK) why += std::string(" (") + X509_verify_cert_error_string(verify) + ")";
    disconnect();
    return Status(Code::kUnavailable, "TLS handshake with " + where() + " failed: " + why);
  }
  return Status::Ok();
}

void HttpsClient::Impl::disconnect() {
  if (stream_) {
    error_code ignored;
    beast::get_lowest_layer(*stream_).socket().shutdown(tcp::socket::shutdown_both, ignored);
    beast::get_lowest_layer(*stream_).close();
    // Run the cancelled handlers (if any) before the stream goes away.
    wait();
    stream_.reset();
  }
  buffer_.clear();
  wipe_read_buffer();
}

void HttpsClient::Impl::wipe_read_buffer() {
  if (buffer_.size() != 0) return;  // unread bytes (none between exchanges): left for the next read
  const auto storage = buffer_.prepare(buffer_.capacity());  // all of it: nothing is readable
  secure_wipe(storage.data(), storage.size());
}

HttpsClient::Impl::Attempt HttpsClient::Impl::exchange(bhttp::request<bhttp::string_body>& req, bool head) {
  Attempt a;
  error_code ec;
  auto& tcp_layer = beast::get_lowest_layer(*stream_);
  tcp_layer.expires_after(kTimeout);
  bhttp::async_write(*stream_, req, [&](error_code e, std::size_t) { ec = e; });
  wait();
  if (ec) {
    a.error = unavailable("cannot send the request to " + where(), ec);
    a.retryable = true;
    return a;
  }
  bhttp::response_parser<bhttp::string_body> parser;
  parser.header_limit(kMaxResponseHeader);
  parser.body_limit(kMaxResponseBody);
  if (head) parser.skip(true);
  tcp_layer.expires_after(kTimeout);
  bhttp::async_read(*stream_, buffer_, parser, [&](error_code e, std::size_t) { ec = e; });
  wait();
  if (ec) {
    a.error = unavailable("cannot read the response from " + where(), ec);
    a.retryable = !parser.got_some();
    return a;
  }
  auto msg = parser.release();
  Response r;
  r.status = static_cast<int>(msg.result_int());
  for (const auto& field : msg) r.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  r.body = std::move(msg.body());
  if (!msg.keep_alive() || msg.need_eof()) {
    disconnect();
  } else {
    wipe_read_buffer();
  }
  a.response = std::move(r);
  return a;
}

Result<Response> HttpsClient::Impl::request(const std::string& method, const std::string& target,
                                            const std::vector<std::pair<std::string, std::string>>& headers,
                                            const std::string& body) {
  if (!config_error_.ok()) return config_error_;
  if (method.empty() || has_control_chars(method) || method.find(' ') != std::string::npos) {
    return Status(Code::kBadParameter, "invalid HTTP method");
  }
  if (target.empty() || target.front() != '/' || has_control_chars(target) || target.find(' ') != std::string::npos) {
    return Status(Code::kBadParameter, "the request target must be a path starting with '/'");
  }
  BeastRequest req;
  // The request's copies of a bearer token, a cookie and the body (a client
  // secret, an assertion, a secret value) are wiped however this returns.
  struct WipeRequest {
    BeastRequest& req;
    ~WipeRequest() { wipe_credentials(req); }
  } wipe_request{req};
  try {
    req.version(11);
    req.method_string(method);
    req.target(target);
    req.set(bhttp::field::host, origin_.host_header);
    req.set(bhttp::field::user_agent, "coffer-cli");
    for (const auto& [name, value] : headers) {
      if (name.empty() || has_control_chars(name) || name.find(':') != std::string::npos || breaks_header_line(value)) {
        return Status(Code::kBadParameter, "invalid request header '" + name + "'");
      }
      using beast::iequals;
      if (iequals(name, "Content-Length") || iequals(name, "Transfer-Encoding")) continue;
      if (iequals(name, "Host") || iequals(name, "User-Agent")) {
        req.set(name, value);
      } else {
        req.insert(name, value);
      }
    }
    req.body() = body;
    const bool needs_length = !body.empty() || method == "PUT" || method == "POST" || method == "PATCH";
    if (needs_length) req.content_length(body.size());
    req.keep_alive(true);
  } catch (const std::exception& e) {
    return Status(Code::kBadParameter, std::string("cannot build the request: ") + e.what());
  }

  const bool head = method == "HEAD";
  for (int attempt = 0;; ++attempt) {
    const bool reused = stream_.has_value();
    if (!reused) COFFER_RETURN_IF_ERROR(connect());
    Attempt a = exchange(req, head);
    if (a.response) return std::move(*a.response);
    disconnect();
    // A kept-alive connection the server has closed meanwhile fails before
    // any response byte: reconnect once and send again.
    if (reused && a.retryable && attempt == 0) continue;
    return a.error;
  }
}

HttpsClient::HttpsClient(std::string base_url, std::string ca_file, std::string ca_pem)
    : impl_(std::make_unique<Impl>(base_url, ca_file, ca_pem)) {}

HttpsClient::~HttpsClient() = default;

void HttpsClient::public_addresses_only() { impl_->public_only = true; }

Result<Response> HttpsClient::request(const std::string& method, const std::string& target,
                                      const std::vector<std::pair<std::string, std::string>>& headers,
                                      const std::string& body) {
  return impl_->request(method, target, headers, body);
}

std::size_t add_bearer_header(std::vector<std::pair<std::string, std::string>>& headers, std::string_view token) {
  std::string value;
  value.reserve(7 + token.size());
  value.append("Bearer ").append(token);
  headers.emplace_back("Authorization", std::move(value));  // moved: the buffer travels, no copy is left
  return headers.size() - 1;
}

}  // namespace coffer::http
