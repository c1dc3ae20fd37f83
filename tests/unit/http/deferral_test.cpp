// defer() and Response::later against a live server: a GET handler (I/O
// thread) may answer after the pass, grouping requests; the worker pool
// cannot defer; and only I/O threads can.
#include "http/deferral.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "http/client.hpp"
#include "test_support.hpp"

namespace coffer::http {
namespace {

using testing::RunningServer;

TEST(Deferral, OnlyIoThreadsDefer) {
  EXPECT_FALSE(can_defer());
  bool ran = false;
  EXPECT_FALSE(defer([&] { ran = true; }));
  EXPECT_FALSE(ran);
}

// Answers every GET at the end of the pass, all of the pass's GETs together.
struct GroupingHandler {
  std::atomic<int> deferred_gets{0};
  std::atomic<int> posts_that_could_defer{0};
  std::atomic<int> largest_group{0};

  Response operator()(Request& req) {
    if (req.method != "GET") {
      if (can_defer()) ++posts_that_could_defer;
      return Response{200, {}, "plain"};
    }
    if (!can_defer()) return Response{500, {}, "GET off the I/O thread"};
    ++deferred_gets;
    Response r;
    r.status = 599;  // never sent: `later` replaces it
    r.later = [this, target = req.target](Respond respond) {
      thread_local std::vector<std::pair<std::string, Respond>> pending;
      pending.emplace_back(target, std::move(respond));
      if (pending.size() > 1) return;
      ASSERT_TRUE(defer([this] {
        auto group = std::move(pending);
        pending.clear();
        int n = static_cast<int>(group.size());
        int seen = largest_group.load();
        while (n > seen && !largest_group.compare_exchange_weak(seen, n)) {
        }
        for (auto& [t, answer] : group) answer(Response{200, {}, "later " + t});
      }));
    };
    return r;
  }
};

TEST(Deferral, LaterResponsesAreSentAfterThePassAndWorkersCannotDefer) {
  GroupingHandler handler;
  RunningServer srv(testing::test_options(), [&handler](Request& req) { return handler(req); });
  ASSERT_TRUE(srv.ok()) << srv.start_status().message();
  std::atomic<int> good{0};
  std::vector<std::thread> clients;
  for (int c = 0; c < 6; ++c) {
    clients.emplace_back([&, c] {
      HttpsClient client(srv.url(), testing::localhost_tls().cert);
      for (int i = 0; i < 20; ++i) {
        const std::string target = "/c" + std::to_string(c) + "/" + std::to_string(i);
        auto r = client.request("GET", target, {}, "");
        good += r.ok() && r->status == 200 && r->body == "later " + target;
      }
      auto post = client.request("POST", "/p", {}, "x");
      good += post.ok() && post->status == 200 && post->body == "plain";
    });
  }
  for (auto& t : clients) t.join();
  EXPECT_EQ(good.load(), 6 * 21);
  EXPECT_EQ(handler.deferred_gets.load(), 6 * 20);
  EXPECT_EQ(handler.posts_that_could_defer.load(), 0);
  EXPECT_GE(handler.largest_group.load(), 1);
}

}  // namespace
}  // namespace coffer::http
