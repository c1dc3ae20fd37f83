// The provider's HTTP side against a live HttpsServer: CofferClient's
// retries (5xx/429 with backoff, Retry-After, no retry on 4xx, connection
// failures) and CA from PEM text; TokenSource's cache, collapsed concurrent
// misses and refusals; MountHandler collapsing identical concurrent fetches.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>
#include <vector>

#include "csi/coffer_client.hpp"
#include "csi/mount_errors.hpp"
#include "csi/mount_handler.hpp"
#include "csi/token_source.hpp"
#include "test_support.hpp"

namespace coffer::csi {
namespace {

namespace ht = http::testing;
using namespace std::chrono_literals;

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

RetryPolicy fast_retries() { return RetryPolicy{4, 10ms, 40ms}; }

http::Response answer(int status, std::string body = "{}") {
  http::Response r;
  r.status = status;
  r.body = std::move(body);
  r.set_header("Content-Type", "application/json");
  return r;
}

TEST(CofferClientTest, RetriesServerErrorsThenSucceeds) {
  std::atomic<int> calls{0};
  ht::RunningServer srv(ht::test_options(), [&](http::Request&) {
    return ++calls <= 2 ? answer(calls == 1 ? 503 : 429) : answer(200, "done");
  });
  ASSERT_TRUE(srv.ok());
  CofferClient client(fast_retries());
  auto r = client.send({srv.url(), "", ht::localhost_tls().cert}, "GET", "/x", {}, "");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "done");
  EXPECT_EQ(calls.load(), 3);
}

TEST(CofferClientTest, GivesUpAfterMaxAttemptsWithTheLastAnswer) {
  std::atomic<int> calls{0};
  ht::RunningServer srv(ht::test_options(), [&](http::Request&) {
    ++calls;
    return answer(500);
  });
  ASSERT_TRUE(srv.ok());
  CofferClient client(fast_retries());
  auto r = client.send({srv.url(), "", ht::localhost_tls().cert}, "GET", "/x", {}, "");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 500);
  EXPECT_EQ(calls.load(), 4);
}

TEST(CofferClientTest, ClientErrorsAreNotRetried) {
  std::atomic<int> calls{0};
  ht::RunningServer srv(ht::test_options(), [&](http::Request&) {
    ++calls;
    return answer(404);
  });
  ASSERT_TRUE(srv.ok());
  CofferClient client(fast_retries());
  auto r = client.send({srv.url(), "", ht::localhost_tls().cert}, "GET", "/x", {}, "");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 404);
  EXPECT_EQ(calls.load(), 1);
}

TEST(CofferClientTest, HonoursRetryAfter) {
  std::atomic<int> calls{0};
  ht::RunningServer srv(ht::test_options(), [&](http::Request&) {
    if (++calls == 1) {
      http::Response r = answer(429);
      r.set_header("Retry-After", "1");
      return r;
    }
    return answer(200);
  });
  ASSERT_TRUE(srv.ok());
  CofferClient client(fast_retries());
  const auto start = std::chrono::steady_clock::now();
  auto r = client.send({srv.url(), "", ht::localhost_tls().cert}, "GET", "/x", {}, "");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 200);
  EXPECT_GE(std::chrono::steady_clock::now() - start, 900ms);
}

TEST(CofferClientTest, NoRetryStartsPastTheBudget) {
  std::atomic<int> calls{0};
  ht::RunningServer srv(ht::test_options(), [&](http::Request&) {
    ++calls;
    http::Response r = answer(503);
    r.set_header("Retry-After", "10");  // would wait 10 s; the budget is 0.5 s
    return r;
  });
  ASSERT_TRUE(srv.ok());
  CofferClient client(RetryPolicy{4, 10ms, 40ms, 500ms});
  const auto start = std::chrono::steady_clock::now();
  auto r = client.send({srv.url(), "", ht::localhost_tls().cert}, "GET", "/x", {}, "");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 503);  // the last answer, not a made-up error
  EXPECT_EQ(calls.load(), 1);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
}

