#include "http/origin.hpp"

#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>

namespace coffer::http {
namespace {

Status bad_url(const std::string& url, const std::string& why) {
  return Status(Code::kBadParameter, "invalid server URL '" + url + "': " + why);
}

}  // namespace

Result<Origin> parse_origin(const std::string& url) {
  auto parsed = boost::urls::parse_absolute_uri(url);
  if (!parsed) return bad_url(url, parsed.error().message());
  const boost::urls::url_view& u = *parsed;
  if (u.scheme_id() != boost::urls::scheme::https) return bad_url(url, "the scheme must be https");
  if (u.has_userinfo()) return bad_url(url, "user info is not supported");
  if (u.has_query() || u.has_fragment()) return bad_url(url, "a query or fragment is not allowed");
  if (!u.encoded_path().empty() && u.encoded_path() != "/") return bad_url(url, "a path is not allowed");

  Origin o;
  switch (u.host_type()) {
    case boost::urls::host_type::name: o.host = u.host_address(); break;
    case boost::urls::host_type::ipv4:
    case boost::urls::host_type::ipv6:
      o.host = u.host_address();
      o.host_is_address = true;
      break;
    default: return bad_url(url, "the host must be a name or an IP address");
  }
  if (o.host.empty()) return bad_url(url, "the host is missing");
  if (u.has_port() && u.port().empty()) return bad_url(url, "the port is empty");
  if (u.has_port() && (u.port_number() == 0 || std::to_string(u.port_number()) != u.port())) {
    return bad_url(url, "the port must be a number from 1 to 65535");
  }
  o.port = u.has_port() ? std::string(u.port()) : "443";
  o.host_header = std::string(u.encoded_host_and_port());
  return o;
}

}  // namespace coffer::http
