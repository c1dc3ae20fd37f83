// SealGate (SEAL-SPEC.md §1.4, the table of S12): before init and while
// sealed every route but the sys ones answers AKV's 503 with Retry-After and
// the right innererror, /healthz 501 or 503; init and unseal through the
// sys routes; once an application is published it gets every other request;
// withdraw() (an operator's seal) waits for every request the application was
// given, answers owed later included, and seals.
#include "server/seal_gate.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <boost/json.hpp>
#include <chrono>
#include <filesystem>
#include <latch>
#include <thread>

#include "crypto/random.hpp"

namespace coffer::server {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;

class SealGateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("coffer-gate-test-" + crypto::new_version_id());
    fs::create_directories(dir_);
    store_ = std::move(store::open_sqlite_store({(dir_ / "db").string()}).value());
    seal_ = std::make_unique<seal::SealState>(*store_, clock_);
    ASSERT_TRUE(seal_->load().ok());
    gate_ = std::make_unique<SealGate>(*seal_, seal::SealType::kShamir);
  }
  void TearDown() override {
    gate_.reset();
    seal_.reset();
    store_.reset();
    fs::remove_all(dir_);
  }
  http::Response call(const std::string& method, const std::string& target, const std::string& body = "") {
    http::Request req;
    req.method = method;
    req.target = target;
    req.body = body;
    return gate_->handle(req);
  }
  static std::string inner(const http::Response& r) {
    return std::string(json::parse(r.body).at("error").at("innererror").at("code").as_string());
  }
  static std::string header(const http::Response& r, const std::string& name) {
    for (const auto& [k, v] : r.headers) {
      if (k == name) return v;
    }
    return "";
  }

  fs::path dir_;
  ManualClock clock_{1'700'000'000};
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<seal::SealState> seal_;
  std::unique_ptr<SealGate> gate_;
};

TEST_F(SealGateTest, ClosedUntilUnsealedThenTheApplicationAnswers) {
  for (const char* target : {"/secrets?api-version=7.4", "/adfs/oauth2/token", "/coffer/admin/vaults",
                             "/subscriptions?api-version=2019-11-01"}) {
    auto r = call("GET", target);
    EXPECT_EQ(r.status, 503) << target;
    EXPECT_EQ(header(r, "Retry-After"), "5") << target;
    EXPECT_EQ(inner(r), "NotInitialized") << target;
  }
  EXPECT_EQ(call("GET", "/healthz").status, 501);
  auto status = json::parse(call("GET", "/coffer/v1/sys/seal-status").body);
  EXPECT_FALSE(status.at("initialized").as_bool());

  EXPECT_EQ(call("POST", "/coffer/v1/sys/init", "{\"secretShares\": 2}").status, 400);
  EXPECT_EQ(call("POST", "/coffer/v1/sys/init", "not json").status, 400);
  auto init = call("POST", "/coffer/v1/sys/init", "{\"secretShares\": 3, \"secretThreshold\": 2}");
  ASSERT_EQ(init.status, 200) << init.body;
  EXPECT_TRUE(init.sensitive) << "the shares are wiped after sending";
  const json::value made = json::parse(init.body);
  ASSERT_EQ(made.at("keys").as_array().size(), 3u);
  const std::string share0(made.at("keys").at(0).as_string());
  const std::string share1(made.at("keys").at(1).as_string());
  EXPECT_TRUE(gate_->wait_unsealed()) << "init leaves the seal open";
  auto starting = call("GET", "/secrets?api-version=7.4");
  EXPECT_EQ(std::make_pair(starting.status, inner(starting)), std::make_pair(503, std::string("ServerStarting")));

  const http::Handler app = [](http::Request&) {
    http::Response r;
    r.status = 299;
    return r;
  };
  gate_->publish(&app);
  EXPECT_EQ(call("GET", "/secrets?api-version=7.4").status, 299);
  EXPECT_EQ(call("GET", "/coffer/v1/sys/seal-status").status, 200) << "the sys routes stay the gate's";
  gate_->publish(nullptr);

  // Another start of the same store: sealed until 2 shares.
  seal::SealState restarted(*store_, clock_);
  ASSERT_TRUE(restarted.load().ok());
  SealGate gate(restarted, seal::SealType::kShamir);
  http::Request req;
  req.method = "GET";
  req.target = "/keys?api-version=7.4";
  auto sealed = gate.handle(req);
  EXPECT_EQ(std::make_pair(sealed.status, inner(sealed)), std::make_pair(503, std::string("VaultSealed")));
  req.target = "/healthz";
  EXPECT_EQ(gate.handle(req).status, 503);
  std::thread waiter([&] { EXPECT_TRUE(gate.wait_unsealed()); });
  req.method = "POST";
  req.target = "/coffer/v1/sys/unseal";
  req.body = "{\"key\": \"cfs1-garbage\"}";
  EXPECT_EQ(gate.handle(req).status, 400);
  req.body = "{\"key\": \"" + share1 + "\"}";
  auto progress = gate.handle(req);
  EXPECT_EQ(json::parse(progress.body).at("progress").as_int64(), 1);
  req.body = "{\"reset\": true}";
  EXPECT_EQ(json::parse(gate.handle(req).body).at("progress").as_int64(), 0);
  req.body = "{\"key\": \"" + share1 + "\"}";
  gate.handle(req);
  req.body = "{\"key\": \"" + share0 + "\"}";
  auto open = gate.handle(req);
  EXPECT_FALSE(json::parse(open.body).at("sealed").as_bool());
  waiter.join();
  req.body = "{}";
  EXPECT_EQ(gate.handle(req).status, 400);
}