TEST(CofferClientTest, UnreachableServerIsVaultUnavailable) {
  CofferClient client(fast_retries());
  const std::string url = "https://localhost:" + std::to_string(ht::unused_port());
  auto r = client.send({url, "", ht::localhost_tls().cert}, "GET", "/x", {}, "");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kUnavailable);
  EXPECT_EQ(errors::code_of(r.status()), "VaultUnavailable");
}

TEST(CofferClientTest, TrustsACaGivenAsPemTextOnly) {
  ht::RunningServer srv(ht::test_options(), ht::echo_handler());
  ASSERT_TRUE(srv.ok());
  CofferClient client(fast_retries());
  auto ok = client.send({srv.url(), read_file(ht::localhost_tls().cert), ""}, "GET", "/x", {}, "");
  ASSERT_TRUE(ok.ok()) << ok.status().message();
  EXPECT_EQ(ok->status, 200);
  // Another CA's PEM: the handshake fails (no fallback to the system store or a file).
  const auto other = ht::make_self_signed("other-ca", "localhost");
  auto refused = client.send({srv.url(), read_file(other.cert), ht::localhost_tls().cert}, "GET", "/x", {}, "");
  EXPECT_FALSE(refused.ok());
}

TEST(CofferClientTest, PoolReusesConnectionsAndBoundsIdleOnes) {
  ht::RunningServer srv(ht::test_options(), [](http::Request& req) {
    if (req.target == "/slow") std::this_thread::sleep_for(50ms);  // makes concurrent calls overlap
    return answer(200);
  });
  ASSERT_TRUE(srv.ok());
  CofferClient client(fast_retries());
  const Endpoint one{srv.url(), "", ht::localhost_tls().cert};
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(client.send(one, "GET", "/x", {}, "").ok());
  EXPECT_EQ(client.idle_connections(), 1u);  // sequential calls share one connection

  std::vector<std::thread> threads;
  for (int i = 0; i < 16; ++i)
    threads.emplace_back([&] { EXPECT_TRUE(client.send(one, "GET", "/slow", {}, "").ok()); });
  for (auto& t : threads) t.join();
  EXPECT_LE(client.idle_connections(), 8u);  // at most 8 kept per endpoint
  EXPECT_GE(client.idle_connections(), 2u);

  // Many endpoints (one per CA file copy): at most 64 idle in all.
  const std::string pem = read_file(ht::localhost_tls().cert);
  for (int i = 0; i < 70; ++i) {
    const std::string ca = ht::temp_path("ca-copy-" + std::to_string(i) + ".pem");
    std::ofstream(ca) << pem;
    ASSERT_TRUE(client.send({srv.url(), "", ca}, "GET", "/x", {}, "").ok());
  }
  EXPECT_EQ(client.idle_connections(), 64u);
}

// A token endpoint that counts requests and answers after `delay`.
struct TokenEndpoint {
  std::atomic<int> requests{0};
  std::chrono::milliseconds delay{0};
  int expires_in = 3600;
  std::mutex mu;
  std::vector<std::string> bodies;

  http::Handler handler() {
    return [this](http::Request& req) {
      ++requests;
      {
        std::lock_guard<std::mutex> lock(mu);
        bodies.push_back(req.body);
      }
      std::this_thread::sleep_for(delay);
      if (req.body.find("client_secret=wrong") != std::string::npos) {
        return answer(401, R"({"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret."})");
      }
      return answer(200, R"({"access_token":"tok-)" + std::to_string(requests.load()) +
                             R"(","token_type":"Bearer","expires_in":)" + std::to_string(expires_in) + "}");
    };
  }
};

ClientCredential secret_credential(const std::string& url, const std::string& secret) {
  ClientCredential c;
  c.authority = {url, "", ht::localhost_tls().cert};
  c.path = token_path("", "11111111-2222-3333-4444-555555555555");
  c.client_id = "app";
  c.scope = "https://vault.localhost/.default";
  c.secret = SecureString(secret);
  return c;
}

