#include "http/public_address.hpp"

#include <boost/asio/ip/address.hpp>
#include <cstdint>
#include <string>

namespace coffer::http {
namespace {

bool public_v4(const boost::asio::ip::address_v4& a) {
  const uint32_t v = a.to_uint();
  const auto in = [v](uint32_t net, int bits) { return (v >> (32 - bits)) == (net >> (32 - bits)); };
  return !(in(0x00000000, 8) ||   // 0/8: this network
           in(0x0A000000, 8) ||   // 10/8
           in(0x64400000, 10) ||  // 100.64/10: shared address space
           in(0x7F000000, 8) ||   // 127/8: loopback
           in(0xA9FE0000, 16) ||  // 169.254/16: link-local
           in(0xAC100000, 12) ||  // 172.16/12
           in(0xC0A80000, 16) ||  // 192.168/16
           in(0xE0000000, 4) ||   // 224/4: multicast
           in(0xF0000000, 4));    // 240/4: reserved, broadcast
}

}  // namespace

bool is_public_address(std::string_view ip) {
  boost::system::error_code ec;
  const auto a = boost::asio::ip::make_address(std::string(ip), ec);
  if (ec) return false;
  if (a.is_v4()) return public_v4(a.to_v4());
  const auto v6 = a.to_v6();
  if (v6.is_v4_mapped()) return public_v4(boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, v6));
  const auto bytes = v6.to_bytes();
  const bool unique_local = (bytes[0] & 0xFE) == 0xFC;  // fc00::/7
  return !(v6.is_unspecified() || v6.is_loopback() || v6.is_link_local() || v6.is_site_local() || v6.is_multicast() ||
           unique_local);
}

}  // namespace coffer::http
