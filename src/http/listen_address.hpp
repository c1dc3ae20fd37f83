// Turns ServerOptions::listen ("host:port") into the TCP endpoints to bind.
//   "localhost:P"   → 127.0.0.1:P, then [::1]:P
//   ":P"            → 0.0.0.0:P, then [::]:P (all interfaces)
//   "10.0.0.5:P", "[::1]:P" → that address
//   "name:P"        → every address the name resolves to (resolver order)
// The first endpoint must bind; later ones are best effort (e.g. ::1 on a
// host without IPv6). Port 0 means "any free port, the same for all".
#pragma once

#include <string>
#include <vector>

#include <boost/asio/ip/tcp.hpp>

#include "common/status.hpp"

namespace coffer::http {

struct ListenPlan {
  std::vector<boost::asio::ip::tcp::endpoint> endpoints;  // never empty
};

// kBadParameter on a malformed string or a name that does not resolve.
Result<ListenPlan> plan_listen(const std::string& listen);

}  // namespace coffer::http
