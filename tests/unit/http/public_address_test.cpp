// Which addresses webhooks may be sent to without eventsAllowPrivateEndpoints.
#include "http/public_address.hpp"

#include <gtest/gtest.h>

namespace coffer::http {
namespace {

TEST(PublicAddressTest, PrivateLoopbackLinkLocalAndReservedAreNot) {
  for (const char* ip : {"127.0.0.1",
                         "127.255.0.9",
                         "10.1.2.3",
                         "172.16.0.1",
                         "172.31.255.255",
                         "192.168.1.1",
                         "169.254.169.254",
                         "100.64.0.1",
                         "0.0.0.0",
                         "224.0.0.1",
                         "255.255.255.255",
                         "::",
                         "::1",
                         "fe80::1",
                         "fc00::1",
                         "fd12:3456::1",
                         "ff02::1",
                         "::ffff:10.0.0.1",
                         "::ffff:127.0.0.1",
                         "localhost",
                         "",
                         "not an address"}) {
    EXPECT_FALSE(is_public_address(ip)) << ip;
  }
}

TEST(PublicAddressTest, PublicOnesAre) {
  for (const char* ip : {"8.8.8.8", "172.15.255.255", "172.32.0.1", "100.128.0.1", "192.169.0.1", "2001:4860::8888",
                         "2606:4700::1111", "::ffff:1.1.1.1"}) {
    EXPECT_TRUE(is_public_address(ip)) << ip;
  }
}

}  // namespace
}  // namespace coffer::http
