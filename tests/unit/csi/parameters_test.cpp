// SecretProviderClass parameters (PROVIDER-SPEC §4.1): Go booleans, the
// vault URL and token authority, identity modes, cloud environment files.
#include "csi/parameters.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <vector>

#include "csi/mount_errors.hpp"

namespace coffer::csi {
namespace {

const ProviderDefaults kDefaults{"vault.coffer.example:8443", "https://coffer.coffer.svc:8443"};

// The smallest parameter set that resolves: a vault name and a tenant.
Attributes base() { return {{"keyvaultName", "kv-1"}, {"tenantID", "tenant-1"}, {"objects", "array: []"}}; }

template <typename T>
void expect_reason(const Result<T>& r, std::string_view reason, const std::string& what) {
  ASSERT_FALSE(r.ok()) << "accepted: " << what;
  EXPECT_EQ(r.status().code(), Code::kBadParameter) << what;
  EXPECT_EQ(r.status().reason(), reason) << what << ": " << r.status().message();
}

// A temporary file removed at the end of the test.
class TempFile {
 public:
  explicit TempFile(const std::string& contents) {
    std::string tmpl = (std::filesystem::temp_directory_path() / "coffer-csi-env-XXXXXX").string();
    const int fd = ::mkstemp(tmpl.data());
    if (fd < 0) throw std::runtime_error("mkstemp failed");
    ::close(fd);
    path_ = tmpl;
    std::ofstream(path_, std::ios::binary | std::ios::trunc) << contents;
  }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  ~TempFile() { std::filesystem::remove(path_); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// ---- parse_go_bool ----

TEST(ParseGoBool, AcceptsExactlyGosSpellings) {
  for (const char* t : {"1", "t", "T", "TRUE", "true", "True"}) {
    auto r = parse_go_bool(t, "p");
    ASSERT_TRUE(r.ok()) << t;
    EXPECT_TRUE(*r) << t;
  }
  for (const char* f : {"0", "f", "F", "FALSE", "false", "False", ""}) {
    auto r = parse_go_bool(f, "p");
    ASSERT_TRUE(r.ok()) << "'" << f << "'";
    EXPECT_FALSE(*r) << "'" << f << "'";
  }
}

TEST(ParseGoBool, RefusesEverythingElse) {
  for (const char* bad : {"yes", "no", "tRUE", "fALSE", "TRue", "y", "n", "on", "off", " true", "true ", "2", "-1",
                          "00", "11", "tr", "truee"}) {
    auto r = parse_go_bool(bad, "usePodIdentity");
    expect_reason(r, errors::kInvalidParameters, bad);
    if (!r.ok()) {
      EXPECT_NE(r.status().message().find("usePodIdentity"), std::string::npos) << r.status().message();
    }
  }
}

// ---- vault URL and tenant ----

TEST(ParseParameters, BuildsVaultUrlFromNameAndSuffix) {
  Attributes a = base();
  a["clientID"] = "client-guid";
  a["caBundle"] = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
  auto p = parse_parameters(a, kDefaults);
  ASSERT_TRUE(p.ok()) << p.status().message();
  EXPECT_EQ(p->vault_url, "https://kv-1.vault.coffer.example:8443");
  EXPECT_EQ(p->authority, "https://coffer.coffer.svc:8443");
  EXPECT_EQ(p->tenant_id, "tenant-1");
  EXPECT_EQ(p->client_id, "client-guid");
  EXPECT_EQ(p->ca_bundle, a["caBundle"]);
  EXPECT_EQ(p->objects, "array: []");
}

TEST(ParseParameters, WithoutClientIdIsAServicePrincipal) {
  auto p = parse_parameters(base(), kDefaults);
  ASSERT_TRUE(p.ok()) << p.status().message();
  EXPECT_EQ(p->client_id, "");
  EXPECT_EQ(p->ca_bundle, "");
}

TEST(ParseParameters, LeadingDotOfSuffixAndTrailingSlashOfAuthorityAreDropped) {
  auto p = parse_parameters(base(), ProviderDefaults{".vault.example", "https://login.example/prefix//"});
  ASSERT_TRUE(p.ok()) << p.status().message();
  EXPECT_EQ(p->vault_url, "https://kv-1.vault.example");
  EXPECT_EQ(p->authority, "https://login.example/prefix");
}

TEST(ParseParameters, TenantIdWinsOverLegacyTenantId) {
  Attributes a = base();
  a["tenantId"] = "legacy";
  auto p = parse_parameters(a, kDefaults);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->tenant_id, "tenant-1");

  a.erase("tenantID");
  p = parse_parameters(a, kDefaults);
  ASSERT_TRUE(p.ok()) << p.status().message();
  EXPECT_EQ(p->tenant_id, "legacy");

  a["tenantID"] = "";  // an empty tenantID falls back too
  p = parse_parameters(a, kDefaults);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->tenant_id, "legacy");
}

TEST(ParseParameters, TenantIsRequiredAndAGuidOrDomain) {
  Attributes a = base();
  a.erase("tenantID");
  expect_reason(parse_parameters(a, kDefaults), errors::kInvalidParameters, "no tenant");
  for (const std::string good : {"72f988bf-86f1-41af-91ab-2d7cd011db47", "contoso.onmicrosoft.com", "adfs"}) {
    a["tenantID"] = good;
    auto p = parse_parameters(a, kDefaults);
    ASSERT_TRUE(p.ok()) << good << ": " << p.status().message();
    EXPECT_EQ(p->tenant_id, good);
  }
  for (const std::string& bad : std::vector<std::string>{"a/b", "../x", "a b", "t?x=1", "t#", std::string(129, 'a')}) {
    a["tenantID"] = bad;
    expect_reason(parse_parameters(a, kDefaults), errors::kInvalidParameters, bad);
  }
}

TEST(ParseParameters, KeyvaultNameRules) {
  Attributes a = base();
  for (const std::string& good : std::vector<std::string>{"abc", "ABC-123", "a-b", std::string(24, 'z'), "0-0"}) {
    a["keyvaultName"] = good;
    auto p = parse_parameters(a, kDefaults);
    ASSERT_TRUE(p.ok()) << good << ": " << p.status().message();
    EXPECT_EQ(p->vault_url, "https://" + good + ".vault.coffer.example:8443");
  }
  for (const std::string& bad : std::vector<std::string>{"", "ab", std::string(25, 'z'), "a_b", "a.bc", "kv/x", "kv 1",
                                                         "kv:1", "kv@x", "k\xc3\xa9y"}) {
    a["keyvaultName"] = bad;
    expect_reason(parse_parameters(a, kDefaults), errors::kInvalidParameters, "'" + bad + "'");
  }
  a.erase("keyvaultName");
  expect_reason(parse_parameters(a, kDefaults), errors::kInvalidParameters, "no keyvaultName");
}

TEST(ParseParameters, NoSuffixNeedsVaultUrl) {
  const ProviderDefaults no_suffix{"", "https://auth.example"};
  expect_reason(parse_parameters(base(), no_suffix), errors::kInvalidParameters, "no suffix");
  Attributes a = base();
  a["vaultUrl"] = "https://vault.example:8443";
  auto p = parse_parameters(a, no_suffix);
  ASSERT_TRUE(p.ok()) << p.status().message();
  EXPECT_EQ(p->vault_url, "https://vault.example:8443");
}

TEST(ParseParameters, BadSuffixIsRefused) {
  for (const std::string bad : {"vault example", "vault.example/path", "vault.example?x", "."}) {
    expect_reason(parse_parameters(base(), ProviderDefaults{bad, "https://auth.example"}), errors::kInvalidParameters,
                  bad);
  }
}

TEST(ParseParameters, VaultUrlOverridesNameAndSuffix) {
  Attributes a = base();
  a["vaultUrl"] = "https://other.example:9443/";
  a["keyvaultName"] = "x";  // ignored (it would be invalid)
  auto p = parse_parameters(a, kDefaults);
  ASSERT_TRUE(p.ok()) << p.status().message();
  EXPECT_EQ(p->vault_url, "https://other.example:9443");
  a.erase("keyvaultName");
  p = parse_parameters(a, kDefaults);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->vault_url, "https://other.example:9443");
}

TEST(ParseParameters, VaultUrlMustBeAnHttpsOrigin) {
  Attributes a = base();
  for (const std::string bad : {"http://vault.example", "https://vault.example/secrets", "https://vault.example/a/",
                                "https://vault.example?x=1", "https://user@vault.example", "vault.example", "https://",
                                "ftp://vault.example"}) {
    a["vaultUrl"] = bad;
    expect_reason(parse_parameters(a, kDefaults), errors::kInvalidParameters, bad);
  }
}

// ---- identity modes ----

TEST(ParseParameters, OneUnsupportedIdentityModeIsUnsupportedAuthMode) {
  for (const char* mode : {"usePodIdentity", "useVMManagedIdentity", "useAzureTokenProxy"}) {
    Attributes a = base();
    a[mode] = "true";
    auto p = parse_parameters(a, kDefaults);
    expect_reason(p, errors::kUnsupportedAuthMode, mode);
    if (!p.ok()) {
      EXPECT_NE(p.status().message().find(mode), std::string::npos) << p.status().message();
    }
  }
}

TEST(ParseParameters, IdentityModeCheckedBeforeOtherParameters) {
  // A class written for pod identity says so even when nothing else resolves.
  Attributes a{{"usePodIdentity", "T"}};
  expect_reason(parse_parameters(a, ProviderDefaults{}), errors::kUnsupportedAuthMode, "pod identity only");
}

TEST(ParseParameters, TwoIdentityModesAreInvalidParameters) {
  Attributes a = base();
  a["usePodIdentity"] = "true";
  a["useVMManagedIdentity"] = "1";
  expect_reason(parse_parameters(a, kDefaults), errors::kInvalidParameters, "two modes");
  a["useAzureTokenProxy"] = "True";
  expect_reason(parse_parameters(a, kDefaults), errors::kInvalidParameters, "three modes");
}

TEST(ParseParameters, FalseIdentityModesAreFine) {
  Attributes a = base();
  a["usePodIdentity"] = "false";
  a["useVMManagedIdentity"] = "0";
  a["useAzureTokenProxy"] = "";
  a["useManagedIdentity"] = "true";  // old docs' key: ignored
  auto p = parse_parameters(a, kDefaults);
  ASSERT_TRUE(p.ok()) << p.status().message();
}

TEST(ParseParameters, BadBooleanIsInvalidParameters) {
  Attributes a = base();
  a["useVMManagedIdentity"] = "yes";
  expect_reason(parse_parameters(a, kDefaults), errors::kInvalidParameters, "yes");
}

// ---- clouds ----

TEST(ParseParameters, KnownCloudNamesCaseInsensitively) {
  Attributes a = base();
  for (const char* cloud : {"AzurePublicCloud", "AzureUSGovernmentCloud", "AzureChinaCloud", "AzureGermanCloud",
                            "AzureStackCloud", "azurepubliccloud", "AZURECHINACLOUD"}) {
    a["cloudName"] = cloud;
    auto p = parse_parameters(a, kDefaults);
    ASSERT_TRUE(p.ok()) << cloud << ": " << p.status().message();
    // The cloud name does not change where Coffer fetches from.
    EXPECT_EQ(p->vault_url, "https://kv-1.vault.coffer.example:8443");
  }
  for (const char* bad : {"AzureMoonCloud", "Public", "AzurePublicCloud ", "x"}) {
    a["cloudName"] = bad;
    expect_reason(parse_parameters(a, kDefaults), errors::kInvalidParameters, bad);
  }
}

TEST(ParseParameters, CloudEnvFileOverridesSuffixAndAuthority) {
  TempFile env(R"({"name":"AzureStackCloud","keyVaultDNSSuffix":"vault.stack.example",)"
               R"("activeDirectoryEndpoint":"https://login.stack.example/","resourceManagerEndpoint":"x"})");
  Attributes a = base();
  a["cloudName"] = "AzureStackCloud";
  a["cloudEnvFileName"] = env.path();
  auto p = parse_parameters(a, kDefaults);
  ASSERT_TRUE(p.ok()) << p.status().message();
  EXPECT_EQ(p->vault_url, "https://kv-1.vault.stack.example");
  EXPECT_EQ(p->authority, "https://login.stack.example");
}

TEST(ParseParameters, CloudEnvFileMembersAreOptional) {
  Attributes a = base();
  {
    TempFile env(R"({"keyVaultDNSSuffix":"only.suffix.example"})");
    a["cloudEnvFileName"] = env.path();
    auto p = parse_parameters(a, kDefaults);
    ASSERT_TRUE(p.ok()) << p.status().message();
    EXPECT_EQ(p->vault_url, "https://kv-1.only.suffix.example");
    EXPECT_EQ(p->authority, kDefaults.authority_host);
  }
  {
    TempFile env(R"({"activeDirectoryEndpoint":"https://only.authority.example"})");
    a["cloudEnvFileName"] = env.path();
    auto p = parse_parameters(a, kDefaults);
    ASSERT_TRUE(p.ok()) << p.status().message();
    EXPECT_EQ(p->vault_url, "https://kv-1.vault.coffer.example:8443");
    EXPECT_EQ(p->authority, "https://only.authority.example");
  }
  {
    // The file alone can supply what the provider's flags do not.
    TempFile env(R"({"keyVaultDNSSuffix":"s.example","activeDirectoryEndpoint":"https://a.example"})");
    a["cloudEnvFileName"] = env.path();
    auto p = parse_parameters(a, ProviderDefaults{});
    ASSERT_TRUE(p.ok()) << p.status().message();
    EXPECT_EQ(p->vault_url, "https://kv-1.s.example");
    EXPECT_EQ(p->authority, "https://a.example");
  }
}

TEST(ParseParameters, CloudEnvFileMustBeAReadableJsonObject) {
  Attributes a = base();
  a["cloudEnvFileName"] = "/nonexistent/coffer/cloud-env.json";
  expect_reason(parse_parameters(a, kDefaults), errors::kInvalidParameters, "missing file");
  a["cloudEnvFileName"] = std::filesystem::temp_directory_path().string();  // a directory
  expect_reason(parse_parameters(a, kDefaults), errors::kInvalidParameters, "directory");
  for (const std::string bad : {"", "not json", "[]", "\"s\"", "{", R"({"keyVaultDNSSuffix":5})",
                                R"({"activeDirectoryEndpoint":null})", R"({"keyVaultDNSSuffix":["a"]})"}) {
    TempFile env(bad);
    a["cloudEnvFileName"] = env.path();
    expect_reason(parse_parameters(a, kDefaults), errors::kInvalidParameters, "file: " + bad);
  }
}

TEST(ParseParameters, OversizedCloudEnvFileIsRefused) {
  TempFile env(R"({"keyVaultDNSSuffix":"s.example","pad":")" + std::string(64 * 1024, 'x') + "\"}");
  Attributes a = base();
  a["cloudEnvFileName"] = env.path();
  expect_reason(parse_parameters(a, kDefaults), errors::kInvalidParameters, "65 KiB file");
}

TEST(ParseParameters, CloudEnvFileIsReadOnEveryCall) {
  Attributes a = base();
  TempFile env(R"({"keyVaultDNSSuffix":"first.example"})");
  a["cloudEnvFileName"] = env.path();
  ASSERT_EQ(parse_parameters(a, kDefaults)->vault_url, "https://kv-1.first.example");
  std::ofstream(env.path(), std::ios::trunc) << R"({"keyVaultDNSSuffix":"second.example"})";
  EXPECT_EQ(parse_parameters(a, kDefaults)->vault_url, "https://kv-1.second.example");
}

// ---- authority and CA bundle ----

TEST(ParseParameters, NoAuthorityIsInvalidParameters) {
  auto p = parse_parameters(base(), ProviderDefaults{"vault.example", ""});
  expect_reason(p, errors::kInvalidParameters, "no authority");
  // Only slashes is no authority either.
  expect_reason(parse_parameters(base(), ProviderDefaults{"vault.example", "///"}), errors::kInvalidParameters,
                "slashes");
}

TEST(ParseParameters, AuthorityMustBeHttps) {
  expect_reason(parse_parameters(base(), ProviderDefaults{"vault.example", "http://login.example"}),
                errors::kInvalidParameters, "http authority");
  TempFile env(R"({"activeDirectoryEndpoint":"http://login.example/"})");
  Attributes a = base();
  a["cloudEnvFileName"] = env.path();
  expect_reason(parse_parameters(a, kDefaults), errors::kInvalidParameters, "http authority from file");
}

TEST(ParseParameters, CaBundleMustBePem) {
  Attributes a = base();
  for (const std::string bad :
       {"not a pem", "MIIBIjANBgkqh", "-----BEGIN PUBLIC KEY-----\nMII\n-----END PUBLIC KEY-----\n"}) {
    a["caBundle"] = bad;
    expect_reason(parse_parameters(a, kDefaults), errors::kInvalidParameters, bad);
  }
}

}  // namespace
}  // namespace coffer::csi
