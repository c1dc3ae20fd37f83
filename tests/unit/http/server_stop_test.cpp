// Graceful stop of HttpsServer: in-flight requests are answered, idle
// connections closed, run() returns; stop() is idempotent and thread-safe.
#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <thread>

#include <openssl/ssl.h>

#include "http/client.hpp"
#include "test_support.hpp"

namespace coffer::http {
namespace {

using namespace std::chrono_literals;
using testing::RunningServer;

TEST(HttpsServerStopTest, InFlightPostIsAnsweredThenRunReturns) {
  std::atomic<bool> handler_started{false};
  std::atomic<bool> handler_finished{false};
  RunningServer srv(testing::test_options(), [&](Request& req) {
    if (req.target == "/slow") {
      handler_started = true;
      std::this_thread::sleep_for(300ms);
      handler_finished = true;
    }
    Response r;
    r.body = std::string(200000, 'z');
    return r;
  });
  ASSERT_TRUE(srv.ok());
  HttpsClient client(srv.url(), testing::localhost_tls().cert);
  ASSERT_TRUE(client.request("GET", "/warm-up", {}, "").ok());  // an established connection

  auto pending = std::async(std::launch::async, [&] { return client.request("POST", "/slow", {}, "data"); });
  while (!handler_started) std::this_thread::sleep_for(1ms);
  const auto took = srv.stop_and_join();
  EXPECT_TRUE(handler_finished);
  EXPECT_LT(took, 5000ms);

  auto r = pending.get();
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body.size(), 200000u);
  Request probe;
  probe.headers = r->headers;
  EXPECT_EQ(probe.header("Connection"), "close");

  HttpsClient late(srv.url(), testing::localhost_tls().cert);
  auto refused = late.request("GET", "/", {}, "");
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), Code::kUnavailable);
}

TEST(HttpsServerStopTest, IdleConnectionsDoNotDelayStop) {
  auto options = testing::test_options();
  options.drain_timeout_seconds = 20;
  RunningServer srv(options, testing::echo_handler());
  ASSERT_TRUE(srv.ok());
  std::vector<std::unique_ptr<HttpsClient>> clients;
  for (int i = 0; i < 4; ++i) {
    clients.push_back(std::make_unique<HttpsClient>(srv.url(), testing::localhost_tls().cert));
    ASSERT_TRUE(clients.back()->request("GET", "/", {}, "").ok());
  }
  testing::RawTlsClient half(TLS1_2_VERSION, TLS1_3_VERSION);  // handshaken, nothing sent
  ASSERT_FALSE(half.connect(srv.port()));
  EXPECT_LT(srv.stop_and_join(), 3000ms);
}

TEST(HttpsServerStopTest, StopIsIdempotentAndThreadSafe) {
  RunningServer srv(testing::test_options(), testing::echo_handler());
  ASSERT_TRUE(srv.ok());
  std::vector<std::thread> stoppers;
  for (int i = 0; i < 4; ++i) stoppers.emplace_back([&] { srv.server().stop(); });
  for (auto& t : stoppers) t.join();
  srv.join();
  srv.server().stop();
}

TEST(HttpsServerStopTest, StopBeforeRun) {
  HttpsServer server(testing::test_options(), testing::echo_handler());
  ASSERT_TRUE(server.start().ok());
  server.stop();
  server.run();  // returns at once
}

TEST(HttpsServerStopTest, DrainTimeoutBoundsTheWait) {
  auto options = testing::test_options();
  options.drain_timeout_seconds = 1;
  std::atomic<bool> handler_started{false};
  auto srv = std::make_unique<RunningServer>(options, [&](Request&) {
    handler_started = true;
    std::this_thread::sleep_for(1500ms);
    return Response{};
  });
  ASSERT_TRUE(srv->ok());
  const std::string url = srv->url();
  auto pending = std::async(std::launch::async, [&] {
    HttpsClient client(url, testing::localhost_tls().cert);
    return client.request("PUT", "/stuck", {}, "");
  });
  while (!handler_started) std::this_thread::sleep_for(1ms);
  const auto took = srv->stop_and_join();
  // run() waits for the running handler (the worker pool is joined) but
  // not for its answer to be written.
  EXPECT_GE(took, 900ms);
  EXPECT_LT(took, 3000ms);
  srv.reset();  // closes the connection
  auto r = pending.get();
  EXPECT_FALSE(r.ok());
}

}  // namespace
}  // namespace coffer::http