TEST_F(SealGateTest, AKeyFileServerInitializesItselfAndStopEndsTheWait) {
  SealGate keyfile(*seal_, seal::SealType::kKeyfile);
  http::Request req;
  req.method = "POST";
  req.target = "/coffer/v1/sys/init";
  req.body = "{\"secretShares\": 3, \"secretThreshold\": 2}";
  EXPECT_EQ(keyfile.handle(req).status, 400);
  EXPECT_FALSE(seal_->status().initialized);
  std::thread waiter([&] { EXPECT_FALSE(keyfile.wait_unsealed()); });
  keyfile.stop();
  waiter.join();
  req.target = "/coffer/v1/sys/nothing";
  EXPECT_EQ(keyfile.handle(req).status, 404);
}

TEST_F(SealGateTest, WithdrawWaitsForTheApplicationsRequestsThenSeals) {
  ASSERT_EQ(call("POST", "/coffer/v1/sys/init", "{\"secretShares\": 1, \"secretThreshold\": 1}").status, 200);
  ASSERT_FALSE(seal_->status().sealed);
  std::latch entered(1), release(1);
  http::Respond owed;  // the respond of an answer given later, not called yet
  const http::Handler app = [&](http::Request& req) {
    http::Response r;
    if (req.target == "/slow") {
      entered.count_down();
      release.wait();
    } else if (req.target == "/later") {
      r.later = [&owed](http::Respond respond) { owed = std::move(respond); };
    }
    return r;
  };
  gate_->publish(&app);
  http::Response later = call("GET", "/later");
  ASSERT_TRUE(later.later);
  int answered = 0;
  later.later([&](http::Response r) { answered = r.status; });
  ASSERT_TRUE(owed);
  std::thread slow([&] { EXPECT_EQ(call("GET", "/slow").status, 200); });
  entered.wait();

  std::atomic<bool> withdrawn{false};
  std::thread sealer([&] {
    gate_->withdraw();
    withdrawn = true;
  });
  int status = 200;
  for (int i = 0; i < 2000 && status != 503; ++i) {
    status = call("GET", "/fast").status;
    if (status != 503) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  EXPECT_EQ(status, 503) << "new requests no longer reach the application";
  EXPECT_EQ(inner(call("GET", "/fast")), "VaultSealed");
  EXPECT_TRUE(seal_->status().sealed);
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_FALSE(withdrawn.load()) << "a request is still running";
  release.count_down();
  slow.join();
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_FALSE(withdrawn.load()) << "an answer is still owed";
  http::Response last;
  last.status = 201;
  owed(std::move(last));
  sealer.join();
  EXPECT_TRUE(withdrawn.load());
  EXPECT_EQ(answered, 201);
}

TEST_F(SealGateTest, ASealRequestWakesTheWaiterOnceAndStopEndsIt) {
  std::thread sealed([&] { EXPECT_EQ(gate_->wait_stop_or_seal(), SealGate::Wake::kSeal); });
  gate_->request_seal();
  sealed.join();
  std::thread stopped([&] { EXPECT_EQ(gate_->wait_stop_or_seal(), SealGate::Wake::kStop); });
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  gate_->stop();
  stopped.join();
}

TEST_F(SealGateTest, AfterAMigrationTheSealedAnswersFollowTheStoresSeal) {
  // Configured shamir, moved to a key file by a quorum while running, then sealed by an operator:
  // the 503 names the key file (no shares would open it), and the rekey start is an admin's.
  auto init = call("POST", "/coffer/v1/sys/init", "{\"secretShares\": 2, \"secretThreshold\": 2}");
  ASSERT_EQ(init.status, 200);
  const auto keys = json::parse(init.body).at("keys").as_array();
  EXPECT_EQ(call("POST", "/coffer/v1/sys/rekey/init", "{\"secretShares\": 2, \"secretThreshold\": 2}").status, 403);
  const std::string nonce = seal_->migration_start(seal::SealType::kKeyfile, crypto::random_bytes(32))->nonce;
  for (const auto& k : keys) {
    auto r = call("POST", "/coffer/v1/sys/rekey/update",
                  json::serialize(json::object{{"nonce", nonce}, {"key", k.as_string()}}));
    ASSERT_EQ(r.status, 200) << r.body;
  }
  EXPECT_EQ(json::parse(call("GET", "/coffer/v1/sys/seal-status").body).at("type").as_string(), "keyfile");
  gate_->withdraw();
  auto r = call("GET", "/secrets?api-version=7.4");
  EXPECT_EQ(r.status, 503);
  EXPECT_NE(r.body.find("restart the server to unseal it (its seal is keyfile)"), std::string::npos) << r.body;
}

}  // namespace
}  // namespace coffer::server
