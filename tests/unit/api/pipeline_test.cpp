// The whole request pipeline in process (no sockets): host routing, the
// challenge, token checks, api-version, audit records, error bodies.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>
#include <filesystem>

#include "api/app.hpp"
#include "auth/server_identity.hpp"
#include "crypto/random.hpp"
#include "http/deferral.hpp"

namespace coffer::api {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;

class RecordingSink : public audit::AuditSink {
 public:
  Status write(const audit::AuditRecord& r) override {
    if (fail || (accept_only >= 0 && static_cast<int>(records.size()) >= accept_only)) {
      return Status(Code::kUnavailable, "disk full");
    }
    records.push_back(r);
    return Status::Ok();
  }
  std::vector<audit::AuditRecord> records;
  bool fail = false;
  int accept_only = -1;  // >= 0: fail every write once this many records were taken
};

class PipelineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("coffer-api-test-" + crypto::new_version_id());
    fs::create_directories(dir_);
    store_ = std::move(store::open_sqlite_store({(dir_ / "db").string()}).value());
    keyring_ = std::make_unique<crypto::Keyring>(crypto::random_bytes(32));
    auto identity = auth::load_or_create_server_identity(*store_, *keyring_).value();
    tenant_ = identity.tenant_id;
    vaults_ = std::make_unique<vault::VaultRegistry>(*store_, *keyring_, clock_);
    secrets_ = std::make_unique<vault::SecretService>(*store_, *keyring_, clock_);
    maintenance_ = std::make_unique<vault::MaintenanceScheduler>(*secrets_, clock_, std::chrono::seconds(3600));
    principals_ = std::make_unique<auth::ServicePrincipalRegistry>(*store_, clock_, tenant_);
    rbac_ = std::make_unique<auth::RbacRegistry>(*store_);
    ASSERT_TRUE(rbac_->load().ok());
    authorizer_ = std::make_unique<auth::Authorizer>(tenant_, *rbac_);
    removal_ = std::make_unique<vault::VaultRemoval>(*vaults_, *secrets_, nullptr, nullptr, nullptr);
    tokens_ = std::make_unique<auth::TokenService>(
        std::move(identity.signing_key),
        auth::TokenServiceOptions{kAuthority + "/" + tenant_ + "/v2.0", tenant_, 3600, 900}, clock_);
    api_ = std::make_unique<Api>(ApiConfig{"vault.localhost", "dev", kAuthority, tenant_},
                                 ApiServices{*vaults_, *secrets_, *maintenance_, *principals_, *tokens_, *authorizer_,
                                             sink_, clock_, &clock_, *rbac_, *removal_});
    vaults_->create("dev", {}).value();
    cred_ = principals_->create("tester").value();
    ASSERT_TRUE(auth::grant_administrator(*rbac_, cred_.principal.object_id).ok());
  }
  void TearDown() override { fs::remove_all(dir_); }

  http::Response call(std::string method, std::string host, std::string target, std::string body = "",
                      std::string bearer = "") {
    http::Request req;
    req.method = std::move(method);
    req.host = std::move(host);
    req.target = std::move(target);
    req.body = std::move(body);
    if (!bearer.empty()) req.headers.emplace_back("Authorization", "Bearer " + bearer);
    return api_->handle(req);
  }

  std::string token_for(const std::string& resource) {
    auto r = call("POST", "localhost:8443", "/adfs/oauth2/token",
                  "grant_type=client_credentials&client_id=" + cred_.principal.app_id +
                      "&client_secret=" + std::string(cred_.client_secret.view()) + "&scope=" + resource + "/.default");
    EXPECT_EQ(r.status, 200) << r.body;
    return std::string(json::parse(r.body).as_object()["access_token"].as_string());
  }

  static std::string code_of(const http::Response& r) {
    return std::string(json::parse(r.body).as_object()["error"].as_object()["code"].as_string());
  }

  const std::string kAuthority = "https://localhost:8443";
  fs::path dir_;
  ManualClock clock_{1'700'000'000};
  RecordingSink sink_;
  std::string tenant_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<crypto::Keyring> keyring_;
  std::unique_ptr<vault::VaultRegistry> vaults_;
  std::unique_ptr<vault::SecretService> secrets_;
  std::unique_ptr<vault::MaintenanceScheduler> maintenance_;
  std::unique_ptr<auth::ServicePrincipalRegistry> principals_;
  std::unique_ptr<auth::RbacRegistry> rbac_;
  std::unique_ptr<auth::Authorizer> authorizer_;
  std::unique_ptr<vault::VaultRemoval> removal_;
  std::unique_ptr<auth::TokenService> tokens_;
  std::unique_ptr<Api> api_;
  auth::NewCredential cred_;
};

