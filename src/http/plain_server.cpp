#include "http/plain_server.hpp"

#include <chrono>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/v6_only.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include "http/listen_address.hpp"

namespace coffer::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;

class PlainConnection : public std::enable_shared_from_this<PlainConnection> {
 public:
  PlainConnection(tcp::socket socket, const Handler& handler) : stream_(std::move(socket)), handler_(handler) {
    parser_.header_limit(8 * 1024);
    parser_.body_limit(0);
  }

  void start() {
    stream_.expires_after(std::chrono::seconds(10));
    bhttp::async_read(stream_, buffer_, parser_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (!ec) self->answer();
    });
  }

 private:
  void answer() {
    const auto& in = parser_.get();
    Request req;
    req.method = std::string(in.method_string());
    req.target = std::string(in.target());
    req.host = std::string(in[bhttp::field::host]);
    Response resp = handler_(req);
    response_.result(static_cast<unsigned>(resp.status));
    response_.version(11);
    for (auto& [name, value] : resp.headers) response_.set(name, value);
    response_.set(bhttp::field::connection, "close");
    response_.body() = std::move(resp.body);
    response_.prepare_payload();
    stream_.expires_after(std::chrono::seconds(10));
    bhttp::async_write(stream_, response_, [self = shared_from_this()](beast::error_code, std::size_t) {
      beast::error_code ignored;
      self->stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    });
  }

  beast::tcp_stream stream_;
  const Handler& handler_;
  beast::flat_buffer buffer_;
  bhttp::request_parser<bhttp::empty_body> parser_;
  bhttp::response<bhttp::string_body> response_;
};

}  // namespace

struct PlainHttpServer::Impl {
  asio::io_context ioc{1};
  std::vector<tcp::acceptor> acceptors;
  Handler handler;
  std::thread thread;

  void accept(tcp::acceptor& acceptor) {
    acceptor.async_accept([this, &acceptor](beast::error_code ec, tcp::socket socket) {
      if (ec == asio::error::operation_aborted) return;
      if (!ec) std::make_shared<PlainConnection>(std::move(socket), handler)->start();
      accept(acceptor);
    });
  }
};

PlainHttpServer::PlainHttpServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Result<std::unique_ptr<PlainHttpServer>> PlainHttpServer::start(const std::string& listen, Handler handler) {
  COFFER_ASSIGN_OR_RETURN(ListenPlan plan, plan_listen(listen));
  auto impl = std::make_unique<Impl>();
  impl->handler = std::move(handler);
  unsigned short port = 0;
  for (std::size_t i = 0; i < plan.endpoints.size(); ++i) {
    auto endpoint = plan.endpoints[i];
    if (port != 0) endpoint.port(port);
    tcp::acceptor acceptor(impl->ioc);
    beast::error_code ec;
    acceptor.open(endpoint.protocol(), ec);
    if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec && endpoint.address().is_v6()) acceptor.set_option(asio::ip::v6_only(true), ec);
    if (!ec) acceptor.bind(endpoint, ec);
    if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
      if (i == 0) return Status(Code::kUnavailable, "cannot listen on " + listen + ": " + ec.message());
      continue;
    }
    port = acceptor.local_endpoint().port();
    impl->acceptors.push_back(std::move(acceptor));
  }
  for (auto& a : impl->acceptors) impl->accept(a);
  Impl* raw = impl.get();
  impl->thread = std::thread([raw] { raw->ioc.run(); });
  return std::unique_ptr<PlainHttpServer>(new PlainHttpServer(std::move(impl)));
}

PlainHttpServer::~PlainHttpServer() {
  impl_->ioc.stop();
  if (impl_->thread.joinable()) impl_->thread.join();
}

int PlainHttpServer::port() const {
  return impl_->acceptors.empty() ? 0 : impl_->acceptors.front().local_endpoint().port();
}

}  // namespace coffer::http
