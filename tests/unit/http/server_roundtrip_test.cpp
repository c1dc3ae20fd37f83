// Requests through HttpsClient against a live HttpsServer: methods, headers,
// keep-alive, HEAD, thread placement of handlers, handler failures.
#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>

#include <openssl/ssl.h>

#include "http/client.hpp"
#include "test_support.hpp"

namespace coffer::http {
namespace {

using testing::RunningServer;

std::string header(const Response& r, std::string_view name) {
  Request probe;
  probe.headers = r.headers;
  return std::string(probe.header(name));
}

TEST(HttpsServerTest, GetPutPostRoundTrip) {
  RunningServer srv(testing::test_options(), testing::echo_handler());
  ASSERT_TRUE(srv.ok()) << srv.start_status().message();
  HttpsClient client(srv.url(), testing::localhost_tls().cert);

  auto get = client.request("GET", "/secrets/a?api-version=7.4", {}, "");
  ASSERT_TRUE(get.ok()) << get.status().message();
  EXPECT_EQ(get->status, 200);
  EXPECT_EQ(get->body, "GET /secrets/a?api-version=7.4\n");
  EXPECT_EQ(header(*get, "X-Host"), "localhost:" + std::to_string(srv.port()));
  EXPECT_EQ(header(*get, "X-Remote"), "127.0.0.1");
  EXPECT_EQ(header(*get, "Content-Length"), std::to_string(get->body.size()));

  auto put = client.request("PUT", "/secrets/b", {{"Content-Type", "application/json"}}, R"({"value":"v"})");
  ASSERT_TRUE(put.ok()) << put.status().message();
  EXPECT_EQ(put->body, "PUT /secrets/b\n{\"value\":\"v\"}");

  auto post = client.request("POST", "/keys/k/sign", {}, std::string(100000, 'x'));
  ASSERT_TRUE(post.ok()) << post.status().message();
  EXPECT_EQ(post->body, "POST /keys/k/sign\n" + std::string(100000, 'x'));
}

TEST(HttpsServerTest, ClientSendsHostUserAgentAndContentLength) {
  std::mutex mu;
  std::vector<Request> seen;
  RunningServer srv(testing::test_options(), [&](Request& req) {
    std::lock_guard lock(mu);
    seen.push_back(req);
    return Response{204, {}, {}};
  });
  ASSERT_TRUE(srv.ok());
  HttpsClient client(srv.url(), testing::localhost_tls().cert);
  auto put = client.request("PUT", "/x", {{"Authorization", "Bearer t"}}, "");
  ASSERT_TRUE(put.ok()) << put.status().message();
  EXPECT_EQ(put->status, 204);
  EXPECT_TRUE(put->body.empty());
  ASSERT_TRUE(client.request("GET", "/y", {}, "").ok());
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].header("content-length"), "0");
  EXPECT_EQ(seen[0].header("User-Agent"), "coffer-cli");
  EXPECT_EQ(seen[0].header("Authorization"), "Bearer t");
  EXPECT_EQ(seen[0].host, "localhost:" + std::to_string(srv.port()));
  EXPECT_EQ(seen[1].method, "GET");
  EXPECT_EQ(seen[1].header("Content-Length"), "");
}

TEST(HttpsServerTest, KeepAliveServesManyRequestsOnOneConnection) {
  RunningServer srv(testing::test_options(), testing::echo_handler());
  ASSERT_TRUE(srv.ok());
  // Byte level: two requests, two responses, one TLS connection.
  testing::RawTlsClient raw(TLS1_2_VERSION, TLS1_3_VERSION);
  ASSERT_FALSE(raw.connect(srv.port()));
  for (int i = 0; i < 2; ++i) {
    const std::string target = "/n" + std::to_string(i);
    ASSERT_FALSE(raw.write("GET " + target + " HTTP/1.1\r\nHost: localhost\r\n\r\n"));
    boost::system::error_code ec;
    auto res = raw.read_response(ec);
    ASSERT_FALSE(ec) << ec.message();
    EXPECT_EQ(res.body(), "GET " + target + "\n");
    EXPECT_TRUE(res.keep_alive());
  }
  // Pipelined: both requests in one write.
  ASSERT_FALSE(
      raw.write("PUT /p1 HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\n\r\nA"
                "PUT /p2 HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\n\r\nB"));
  boost::system::error_code ec;
  EXPECT_EQ(raw.read_response(ec).body(), "PUT /p1\nA");
  EXPECT_EQ(raw.read_response(ec).body(), "PUT /p2\nB");
  EXPECT_FALSE(ec);

  HttpsClient client(srv.url(), testing::localhost_tls().cert);
  for (int i = 0; i < 20; ++i) {
    auto r = client.request(i % 2 ? "GET" : "POST", "/r" + std::to_string(i), {}, "b");
    ASSERT_TRUE(r.ok()) << i << ": " << r.status().message();
    EXPECT_EQ(r->status, 200);
  }
}

TEST(HttpsServerTest, ConnectionCloseIsHonoured) {
  RunningServer srv(testing::test_options(), testing::echo_handler());
  ASSERT_TRUE(srv.ok());
  testing::RawTlsClient raw(TLS1_2_VERSION, TLS1_3_VERSION);
  ASSERT_FALSE(raw.connect(srv.port()));
  ASSERT_FALSE(raw.write("GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n"));
  bool timed_out = true;
  const std::string all = raw.read_until_close(std::chrono::seconds(5), &timed_out);
  EXPECT_FALSE(timed_out);
  EXPECT_NE(all.find("Connection: close"), std::string::npos) << all;
  EXPECT_NE(all.find("GET /\n"), std::string::npos);

  HttpsClient client(srv.url(), testing::localhost_tls().cert);
  for (int i = 0; i < 3; ++i) {
    auto r = client.request("GET", "/", {{"Connection", "close"}}, "");
    ASSERT_TRUE(r.ok()) << r.status().message();
  }
}