TEST_F(PipelineTest, UnauthenticatedRequestGetsChallengeAndIsNotActedOn) {
  auto r = call("PUT", "dev.vault.localhost:8443", "/secrets/x?api-version=7.3", R"({"value":"v"})");
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(code_of(r), "Unauthorized");
  bool found = false;
  for (auto& [k, v] : r.headers) {
    if (k == "WWW-Authenticate") {
      found = true;
      EXPECT_EQ(v, "Bearer authorization=\"https://localhost:8443/" + tenant_ +
                       "\", resource=\"https://vault.localhost:8443\"");
    }
  }
  EXPECT_TRUE(found);
  auto dev = vaults_->find("dev").value();
  EXPECT_EQ(secrets_->get(dev, "x", "").status().code(), Code::kSecretNotFound);
  ASSERT_EQ(sink_.records.size(), 1u);
  EXPECT_EQ(sink_.records[0].http_status, 401);
}

TEST_F(PipelineTest, SetAndGetThroughVaultHost) {
  auto tok = token_for("https://vault.localhost:8443");
  auto set = call("PUT", "Dev.Vault.Localhost:8443", "/secrets/x?api-version=7.3", R"({"value":"v"})", tok);
  ASSERT_EQ(set.status, 200) << set.body;
  auto get = call("GET", "dev.vault.localhost:8443", "/secrets/x/?api-version=7.3", "", tok);
  ASSERT_EQ(get.status, 200) << get.body;
  auto body = json::parse(get.body).as_object();
  EXPECT_EQ(body["value"].as_string(), "v");
  EXPECT_EQ(std::string(body["id"].as_string()).rfind("https://dev.vault.localhost:8443/secrets/x/", 0), 0u);
  // Audit: never the value, never the token.
  for (const auto& rec : sink_.records) {
    auto line = audit::to_json(rec);
    EXPECT_EQ(line.find(tok), std::string::npos);
    EXPECT_EQ(line.find("\"v\""), std::string::npos);
  }
  EXPECT_EQ(sink_.records.back().operation_name, "SecretGet");
  EXPECT_EQ(sink_.records.back().caller_app_id, cred_.principal.app_id);
}

TEST_F(PipelineTest, BareHostServesDefaultVault) {
  auto tok = token_for("https://vault.localhost:8443");
  ASSERT_EQ(call("PUT", "localhost:8443", "/secrets/y?api-version=7.4", R"({"value":"w"})", tok).status, 200);
  EXPECT_EQ(call("GET", "dev.vault.localhost:8443", "/secrets/y?api-version=7.4", "", tok).status, 200);
}

TEST_F(PipelineTest, TokenChecks) {
  auto admin_tok = token_for(kAuthority);
  auto r = call("GET", "dev.vault.localhost:8443", "/secrets?api-version=7.4", "", admin_tok);
  EXPECT_EQ(r.status, 401);  // wrong audience
  EXPECT_NE(r.body.find("audience"), std::string::npos);
  EXPECT_EQ(call("GET", "dev.vault.localhost:8443", "/secrets?api-version=7.4", "", "garbage").status, 401);
  auto tok = token_for("https://vault.localhost:8443");
  clock_.advance(7200);
  r = call("GET", "dev.vault.localhost:8443", "/secrets?api-version=7.4", "", tok);
  EXPECT_EQ(r.status, 401);
  EXPECT_NE(r.body.find("expired"), std::string::npos);
}

