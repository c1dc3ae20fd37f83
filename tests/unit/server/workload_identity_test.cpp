// server/workload_identity: the oidcJwksFiles syntax, refusal of unusable
// JWKS files at start-up, and https_get refusing anything but https URLs.
#include "server/workload_identity.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "store/store.hpp"

namespace coffer::server {
namespace {

namespace fs = std::filesystem;

TEST(JwksFiles, ParsesIssuerPathPairs) {
  auto m = parse_jwks_files(" https://a.example/x/=/etc/a.json , https://b.example=/b.json,");
  ASSERT_TRUE(m.ok()) << m.status().message();
  EXPECT_EQ(m->size(), 2u);
  EXPECT_EQ(m->at("https://a.example/x"), "/etc/a.json");
  EXPECT_EQ(m->at("https://b.example"), "/b.json");
  EXPECT_TRUE(parse_jwks_files("").value().empty());
  for (const char* bad : {"https://a.example", "http://a.example=/a.json",
                          "https://a.example=", "https://a=/1,https://a/=/2", "=/a.json"}) {
    EXPECT_EQ(parse_jwks_files(bad).status().code(), Code::kBadParameter) << bad;
  }
}

TEST(HttpsGet, RefusesOtherSchemes) {
  for (const char* url : {"http://127.0.0.1:1/keys", "file:///etc/passwd", "not a url", "https://user@host/x"}) {
    EXPECT_EQ(https_get(url, "").status().code(), Code::kUnavailable) << url;
  }
}

TEST(MakeWorkloadIdentity, UnusableJwksFileStopsStartUp) {
  const fs::path dir = fs::temp_directory_path() / ("coffer-wi-server-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  auto store = store::open_sqlite_store({(dir / "db").string()});
  ASSERT_TRUE(store.ok());
  SystemClock clock;
  auth::ServicePrincipalRegistry principals(**store, clock, "t");
  std::ofstream(dir / "bad.json") << R"({"keys":[]})";
  WorkloadIdentityOptions options;
  options.jwks_files = "https://issuer.example=" + (dir / "bad.json").string();
  EXPECT_EQ(make_workload_identity(options, **store, principals, clock).status().code(), Code::kBadParameter);
  options.jwks_files = "https://issuer.example=" + (dir / "missing.json").string();
  EXPECT_EQ(make_workload_identity(options, **store, principals, clock).status().code(), Code::kBadParameter);
  options.jwks_files = "";
  auto wi = make_workload_identity(options, **store, principals, clock);
  ASSERT_TRUE(wi.ok()) << wi.status().message();
  EXPECT_NE((*wi)->verifier, nullptr);
  store->reset();
  fs::remove_all(dir);
}

}  // namespace
}  // namespace coffer::server
