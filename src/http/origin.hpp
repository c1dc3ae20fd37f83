// Origin: the scheme-host-port triple HttpsClient connects to, parsed from a
// base URL such as "https://dev.vault.localhost:8443" or "https://[::1]:8443".
#pragma once

#include <string>

#include "common/status.hpp"

namespace coffer::http {

struct Origin {
  std::string host;              // name or address, IPv6 without brackets
  std::string port;              // decimal, "443" when the URL has none
  std::string host_header;       // value for the Host header, e.g. "[::1]:8443"
  bool host_is_address = false;  // no SNI for IP literals
};

// kBadParameter unless `url` is an absolute https URL with a host and no
// path beyond "/", query, fragment or user info.
Result<Origin> parse_origin(const std::string& url);

}  // namespace coffer::http