TEST_F(PipelineTest, TokenEndpointErrors) {
  auto bad_secret = call("POST", "localhost:8443", "/adfs/oauth2/token",
                         "grant_type=client_credentials&client_id=" + cred_.principal.app_id +
                             "&client_secret=wrong&scope=https://vault.localhost:8443/.default");
  EXPECT_EQ(bad_secret.status, 401);
  EXPECT_EQ(json::parse(bad_secret.body).as_object()["error"].as_string(), "invalid_client");
  auto bad_grant = call("POST", "localhost:8443", "/" + tenant_ + "/oauth2/v2.0/token", "grant_type=password");
  EXPECT_EQ(bad_grant.status, 400);
  auto no_scope =
      call("POST", "localhost:8443", "/adfs/oauth2/token", "grant_type=client_credentials&client_id=a&client_secret=b");
  EXPECT_EQ(no_scope.status, 400);
  auto v1 = call("POST", "localhost:8443", "/" + tenant_ + "/oauth2/token",
                 "grant_type=client_credentials&client_id=" + cred_.principal.app_id + "&client_secret=" +
                     std::string(cred_.client_secret.view()) + "&resource=https://vault.localhost:8443");
  EXPECT_EQ(v1.status, 200) << v1.body;
  EXPECT_TRUE(v1.sensitive) << "an access token is a credential: its body is wiped once sent";
  EXPECT_FALSE(bad_secret.sensitive);
}

TEST_F(PipelineTest, DiscoveryDocuments) {
  auto adfs = call("GET", "localhost:8443", "/adfs/.well-known/openid-configuration");
  ASSERT_EQ(adfs.status, 200);
  auto doc = json::parse(adfs.body).as_object();
  EXPECT_EQ(doc["token_endpoint"].as_string(), "https://localhost:8443/adfs/oauth2/token");
  EXPECT_TRUE(doc.contains("authorization_endpoint"));
  auto aad = call("GET", "localhost:8443", "/" + tenant_ + "/v2.0/.well-known/openid-configuration");
  ASSERT_EQ(aad.status, 200);
  EXPECT_EQ(json::parse(aad.body).as_object()["token_endpoint"].as_string(),
            "https://localhost:8443/" + tenant_ + "/oauth2/v2.0/token");
  EXPECT_EQ(call("GET", "localhost:8443", "/" + tenant_ + "/discovery/v2.0/keys").status, 200);
}

TEST_F(PipelineTest, BadInputsGetAkvErrors) {
  auto tok = token_for("https://vault.localhost:8443");
  auto r = call("GET", "dev.vault.localhost:8443", "/secrets?api-version=1.0", "", tok);
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(code_of(r), "BadParameter");
  EXPECT_EQ(call("GET", "dev.vault.localhost:8443", "/secrets", "", tok).status, 400);
  r = call("PUT", "dev.vault.localhost:8443", "/secrets/x?api-version=7.4", "{not json", tok);
  EXPECT_EQ(r.status, 400);
  r = call("GET", "nope.vault.localhost:8443", "/secrets?api-version=7.4", "", tok);
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(code_of(r), "VaultNotFound");
  r = call("GET", "dev.vault.localhost:8443", "/secrets/x/y/z?api-version=7.4", "", tok);
  EXPECT_EQ(r.status, 400);
}

TEST_F(PipelineTest, AuditFailureFailsTheRequest) {
  sink_.fail = true;
  auto r = call("GET", "localhost:8443", "/healthz");
  EXPECT_EQ(r.status, 503);
}