TEST(HttpsServerTest, HeadCarriesLengthButNoBody) {
  RunningServer srv(testing::test_options(), testing::echo_handler());
  ASSERT_TRUE(srv.ok());
  HttpsClient client(srv.url(), testing::localhost_tls().cert);
  auto head = client.request("HEAD", "/thing", {}, "");
  ASSERT_TRUE(head.ok()) << head.status().message();
  EXPECT_EQ(head->status, 200);
  EXPECT_TRUE(head->body.empty());
  EXPECT_EQ(header(*head, "Content-Length"), std::to_string(std::string("HEAD /thing\n").size()));
  auto get = client.request("GET", "/after", {}, "");  // the connection is still in sync
  ASSERT_TRUE(get.ok());
  EXPECT_EQ(get->body, "GET /after\n");
}

TEST(HttpsServerTest, NonGetHandlersRunOnWorkerThreads) {
  std::mutex mu;
  std::map<std::string, std::thread::id> where;
  auto options = testing::test_options();
  options.io_threads = 1;
  RunningServer srv(options, [&](Request& req) {
    std::lock_guard lock(mu);
    where[req.method] = std::this_thread::get_id();
    return Response{};
  });
  ASSERT_TRUE(srv.ok());
  HttpsClient client(srv.url(), testing::localhost_tls().cert);
  for (const char* m : {"GET", "HEAD", "PUT", "POST", "DELETE", "PATCH"}) {
    ASSERT_TRUE(client.request(m, "/", {}, "").ok()) << m;
  }
  std::lock_guard lock(mu);
  EXPECT_EQ(where["GET"], srv.run_thread_id());
  EXPECT_EQ(where["HEAD"], srv.run_thread_id());
  for (const char* m : {"PUT", "POST", "DELETE", "PATCH"}) {
    EXPECT_NE(where[m], srv.run_thread_id()) << m;
    EXPECT_NE(where[m], std::this_thread::get_id()) << m;
  }
}

TEST(HttpsServerTest, ConcurrentClients) {
  RunningServer srv(testing::test_options(), testing::echo_handler());
  ASSERT_TRUE(srv.ok());
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 6; ++t) {
    threads.emplace_back([&, t] {
      HttpsClient client(srv.url(), testing::localhost_tls().cert);
      for (int i = 0; i < 10; ++i) {
        const std::string body = std::to_string(t) + "/" + std::to_string(i);
        auto r = client.request(i % 2 ? "GET" : "PUT", "/c", {}, body);
        if (r.ok() && r->status == 200 && r->body.ends_with("\n" + body)) ++ok;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 60);
}

TEST(HttpsServerTest, HandlerExceptionBecomes500) {
  RunningServer srv(testing::test_options(), [](Request& req) -> Response {
    if (req.target == "/boom") throw std::runtime_error("kaput");
    if (req.target == "/bad-status") return Response{42, {}, "x"};
    if (req.target == "/bad-header") return Response{200, {{"X-Evil", "a\r\nInjected: yes"}, {"X-Fine", "1"}}, "ok"};
    return Response{};
  });
  ASSERT_TRUE(srv.ok());
  HttpsClient client(srv.url(), testing::localhost_tls().cert);
  for (const char* method : {"GET", "POST"}) {
    auto r = client.request(method, "/boom", {}, "");
    ASSERT_TRUE(r.ok()) << r.status().message();
    EXPECT_EQ(r->status, 500);
    EXPECT_EQ(r->body, testing::failure_body(Failure::kHandlerFailed));
  }
  auto bad_status = client.request("GET", "/bad-status", {}, "");
  ASSERT_TRUE(bad_status.ok());
  EXPECT_EQ(bad_status->status, 500);
  EXPECT_EQ(bad_status->body, testing::failure_body(Failure::kInvalidResponse));
  auto bad_header = client.request("GET", "/bad-header", {}, "");
  ASSERT_TRUE(bad_header.ok());
  EXPECT_EQ(bad_header->status, 200);
  EXPECT_EQ(header(*bad_header, "X-Evil"), "");
  EXPECT_EQ(header(*bad_header, "Injected"), "");
  EXPECT_EQ(header(*bad_header, "X-Fine"), "1");
  auto fine = client.request("GET", "/", {}, "");
  ASSERT_TRUE(fine.ok());
  EXPECT_EQ(fine->status, 200);
}

// Without a responder (or when it throws) a refusal is the bare status: the
// HTTP layer knows no application error shape.
TEST(HttpsServerTest, RefusalsAreBareWithoutAResponder) {
  for (const bool throwing : {false, true}) {
    auto options = testing::test_options();
    options.max_body_bytes = 10;
    if (throwing) {
      options.failure_response = [](Failure) -> Response { throw std::runtime_error("responder broke"); };
    } else {
      options.failure_response = nullptr;
    }
    RunningServer srv(options, [](Request&) -> Response { throw std::runtime_error("kaput"); });
    ASSERT_TRUE(srv.ok());
    HttpsClient client(srv.url(), testing::localhost_tls().cert);
    auto boom = client.request("GET", "/", {}, "");
    ASSERT_TRUE(boom.ok()) << boom.status().message();
    EXPECT_EQ(boom->status, 500);
    EXPECT_EQ(boom->body, "");
    auto big = client.request("PUT", "/", {}, std::string(11, 'a'));
    ASSERT_TRUE(big.ok()) << big.status().message();
    EXPECT_EQ(big->status, 413);
    EXPECT_EQ(big->body, "");
  }
}

}  // namespace
}  // namespace coffer::http
