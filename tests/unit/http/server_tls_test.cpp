// TLS policy and start-up checks of HttpsServer: protocol versions, cipher
// suites, certificate loading, listen addresses.
#include <gtest/gtest.h>

#include <fstream>

#include <openssl/ssl.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "http/client.hpp"
#include "http/server.hpp"
#include "http/tls_server_context.hpp"
#include "test_support.hpp"

namespace coffer::http {
namespace {

using testing::RawTlsClient;
using testing::RunningServer;

TEST(HttpsServerTlsTest, PolicyRefusesCompressionAndRenegotiation) {
  boost::asio::ssl::context ctx(boost::asio::ssl::context::tls_server);
  const auto& tls = testing::localhost_tls();
  ASSERT_TRUE(configure_server_tls(ctx, tls.cert, tls.key).ok());
  const uint64_t options = SSL_CTX_get_options(ctx.native_handle());
  EXPECT_TRUE(options & SSL_OP_NO_COMPRESSION);
  EXPECT_TRUE(options & SSL_OP_NO_RENEGOTIATION);
  EXPECT_EQ(SSL_CTX_get_min_proto_version(ctx.native_handle()), TLS1_2_VERSION);
}

TEST(HttpsServerTlsTest, Tls13Accepted) {
  RunningServer srv(testing::test_options(), testing::echo_handler());
  ASSERT_TRUE(srv.ok());
  RawTlsClient raw(TLS1_3_VERSION, TLS1_3_VERSION);
  auto ec = raw.connect(srv.port());
  ASSERT_FALSE(ec) << ec.message();
  EXPECT_EQ(raw.version(), TLS1_3_VERSION);
}

TEST(HttpsServerTlsTest, Tls12AcceptedWithEcdheAead) {
  RunningServer srv(testing::test_options(), testing::echo_handler());
  ASSERT_TRUE(srv.ok());
  RawTlsClient raw(TLS1_2_VERSION, TLS1_2_VERSION);
  auto ec = raw.connect(srv.port());
  ASSERT_FALSE(ec) << ec.message();
  EXPECT_EQ(raw.version(), TLS1_2_VERSION);
  const std::string cipher = raw.cipher();
  EXPECT_EQ(cipher.rfind("ECDHE-", 0), 0u) << cipher;
  EXPECT_TRUE(cipher.find("GCM") != std::string::npos || cipher.find("CHACHA20") != std::string::npos) << cipher;
  ASSERT_FALSE(raw.write("GET /v HTTP/1.1\r\nHost: h\r\n\r\n"));
  auto res = raw.read_response(ec);
  ASSERT_FALSE(ec);
  EXPECT_EQ(res.body(), "GET /v\n");
}

TEST(HttpsServerTlsTest, Tls11Refused) {
  RunningServer srv(testing::test_options(), testing::echo_handler());
  ASSERT_TRUE(srv.ok());
  RawTlsClient raw(TLS1_1_VERSION, TLS1_1_VERSION);
  auto ec = raw.connect(srv.port());
  ASSERT_TRUE(ec);
  EXPECT_NE(ec.message().find("version"), std::string::npos) << ec.message();
}

TEST(HttpsServerTlsTest, Tls12WithoutEcdheAeadRefused) {
  RunningServer srv(testing::test_options(), testing::echo_handler());
  ASSERT_TRUE(srv.ok());
  for (const char* ciphers : {"ECDHE-ECDSA-AES128-SHA256", "ECDHE-ECDSA-AES256-SHA", "AES128-GCM-SHA256"}) {
    RawTlsClient raw(TLS1_2_VERSION, TLS1_2_VERSION, ciphers);
    EXPECT_TRUE(raw.connect(srv.port())) << ciphers;
  }
}

TEST(HttpsServerTlsTest, StartReportsBadTlsMaterial) {
  auto options = testing::test_options();
  options.cert_chain_file = testing::temp_path("missing.crt");
  HttpsServer missing(options, testing::echo_handler());
  Status st = missing.start();
  EXPECT_EQ(st.code(), Code::kBadParameter);
  EXPECT_NE(st.message().find("missing.crt"), std::string::npos) << st.message();

  const auto other = testing::make_self_signed("other-key", "localhost");
  options = testing::test_options();
  options.private_key_file = other.key;
  HttpsServer mismatched(options, testing::echo_handler());
  st = mismatched.start();
  EXPECT_EQ(st.code(), Code::kBadParameter);
  EXPECT_NE(st.message().find("mismatch"), std::string::npos) << st.message();

  options = testing::test_options();
  options.private_key_file.clear();
  HttpsServer none(options, testing::echo_handler());
  EXPECT_EQ(none.start().code(), Code::kBadParameter);
}

TEST(HttpsServerTlsTest, StartReportsBadListenAddress) {
  for (const char* listen : {"localhost", "localhost:99999", "localhost:http", "::1:8443", "[::1]8443", "[::1"}) {
    auto options = testing::test_options();
    options.listen = listen;
    HttpsServer srv(options, testing::echo_handler());
    EXPECT_EQ(srv.start().code(), Code::kBadParameter) << listen;
  }
}

TEST(HttpsServerTlsTest, PortInUseIsUnavailable) {
  RunningServer first(testing::test_options(), testing::echo_handler());
  ASSERT_TRUE(first.ok());
  auto options = testing::test_options();
  options.listen = "127.0.0.1:" + std::to_string(first.port());
  HttpsServer second(options, testing::echo_handler());
  Status st = second.start();
  EXPECT_EQ(st.code(), Code::kUnavailable);
  EXPECT_NE(st.message().find(std::to_string(first.port())), std::string::npos) << st.message();
}

bool ipv6_loopback_available() {
  boost::asio::io_context ioc;
  boost::system::error_code ec;
  boost::asio::ip::tcp::acceptor a(ioc);
  a.open(boost::asio::ip::tcp::v6(), ec);
  if (!ec) a.bind({boost::asio::ip::address_v6::loopback(), 0}, ec);
  return !ec;
}

TEST(HttpsServerTlsTest, LocalhostBindsBothLoopbacksOnOnePort) {
  RunningServer srv(testing::test_options(), testing::echo_handler());
  ASSERT_TRUE(srv.ok());
  ASSERT_NE(srv.port(), 0);
  RawTlsClient v4(TLS1_2_VERSION, TLS1_3_VERSION);
  EXPECT_FALSE(v4.connect(srv.port(), "127.0.0.1"));
  if (!ipv6_loopback_available()) GTEST_SKIP() << "no IPv6 loopback here";
  RawTlsClient v6(TLS1_2_VERSION, TLS1_3_VERSION);
  EXPECT_FALSE(v6.connect(srv.port(), "::1"));
  ASSERT_FALSE(v6.write("GET / HTTP/1.1\r\nHost: h\r\n\r\n"));
  boost::system::error_code ec;
  auto res = v6.read_response(ec);
  ASSERT_FALSE(ec);
  EXPECT_EQ(res["X-Remote"], "::1");
}

TEST(HttpsServerTlsTest, ExplicitAddressesBind) {
  auto options = testing::test_options();
  options.listen = "127.0.0.1:0";
  RunningServer v4(options, testing::echo_handler());
  ASSERT_TRUE(v4.ok()) << v4.start_status().message();
  HttpsClient client("https://127.0.0.1:" + std::to_string(v4.port()), testing::localhost_tls().cert);
  auto r = client.request("GET", "/", {}, "");
  ASSERT_TRUE(r.ok()) << r.status().message();

  if (!ipv6_loopback_available()) GTEST_SKIP() << "no IPv6 loopback here";
  options.listen = "[::1]:0";
  RunningServer v6(options, testing::echo_handler());
  ASSERT_TRUE(v6.ok()) << v6.start_status().message();
  RawTlsClient raw(TLS1_2_VERSION, TLS1_3_VERSION);
  EXPECT_FALSE(raw.connect(v6.port(), "::1"));
}

}  // namespace
}  // namespace coffer::http