// A change is recorded before it is applied: when that record cannot be
// written the request is refused and nothing changes; reads are audited
// once, after they ran.
TEST_F(PipelineTest, ChangesAreRecordedBeforeTheyAreApplied) {
  auto tok = token_for("https://vault.localhost:8443");
  auto dev = vaults_->find("dev").value();
  sink_.records.clear();
  auto set = call("PUT", "dev.vault.localhost:8443", "/secrets/x?api-version=7.4", R"({"value":"v"})", tok);
  ASSERT_EQ(set.status, 200) << set.body;
  ASSERT_EQ(sink_.records.size(), 2u);
  EXPECT_EQ(sink_.records[0].operation_name, "SecretSet");
  EXPECT_EQ(sink_.records[0].result_type, "Requested");
  EXPECT_EQ(sink_.records[0].http_status, 0);
  EXPECT_EQ(sink_.records[1].result_type, "Success");
  EXPECT_EQ(sink_.records[0].request_id, sink_.records[1].request_id);
  EXPECT_EQ(sink_.records[0].caller_app_id, cred_.principal.app_id);

  sink_.records.clear();
  EXPECT_EQ(call("GET", "dev.vault.localhost:8443", "/secrets/x?api-version=7.4", "", tok).status, 200);
  ASSERT_EQ(sink_.records.size(), 1u);
  EXPECT_EQ(sink_.records[0].result_type, "Success");

  // No sink takes the request record: refused, not applied.
  sink_.records.clear();
  sink_.fail = true;
  auto refused = call("PUT", "dev.vault.localhost:8443", "/secrets/y?api-version=7.4", R"({"value":"w"})", tok);
  EXPECT_EQ(refused.status, 503);
  EXPECT_NE(refused.body.find("not applied"), std::string::npos) << refused.body;
  auto deleted = call("DELETE", "dev.vault.localhost:8443", "/secrets/x?api-version=7.4", "", tok);
  EXPECT_EQ(deleted.status, 503);
  sink_.fail = false;
  EXPECT_EQ(secrets_->get(dev, "y", "").status().code(), Code::kSecretNotFound);
  EXPECT_TRUE(secrets_->get(dev, "x", "").ok()) << "a refused delete deleted";

  // The request record is written, the outcome's is not: 503, but the log
  // already holds the request.
  sink_.records.clear();
  sink_.accept_only = 1;
  auto unconfirmed = call("PUT", "dev.vault.localhost:8443", "/secrets/z?api-version=7.4", R"({"value":"u"})", tok);
  EXPECT_EQ(unconfirmed.status, 503);
  EXPECT_NE(unconfirmed.body.find("recorded before it ran"), std::string::npos) << unconfirmed.body;
  ASSERT_EQ(sink_.records.size(), 1u);
  EXPECT_EQ(sink_.records[0].result_type, "Requested");
  EXPECT_NE(sink_.records[0].object_id.find("/secrets/z"), std::string::npos);
  sink_.accept_only = -1;

  // A denied change is not requested: one record, the refusal.
  auto reader = principals_->create("reader").value();
  auto rtok = [&] {
    auto r = call("POST", "localhost:8443", "/adfs/oauth2/token",
                  "grant_type=client_credentials&client_id=" + reader.principal.app_id + "&client_secret=" +
                      std::string(reader.client_secret.view()) + "&scope=https://vault.localhost:8443/.default");
    return std::string(json::parse(r.body).as_object()["access_token"].as_string());
  }();
  sink_.records.clear();
  EXPECT_EQ(call("PUT", "dev.vault.localhost:8443", "/secrets/q?api-version=7.4", R"({"value":"w"})", rtok).status,
            403);
  ASSERT_EQ(sink_.records.size(), 1u);
  EXPECT_EQ(sink_.records[0].http_status, 403);
}

// Percent-decoded bytes that are not UTF-8 never reach a response body or an
// audit record as they are: both stay valid UTF-8 (U+FFFD for each bad byte).
TEST_F(PipelineTest, NamesThatAreNotUtf8GiveValidJson) {
  auto tok = token_for("https://vault.localhost:8443");
  sink_.records.clear();
  auto r = call("GET", "dev.vault.localhost:8443", "/secrets/a%FFb?api-version=7.4", "", tok);
  EXPECT_EQ(r.status, 404);
  auto body = json::parse(r.body);  // throws on invalid UTF-8
  EXPECT_NE(json::serialize(body).find("a\xEF\xBF\xBD"
                                       "b"),
            std::string::npos)
      << r.body;
  r = call("GET", "dev.vault.localhost:8443", "/secrets/x?api-version=%FF%FE", "", tok);
  EXPECT_EQ(r.status, 400);
  EXPECT_NO_THROW(json::parse(r.body)) << r.body;
  for (const auto& rec : sink_.records) EXPECT_NO_THROW(json::parse(audit::to_json(rec)));
}

TEST_F(PipelineTest, AdminApiNeedsAuthorityAudience) {
  auto vault_tok = token_for("https://vault.localhost:8443");
  EXPECT_EQ(call("GET", "localhost:8443", "/coffer/admin/vaults", "", vault_tok).status, 401);
  auto tok = token_for(kAuthority);
  auto created = call("PUT", "localhost:8443", "/coffer/admin/vaults/Team1", R"({"retentionDays":30})", tok);
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_EQ(json::parse(created.body).as_object()["vaultUri"].as_string(), "https://team1.vault.localhost:8443");
  EXPECT_EQ(call("PUT", "localhost:8443", "/coffer/admin/vaults/team1", "", tok).status, 409);
  EXPECT_EQ(call("PUT", "localhost:8443", "/coffer/admin/vaults/x", "", tok).status, 400);
  EXPECT_EQ(call("PUT", "localhost:8443", "/coffer/admin/vaults/good-name", R"({"retentionDays":3})", tok).status, 400);
  EXPECT_EQ(call("DELETE", "localhost:8443", "/coffer/admin/vaults/team1", "", tok).status, 204);
  EXPECT_EQ(call("GET", "localhost:8443", "/coffer/admin/vaults/team1", "", tok).status, 404);
}

