#include "http/listen_address.hpp"

#include <strings.h>
#include <algorithm>
#include <charconv>

#include <boost/asio/io_context.hpp>

namespace coffer::http {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

Status bad_listen_address(const std::string& listen, const std::string& why) {
  return Status(Code::kBadParameter, "invalid listen address '" + listen + "': " + why);
}

}  // namespace

Result<ListenPlan> plan_listen(const std::string& listen) {
  std::string host;
  std::string port_text;
  if (!listen.empty() && listen.front() == '[') {
    const auto close = listen.find(']');
    if (close == std::string::npos) return bad_listen_address(listen, "missing ']'");
    host = listen.substr(1, close - 1);
    if (close + 1 >= listen.size() || listen[close + 1] != ':')
      return bad_listen_address(listen, "expected ':port' after ']'");
    port_text = listen.substr(close + 2);
  } else {
    const auto colon = listen.rfind(':');
    if (colon == std::string::npos) return bad_listen_address(listen, "expected host:port");
    host = listen.substr(0, colon);
    if (host.find(':') != std::string::npos)
      return bad_listen_address(listen, "write IPv6 addresses in brackets, e.g. [::1]:8443");
    port_text = listen.substr(colon + 1);
  }
  unsigned port = 0;
  const auto* end = port_text.data() + port_text.size();
  auto [ptr, ec] = std::from_chars(port_text.data(), end, port);
  if (port_text.empty() || ec != std::errc() || ptr != end || port > 65535) {
    return bad_listen_address(listen, "the port must be a number from 0 to 65535");
  }
  const auto p = static_cast<unsigned short>(port);

  ListenPlan plan;
  if (strcasecmp(host.c_str(), "localhost") == 0) {
    plan.endpoints = {{asio::ip::address_v4::loopback(), p}, {asio::ip::address_v6::loopback(), p}};
    return plan;
  }
  if (host.empty()) {
    plan.endpoints = {{asio::ip::address_v4::any(), p}, {asio::ip::address_v6::any(), p}};
    return plan;
  }
  boost::system::error_code addr_ec;
  const auto literal = asio::ip::make_address(host, addr_ec);
  if (!addr_ec) {
    plan.endpoints = {{literal, p}};
    return plan;
  }
  asio::io_context ioc;
  tcp::resolver resolver(ioc);
  boost::system::error_code resolve_ec;
  const auto results =
      resolver.resolve(host, port_text, tcp::resolver::passive | tcp::resolver::numeric_service, resolve_ec);
  if (resolve_ec) return bad_listen_address(listen, "cannot resolve '" + host + "': " + resolve_ec.message());
  for (const auto& entry : results) {
    const tcp::endpoint ep = entry.endpoint();
    if (std::find(plan.endpoints.begin(), plan.endpoints.end(), ep) == plan.endpoints.end()) {
      plan.endpoints.push_back(ep);
    }
  }
  if (plan.endpoints.empty()) return bad_listen_address(listen, "'" + host + "' resolves to no address");
  return plan;
}

}  // namespace coffer::http
