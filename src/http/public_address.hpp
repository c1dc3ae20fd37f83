// Whether an IP address (text, IPv4 or IPv6) is a public one: not
// unspecified, loopback, private (10/8, 172.16/12, 192.168/16, fc00::/7),
// shared (100.64/10), link-local (169.254/16, fe80::/10), multicast,
// broadcast or reserved (0/8, 240/4), also inside an IPv4-mapped IPv6
// address. For clients that must not be pointed at the server's own
// network (webhooks: SSRF). Text that is not an address is not public.
#pragma once

#include <string_view>

namespace coffer::http {

bool is_public_address(std::string_view ip);

}  // namespace coffer::http