TEST(TokenSourceTest, CachesPerIdentityAndCollapsesConcurrentMisses) {
  TokenEndpoint endpoint;
  endpoint.delay = 200ms;
  ht::RunningServer srv(ht::test_options(), endpoint.handler());
  ASSERT_TRUE(srv.ok());
  CofferClient client(fast_retries());
  TokenSource tokens(client);

  std::vector<std::thread> threads;
  std::vector<std::string> got(8);
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&, i] {
      auto t = tokens.token(secret_credential(srv.url(), "s3cret"));
      if (t.ok()) got[i] = t->token.str();
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(endpoint.requests.load(), 1);
  for (const auto& g : got) EXPECT_EQ(g, "tok-1");
  EXPECT_NE(endpoint.bodies[0].find("grant_type=client_credentials"), std::string::npos);
  EXPECT_NE(endpoint.bodies[0].find("scope=https%3A%2F%2Fvault.localhost%2F.default"), std::string::npos);

  // Cached: no new request. Another secret is another identity.
  auto again = tokens.token(secret_credential(srv.url(), "s3cret"));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(endpoint.requests.load(), 1);
  auto other = tokens.token(secret_credential(srv.url(), "other"));
  ASSERT_TRUE(other.ok());
  EXPECT_EQ(endpoint.requests.load(), 2);
  EXPECT_NE(other->identity, again->identity);
  // forget() drops it.
  tokens.forget(again->identity);
  ASSERT_TRUE(tokens.token(secret_credential(srv.url(), "s3cret")).ok());
  EXPECT_EQ(endpoint.requests.load(), 3);
}

TEST(TokenSourceTest, RefreshesNearExpiry) {
  TokenEndpoint endpoint;
  endpoint.expires_in = 2;  // refresh margin = half the lifetime here
  ht::RunningServer srv(ht::test_options(), endpoint.handler());
  ASSERT_TRUE(srv.ok());
  CofferClient client(fast_retries());
  TokenSource tokens(client);
  ASSERT_TRUE(tokens.token(secret_credential(srv.url(), "s")).ok());
  ASSERT_TRUE(tokens.token(secret_credential(srv.url(), "s")).ok());
  EXPECT_EQ(endpoint.requests.load(), 1);
  std::this_thread::sleep_for(1100ms);
  ASSERT_TRUE(tokens.token(secret_credential(srv.url(), "s")).ok());
  EXPECT_EQ(endpoint.requests.load(), 2);
}

TEST(TokenSourceTest, RefusalIsAuthenticationFailedWithoutTheSecret) {
  TokenEndpoint endpoint;
  ht::RunningServer srv(ht::test_options(), endpoint.handler());
  ASSERT_TRUE(srv.ok());
  CofferClient client(fast_retries());
  TokenSource tokens(client);
  auto t = tokens.token(secret_credential(srv.url(), "wrong"));
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(errors::code_of(t.status()), "AuthenticationFailed");
  EXPECT_NE(t.status().message().find("(invalid_client) AADSTS7000215"), std::string::npos);
  EXPECT_EQ(t.status().message().find("wrong"), std::string::npos);
  // Nothing cached: the next call asks again.
  EXPECT_FALSE(tokens.token(secret_credential(srv.url(), "wrong")).ok());
  EXPECT_EQ(endpoint.requests.load(), 2);

  ClientCredential none = secret_credential(srv.url(), "");
  EXPECT_EQ(errors::code_of(tokens.token(none).status()), "MissingCredentials");
}

