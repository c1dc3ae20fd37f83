// Request limits, malformed input and timeouts: the server answers with the
// documented status (or closes), and keeps serving afterwards.
#include <gtest/gtest.h>

#include <openssl/ssl.h>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>

#include "http/client.hpp"
#include "test_support.hpp"

namespace coffer::http {
namespace {

using testing::RawTlsClient;
using testing::RunningServer;

TEST(HttpsServerLimitsTest, BodyOverLimitIs413) {
  auto options = testing::test_options();
  options.max_body_bytes = 1024;
  RunningServer srv(options, testing::echo_handler());
  ASSERT_TRUE(srv.ok());
  HttpsClient client(srv.url(), testing::localhost_tls().cert);
  auto at_limit = client.request("PUT", "/s", {}, std::string(1024, 'a'));
  ASSERT_TRUE(at_limit.ok()) << at_limit.status().message();
  EXPECT_EQ(at_limit->status, 200);
  auto over = client.request("PUT", "/s", {}, std::string(1025, 'a'));
  ASSERT_TRUE(over.ok()) << over.status().message();
  EXPECT_EQ(over->status, 413);
  EXPECT_EQ(over->body, testing::failure_body(Failure::kBodyTooLarge));
  auto after = client.request("PUT", "/s", {}, "small");  // reconnects: the server closed
  ASSERT_TRUE(after.ok()) << after.status().message();
  EXPECT_EQ(after->status, 200);
}

TEST(HttpsServerLimitsTest, DefaultBodyLimitIsOneMebibyte) {
  RunningServer srv(testing::test_options(), [](Request&) { return Response{}; });
  ASSERT_TRUE(srv.ok());
  HttpsClient client(srv.url(), testing::localhost_tls().cert);
  auto exact = client.request("PUT", "/s", {}, std::string(1024 * 1024, 'a'));
  ASSERT_TRUE(exact.ok()) << exact.status().message();
  EXPECT_EQ(exact->status, 200);
  // The client sends the whole body before reading; the server answers early
  // and drains, so the 413 still arrives.
  auto over = client.request("PUT", "/s", {}, std::string(1024 * 1024 + 10, 'a'));
  ASSERT_TRUE(over.ok()) << over.status().message();
  EXPECT_EQ(over->status, 413);
}

TEST(HttpsServerLimitsTest, ChunkedBodyOverLimitIs413) {
  auto options = testing::test_options();
  options.max_body_bytes = 100;
  RunningServer srv(options, testing::echo_handler());
  ASSERT_TRUE(srv.ok());
  RawTlsClient raw(TLS1_2_VERSION, TLS1_3_VERSION);
  ASSERT_FALSE(raw.connect(srv.port()));
  ASSERT_FALSE(
      raw.write("POST /c HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
                "40\r\n" +
                std::string(64, 'x') + "\r\n40\r\n" + std::string(64, 'y') + "\r\n0\r\n\r\n"));
  boost::system::error_code ec;
  auto res = raw.read_response(ec);
  ASSERT_FALSE(ec) << ec.message();
  EXPECT_EQ(res.result_int(), 413u);
  EXPECT_FALSE(res.keep_alive());
}

TEST(HttpsServerLimitsTest, HeadersOverLimitAre431) {
  RunningServer srv(testing::test_options(), testing::echo_handler());
  ASSERT_TRUE(srv.ok());
  HttpsClient client(srv.url(), testing::localhost_tls().cert);
  auto r = client.request("GET", "/s", {{"X-Big", std::string(20000, 'y')}}, "");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->status, 431);
  EXPECT_EQ(r->body, testing::failure_body(Failure::kHeaderTooLarge));
  auto fine = client.request("GET", "/s", {{"X-Small", std::string(1000, 'y')}}, "");
  ASSERT_TRUE(fine.ok());
  EXPECT_EQ(fine->status, 200);
}

TEST(HttpsServerLimitsTest, MalformedRequestIs400) {
  RunningServer srv(testing::test_options(), testing::echo_handler());
  ASSERT_TRUE(srv.ok());
  for (const std::string bad : {"GET / HTTP/1.1\r\nNo colon here\r\n\r\n", "GET / HTTP/9.9\r\n\r\n",
                                "PUT / HTTP/1.1\r\nContent-Length: nope\r\n\r\n",
                                "PUT / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab"}) {
    RawTlsClient raw(TLS1_2_VERSION, TLS1_3_VERSION);
    ASSERT_FALSE(raw.connect(srv.port()));
    ASSERT_FALSE(raw.write(bad));
    bool timed_out = true;
    const std::string all = raw.read_until_close(std::chrono::seconds(5), &timed_out);
    EXPECT_FALSE(timed_out);
    EXPECT_EQ(all.rfind("HTTP/1.1 400 ", 0), 0u) << bad << " → " << all;
    EXPECT_TRUE(all.ends_with(testing::failure_body(Failure::kMalformed))) << bad << " → " << all;
  }
  HttpsClient client(srv.url(), testing::localhost_tls().cert);
  ASSERT_TRUE(client.request("GET", "/", {}, "").ok());
}

TEST(HttpsServerLimitsTest, ExpectContinueIsAnswered) {
  RunningServer srv(testing::test_options(), testing::echo_handler());
  ASSERT_TRUE(srv.ok());
  RawTlsClient raw(TLS1_2_VERSION, TLS1_3_VERSION);
  ASSERT_FALSE(raw.connect(srv.port()));
  ASSERT_FALSE(raw.write("PUT /e HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n"));
  boost::system::error_code ec;
  auto interim = raw.read_response(ec, true);
  ASSERT_FALSE(ec) << ec.message();
  EXPECT_EQ(interim.result_int(), 100u);
  ASSERT_FALSE(raw.write("hello"));
  auto res = raw.read_response(ec);
  ASSERT_FALSE(ec) << ec.message();
  EXPECT_EQ(res.body(), "PUT /e\nhello");
}

TEST(HttpsServerLimitsTest, SurvivesGarbageBeforeTls) {
  RunningServer srv(testing::test_options(), testing::echo_handler());
  ASSERT_TRUE(srv.ok());
  {
    boost::asio::io_context ioc;
    boost::asio::ip::tcp::socket s(ioc);
    s.connect({boost::asio::ip::make_address("127.0.0.1"), srv.port()});
    std::string garbage;
    for (int i = 0; i < 10; ++i) garbage += "\x16\x03\x01garbage-not-tls";
    boost::asio::write(s, boost::asio::buffer(garbage));
    char buf[100];
    boost::system::error_code ec;
    std::size_t total = 0;
    while (!ec) total += s.read_some(boost::asio::buffer(buf), ec);  // an alert at most, then the close
    EXPECT_LT(total, 100u);
  }
  HttpsClient client(srv.url(), testing::localhost_tls().cert);
  auto r = client.request("GET", "/", {}, "");
  ASSERT_TRUE(r.ok()) << r.status().message();
}

TEST(HttpsServerLimitsTest, IdleAndSlowConnectionsTimeOut) {
  auto options = testing::test_options();
  options.idle_timeout_seconds = 1;
  options.read_timeout_seconds = 1;
  options.handshake_timeout_seconds = 1;
  options.first_request_timeout_seconds = 1;
  RunningServer srv(options, testing::echo_handler());
  ASSERT_TRUE(srv.ok());
  {  // idle after the handshake
    RawTlsClient raw(TLS1_2_VERSION, TLS1_3_VERSION);
    ASSERT_FALSE(raw.connect(srv.port()));
    bool timed_out = true;
    raw.read_until_close(std::chrono::seconds(5), &timed_out);
    EXPECT_FALSE(timed_out);
  }
  {  // half a request
    RawTlsClient raw(TLS1_2_VERSION, TLS1_3_VERSION);
    ASSERT_FALSE(raw.connect(srv.port()));
    ASSERT_FALSE(raw.write("GET / HTTP/1.1\r\nHost:"));
    bool timed_out = true;
    const std::string all = raw.read_until_close(std::chrono::seconds(5), &timed_out);
    EXPECT_FALSE(timed_out);
    EXPECT_TRUE(all.empty()) << all;
  }
  {  // no handshake at all
    boost::asio::io_context ioc;
    boost::asio::ip::tcp::socket s(ioc);
    s.connect({boost::asio::ip::make_address("127.0.0.1"), srv.port()});
    char buf[16];
    boost::system::error_code ec;
    s.read_some(boost::asio::buffer(buf), ec);  // returns when the server gives up
    EXPECT_TRUE(ec);
  }
}

}  // namespace
}  // namespace coffer::http

