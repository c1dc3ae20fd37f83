// HttpsClient: certificate and host-name verification, reconnects, URL and
// argument checking.
#include <gtest/gtest.h>

#include <thread>

#include "http/client.hpp"
#include "test_support.hpp"

namespace coffer::http {
namespace {

using namespace std::chrono_literals;
using testing::RunningServer;

TEST(HttpsClientTest, RejectsServerNotSignedByTheCa) {
  RunningServer srv(testing::test_options(), testing::echo_handler());
  ASSERT_TRUE(srv.ok());
  const auto stranger = testing::make_self_signed("stranger", "localhost");
  HttpsClient client(srv.url(), stranger.cert);
  auto r = client.request("GET", "/", {}, "");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kUnavailable);
  EXPECT_NE(r.status().message().find("certificate verify failed"), std::string::npos) << r.status().message();
}

TEST(HttpsClientTest, RejectsWrongHostName) {
  const auto other = testing::make_self_signed("other-host", "other.example");
  auto options = testing::test_options();
  options.cert_chain_file = other.cert;
  options.private_key_file = other.key;
  RunningServer srv(options, testing::echo_handler());
  ASSERT_TRUE(srv.ok());
  HttpsClient by_name(srv.url(), other.cert);  // localhost ≠ other.example
  auto r = by_name.request("GET", "/", {}, "");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kUnavailable);
  // The same certificate lists IP 127.0.0.1, so the address form is fine.
  HttpsClient by_ip("https://127.0.0.1:" + std::to_string(srv.port()), other.cert);
  auto ok = by_ip.request("GET", "/", {}, "");
  ASSERT_TRUE(ok.ok()) << ok.status().message();
}

TEST(HttpsClientTest, ReconnectsAfterTheServerClosedAnIdleConnection) {
  auto options = testing::test_options();
  options.idle_timeout_seconds = 1;
  RunningServer srv(options, testing::echo_handler());
  ASSERT_TRUE(srv.ok());
  HttpsClient client(srv.url(), testing::localhost_tls().cert);
  ASSERT_TRUE(client.request("GET", "/1", {}, "").ok());
  std::this_thread::sleep_for(1500ms);
  auto again = client.request("POST", "/2", {}, "body");
  ASSERT_TRUE(again.ok()) << again.status().message();
  EXPECT_EQ(again->body, "POST /2\nbody");
}

TEST(HttpsClientTest, ConnectionRefusedIsUnavailable) {
  HttpsClient client("https://localhost:" + std::to_string(testing::unused_port()), testing::localhost_tls().cert);
  auto r = client.request("GET", "/", {}, "");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kUnavailable);
  EXPECT_NE(r.status().message().find("cannot connect"), std::string::npos) << r.status().message();
}

TEST(HttpsClientTest, BadConfigurationAndArguments) {
  for (const char* url : {"http://localhost:1", "https://localhost:1/path", "localhost:8443", "https://:8443",
                          "https://localhost:99999", "https://u@localhost:1"}) {
    HttpsClient client(url, testing::localhost_tls().cert);
    EXPECT_EQ(client.request("GET", "/", {}, "").status().code(), Code::kBadParameter) << url;
  }
  HttpsClient no_ca("https://localhost:1", testing::temp_path("no-such-ca.pem"));
  EXPECT_EQ(no_ca.request("GET", "/", {}, "").status().code(), Code::kBadParameter);

  HttpsClient client("https://localhost:1", testing::localhost_tls().cert);
  EXPECT_EQ(client.request("GET", "no-slash", {}, "").status().code(), Code::kBadParameter);
  EXPECT_EQ(client.request("GET", "/a b", {}, "").status().code(), Code::kBadParameter);
  EXPECT_EQ(client.request("", "/", {}, "").status().code(), Code::kBadParameter);
  EXPECT_EQ(client.request("GET", "/", {{"X-Bad", "a\r\nb"}}, "").status().code(), Code::kBadParameter);
}

TEST(BearerHeader, IsAddedWholeAndItsIndexReturned) {
  std::vector<std::pair<std::string, std::string>> headers = {{"Accept", "application/json"}};
  const std::string token(900, 't');
  const std::size_t at = add_bearer_header(headers, token);
  ASSERT_EQ(at, 1u);
  EXPECT_EQ(headers[at].first, "Authorization");
  EXPECT_EQ(headers[at].second, "Bearer " + token);
  EXPECT_EQ(add_bearer_header(headers, ""), 2u);
  EXPECT_EQ(headers[2].second, "Bearer ");
}

}  // namespace
}  // namespace coffer::http
