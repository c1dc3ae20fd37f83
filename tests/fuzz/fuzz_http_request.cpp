// The HTTP/1.1 request parser as the server runs it: Beast's parser with the
// server's header and body limits, then to_request() (method, target, Host,
// headers, body), then the API's target parser. Input: raw request bytes.
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "api/target.hpp"
#include "fuzz_check.hpp"
#include "http/beast_codec.hpp"
#include "http/server.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  namespace http = boost::beast::http;
  const coffer::http::ServerOptions limits;
  http::request_parser<http::string_body> parser;
  parser.header_limit(static_cast<std::uint32_t>(limits.max_header_bytes));
  parser.body_limit(limits.max_body_bytes);
  boost::beast::error_code ec;
  std::string_view rest(reinterpret_cast<const char*>(data), size);
  while (!rest.empty() && !parser.is_done()) {
    const std::size_t used = parser.put(boost::asio::buffer(rest.data(), rest.size()), ec);
    if (ec == http::error::need_more) ec = {};
    if (ec || used == 0) break;
    rest.remove_prefix(used);
  }
  if (!ec && parser.is_done()) {
    coffer::http::Request request = coffer::http::to_request(parser.release(), "127.0.0.1");
    coffer::fuzz::expect_value_or_client_error(coffer::api::parse_target(request.target), "parse_target");
  }
  return 0;
}