TEST_F(PipelineTest, AClientSecretIsAnsweredSensitiveAndOnlyWhenMade) {
  auto tok = token_for(kAuthority);
  auto created = call("POST", "localhost:8443", "/coffer/admin/service-principals", R"({"displayName":"ci"})", tok);
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_TRUE(created.sensitive) << "the client secret is shown once and wiped once sent";
  const auto o = json::parse(created.body).as_object();
  ASSERT_TRUE(o.contains("clientSecret"));
  const std::string id(o.at("clientId").as_string());
  auto reset = call("POST", "localhost:8443", "/coffer/admin/service-principals/" + id + "/reset-credential", "", tok);
  ASSERT_EQ(reset.status, 200) << reset.body;
  EXPECT_TRUE(reset.sensitive);
  EXPECT_NE(json::parse(reset.body).as_object().at("clientSecret"), o.at("clientSecret"));
  auto listed = call("GET", "localhost:8443", "/coffer/admin/service-principals", "", tok);
  ASSERT_EQ(listed.status, 200);
  EXPECT_FALSE(listed.sensitive);
  EXPECT_EQ(listed.body.find("clientSecret"), std::string::npos);
}

// On a connection's I/O thread (http::can_defer()), only reads and the
// operations that compute without committing run; anything that may wait on
// a durable commit or a password hash is answered with Response::offload,
// untouched and unrecorded, so the server runs it again on a worker.
TEST_F(PipelineTest, OnAnIoThreadOnlyReadsRunAndWritesAreOffloadedUntouched) {
  const std::string tok = token_for("https://vault.localhost:8443");
  const std::string admin_tok = token_for(kAuthority);
  ASSERT_EQ(call("PUT", "dev.vault.localhost:8443", "/secrets/s?api-version=7.4", R"({"value":"one"})", tok).status,
            200);
  const std::size_t records = sink_.records.size();

  boost::asio::io_context loop;
  http::DeferralScope on_io_thread(loop);
  auto get = call("GET", "dev.vault.localhost:8443", "/secrets/s?api-version=7.4", "", tok);
  EXPECT_FALSE(get.offload);
  EXPECT_EQ(get.status, 200) << get.body;
  EXPECT_EQ(sink_.records.size(), records + 1);

  for (auto [method, target, body] : std::vector<std::tuple<const char*, const char*, const char*>>{
           {"PUT", "/secrets/s?api-version=7.4", R"({"value":"two"})"},
           {"PATCH", "/secrets/s?api-version=7.4", R"({"contentType":"x"})"},
           {"DELETE", "/secrets/s?api-version=7.4", ""},
           {"POST", "/secrets/s/backup?api-version=7.4", ""}}) {
    auto r = call(method, "dev.vault.localhost:8443", target, body, tok);
    EXPECT_TRUE(r.offload) << method << " " << target;
    EXPECT_TRUE(r.body.empty());
  }
  auto sign_in = call("POST", "localhost:8443", "/adfs/oauth2/token",
                      "grant_type=client_credentials&client_id=" + cred_.principal.app_id + "&client_secret=" +
                          std::string(cred_.client_secret.view()) + "&scope=https://vault.localhost:8443/.default");
  EXPECT_TRUE(sign_in.offload);
  auto admin = call("PUT", "localhost:8443", "/coffer/admin/vaults/team2", "", admin_tok);
  EXPECT_TRUE(admin.offload);
  EXPECT_EQ(sink_.records.size(), records + 1) << "an offloaded request is recorded only where it runs";
  auto dev = vaults_->find("dev").value();
  EXPECT_EQ(std::string(secrets_->get(dev, "s", "").value().value.view()), "one");
  EXPECT_FALSE(vaults_->find("team2").ok());
}

}  // namespace
}  // namespace coffer::api