namespace coffer::http {
namespace {

using testing::RawTlsClient;
using testing::RunningServer;

// RFC 9112 §3.2: HTTP/1.1 needs exactly one Host; two are never valid.
TEST(HttpsServerLimitsTest, MissingOrRepeatedHostIs400) {
  RunningServer srv(testing::test_options(), testing::echo_handler());
  ASSERT_TRUE(srv.ok());
  const std::pair<std::string, Failure> cases[] = {
      {"GET / HTTP/1.1\r\n\r\n", Failure::kNoHost},
      {"GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n", Failure::kRepeatedHost},
      {"GET / HTTP/1.0\r\nHost: a\r\nHost: b\r\n\r\n", Failure::kRepeatedHost}};
  for (const auto& [bad, failure] : cases) {
    RawTlsClient raw(TLS1_2_VERSION, TLS1_3_VERSION);
    ASSERT_FALSE(raw.connect(srv.port()));
    ASSERT_FALSE(raw.write(bad));
    const std::string all = raw.read_until_close(std::chrono::seconds(5));
    EXPECT_EQ(all.rfind("HTTP/1.1 400 ", 0), 0u) << bad << " → " << all;
    EXPECT_TRUE(all.ends_with("\r\n\r\n" + testing::failure_body(failure))) << bad << " → " << all;
  }
  RawTlsClient ok(TLS1_2_VERSION, TLS1_3_VERSION);
  ASSERT_FALSE(ok.connect(srv.port()));
  ASSERT_FALSE(ok.write("GET / HTTP/1.0\r\n\r\n"));  // HTTP/1.0 may omit it
  EXPECT_EQ(ok.read_until_close(std::chrono::seconds(5)).rfind("HTTP/1.0 200 ", 0), 0u);
}

// A connection that never sends a complete request is closed after
// first_request_timeout, far sooner than the idle timeout between requests.
TEST(HttpsServerLimitsTest, FirstRequestHasItsOwnShortDeadline) {
  auto options = testing::test_options();
  options.first_request_timeout_seconds = 1;
  options.idle_timeout_seconds = 60;
  RunningServer srv(options, testing::echo_handler());
  ASSERT_TRUE(srv.ok());
  RawTlsClient silent(TLS1_2_VERSION, TLS1_3_VERSION);
  ASSERT_FALSE(silent.connect(srv.port()));
  bool timed_out = false;
  silent.read_until_close(std::chrono::seconds(20), &timed_out);
  EXPECT_FALSE(timed_out) << "the server closed the silent connection";
  RawTlsClient trickle(TLS1_2_VERSION, TLS1_3_VERSION);
  ASSERT_FALSE(trickle.connect(srv.port()));
  ASSERT_FALSE(trickle.write("GET / HTTP/1.1\r\nHost: a\r\n"));  // never finished
  trickle.read_until_close(std::chrono::seconds(20), &timed_out);
  EXPECT_FALSE(timed_out);
}

// At the connection limit, idle connections make room: a client is served
// however many idle connections came first.
TEST(HttpsServerLimitsTest, IdleConnectionsAreShedAtTheLimit) {
  auto options = testing::test_options();
  options.max_connections = 4;
  RunningServer srv(options, testing::echo_handler());
  ASSERT_TRUE(srv.ok());
  EXPECT_EQ(srv.server().connection_limit(), 4u);
  std::vector<std::unique_ptr<RawTlsClient>> idle;
  for (int i = 0; i < 12; ++i) {
    idle.push_back(std::make_unique<RawTlsClient>(TLS1_2_VERSION, TLS1_3_VERSION));
    idle.back()->connect(srv.port());  // later ones may be shed while connecting: fine
  }
  HttpsClient client(srv.url(), testing::localhost_tls().cert);
  for (int i = 0; i < 3; ++i) {
    auto r = client.request("GET", "/served", {}, "");
    ASSERT_TRUE(r.ok()) << r.status().message();
    EXPECT_EQ(r->status, 200);
  }
  // The earliest idle connections were closed to make room.
  bool timed_out = true;
  idle.front()->read_until_close(std::chrono::seconds(5), &timed_out);
  EXPECT_FALSE(timed_out);
}

}  // namespace
}  // namespace coffer::http