// Token endpoint + one secret, the GETs counted and slowed so concurrent mounts overlap. The vault has
// no change feed or batch reads (an older server): the provider reads object by object.
TEST(MountHandlerTest, IdenticalConcurrentFetchesAreOneRequest) {
  const auto tls = ht::make_self_signed("vaults", "*.vault.localhost");
  http::ServerOptions options = ht::test_options();
  options.cert_chain_file = tls.cert;
  options.private_key_file = tls.key;
  std::atomic<int> token_requests{0}, gets{0};
  ht::RunningServer srv(options, [&](http::Request& req) {
    if (req.target.starts_with("/coffer/")) return answer(404);  // a vault without change feed and batch reads
    if (req.method == "POST") {
      ++token_requests;
      std::this_thread::sleep_for(100ms);
      return answer(200, R"({"access_token":"t","expires_in":3600})");
    }
    ++gets;
    std::this_thread::sleep_for(600ms);
    if (req.header("Authorization") != "Bearer t") return answer(401);
    return answer(200, R"({"value":"hunter2","id":"https://dev.vault.localhost/secrets/db/0123abcd"})");
  });
  ASSERT_TRUE(srv.ok()) << srv.start_status().message();
  const std::string port = std::to_string(srv.port());

  MountSettings settings;
  settings.defaults.vault_dns_suffix = "vault.localhost:" + port;
  settings.defaults.authority_host = "https://login.vault.localhost:" + port;
  settings.ca_file = tls.cert;
  Metrics metrics("coffer");
  CofferClient client(fast_retries());
  TokenSource tokens(client);
  MountHandler handler(settings, client, tokens, metrics);
  const std::string attributes = R"({"keyvaultName":"dev","tenantID":"11111111-2222-3333-4444-555555555555",)"
                                 R"("objects":"array:\n  - |\n    objectName: db\n    objectType: secret\n"})";
  const std::string secrets = R"({"clientid":"app","clientsecret":"s3cret"})";

  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&] {
      auto out = handler.mount(attributes, secrets, "420");
      if (out.ok() && out->files.size() == 1 && out->files[0].contents.view() == "hunter2" &&
          out->versions.size() == 1 && out->versions[0].id == "secret/db" && out->versions[0].version == "0123abcd") {
        ++ok;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 8);
  EXPECT_EQ(token_requests.load(), 1);
  EXPECT_EQ(gets.load(), 1);

  // A later poll fetches again (nothing is cached after the flight) but reuses the token.
  auto later = handler.mount(attributes, secrets, "420");
  ASSERT_TRUE(later.ok()) << later.status().message();
  EXPECT_EQ(gets.load(), 2);
  EXPECT_EQ(token_requests.load(), 1);
}

// The vault refuses a cached token (e.g. revoked): the Mount gets a fresh one once and succeeds;
// when the vault refuses the fresh one too, the Mount fails with AuthenticationFailed.
TEST(MountHandlerTest, RefusedTokenIsReplacedOnce) {
  const auto tls = ht::make_self_signed("vaults-401", "*.vault.localhost");
  http::ServerOptions options = ht::test_options();
  options.cert_chain_file = tls.cert;
  options.private_key_file = tls.key;
  std::atomic<int> token_requests{0}, gets{0};
  std::atomic<bool> refuse_all{false};
  ht::RunningServer srv(options, [&](http::Request& req) {
    if (req.target.starts_with("/coffer/")) return answer(404);  // a vault without change feed and batch reads
    if (req.method == "POST") {
      const int n = ++token_requests;
      return answer(200, R"({"access_token":"t)" + std::to_string(n) + R"(","expires_in":3600})");
    }
    ++gets;
    if (refuse_all || req.header("Authorization") == "Bearer t1") return answer(401);
    return answer(200, R"({"value":"v","id":"https://dev.vault.localhost/secrets/db/01"})");
  });
  ASSERT_TRUE(srv.ok()) << srv.start_status().message();
  const std::string port = std::to_string(srv.port());
  MountSettings settings;
  settings.defaults.vault_dns_suffix = "vault.localhost:" + port;
  settings.defaults.authority_host = "https://login.vault.localhost:" + port;
  settings.ca_file = tls.cert;
  Metrics metrics("coffer");
  CofferClient client(fast_retries());
  TokenSource tokens(client);
  MountHandler handler(settings, client, tokens, metrics);
  const std::string attributes = R"({"keyvaultName":"dev","tenantID":"11111111-2222-3333-4444-555555555555",)"
                                 R"("objects":"array:\n  - |\n    objectName: db\n    objectType: secret\n"})";
  const std::string secrets = R"({"clientid":"app","clientsecret":"s3cret"})";

  auto ok = handler.mount(attributes, secrets, "420");
  ASSERT_TRUE(ok.ok()) << ok.status().message();
  EXPECT_EQ(token_requests.load(), 2);  // t1 refused, t2 accepted
  EXPECT_EQ(gets.load(), 2);

  refuse_all = true;  // t2 (cached) is refused, and so is its replacement t3: no loop, a clear failure
  auto refused = handler.mount(attributes, secrets, "420");
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(errors::code_of(refused.status()), "AuthenticationFailed");
  EXPECT_EQ(token_requests.load(), 3);
  EXPECT_EQ(gets.load(), 4);
}

}  // namespace
}  // namespace coffer::csi
