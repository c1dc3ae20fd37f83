#include "cli/endpoints.hpp"

#include <gtest/gtest.h>

namespace coffer::cli {
namespace {

TEST(Endpoints, SuffixFromVaultUrl) {
  EXPECT_EQ(*suffix_from_vault_url("https://dev.vault.localhost:8443"), "vault.localhost:8443");
  EXPECT_EQ(*suffix_from_vault_url("https://Dev.Vault.Localhost:8443/"), "vault.localhost:8443");
  EXPECT_EQ(*suffix_from_vault_url("https://myvault.vault.azure.net"), "vault.azure.net");
  EXPECT_FALSE(suffix_from_vault_url("https://localhost:8443").ok());
  EXPECT_FALSE(suffix_from_vault_url("http://dev.vault.localhost:8443").ok());
  EXPECT_FALSE(suffix_from_vault_url("dev.vault.localhost").ok());
}

TEST(Endpoints, VaultOriginAndResource) {
  EXPECT_EQ(vault_origin("vault.localhost:8443", "MyVault"), "https://myvault.vault.localhost:8443");
  EXPECT_EQ(vault_resource("dev.vault.localhost:8443", "vault.localhost:8443"), "https://vault.localhost:8443");
  EXPECT_EQ(vault_resource("dev.other.test:9443", "vault.localhost:8443"), "https://other.test:9443");
  EXPECT_EQ(vault_resource("localhost:8443", "vault.localhost:8443"), "https://vault.localhost:8443");
  EXPECT_EQ(vault_resource("dev.vault.localhost:8443", ""), "https://vault.localhost:8443");
}

TEST(Endpoints, Encoding) {
  EXPECT_EQ(percent_encode("a-b_c.d~e"), "a-b_c.d~e");
  EXPECT_EQ(percent_encode("a b/c?d"), "a%20b%2Fc%3Fd");
  EXPECT_EQ(form_encode({{"grant_type", "client_credentials"}, {"scope", "https://v.l:1/.default"}}),
            "grant_type=client_credentials&scope=https%3A%2F%2Fv.l%3A1%2F.default");
}

TEST(Endpoints, SecretIds) {
  auto id = parse_object_id("https://Dev.vault.localhost:8443/secrets/db-password/0123456789abcdef0123456789abcdef",
                            "secrets");
  ASSERT_TRUE(id.ok());
  EXPECT_EQ(id->origin, "https://dev.vault.localhost:8443");
  EXPECT_EQ(id->host, "dev.vault.localhost:8443");
  EXPECT_EQ(id->name, "db-password");
  EXPECT_EQ(id->version, "0123456789abcdef0123456789abcdef");
  auto latest = parse_object_id("https://dev.vault.localhost:8443/secrets/db-password/", "secrets");
  ASSERT_TRUE(latest.ok());
  EXPECT_EQ(latest->name, "db-password");
  EXPECT_EQ(latest->version, "");
  EXPECT_FALSE(parse_object_id("https://dev.vault.localhost:8443/keys/k", "secrets").ok());
  EXPECT_FALSE(parse_object_id("https://dev.vault.localhost:8443/secrets", "secrets").ok());
  EXPECT_FALSE(parse_object_id("https://dev.vault.localhost:8443/secrets/a/b/c", "secrets").ok());
}

TEST(Endpoints, NameFromId) {
  EXPECT_EQ(name_from_id("https://v.vault.localhost:8443/secrets/s1/abc"), "s1");
  EXPECT_EQ(name_from_id("https://v.vault.localhost:8443/secrets/s1"), "s1");
  EXPECT_EQ(name_from_id("https://v.vault.localhost:8443/deletedsecrets/s2"), "s2");
  EXPECT_EQ(name_from_id("https://v.vault.localhost:8443/other/s2"), "");
  EXPECT_EQ(name_from_id("not a url"), "");
}

TEST(Endpoints, NextLinkTarget) {
  const std::string origin = "https://dev.vault.localhost:8443";
  EXPECT_EQ(*next_link_target("https://dev.vault.localhost:8443/secrets?api-version=7.4&$skiptoken=abc&maxresults=2",
                              origin, "7.4"),
            "/secrets?api-version=7.4&$skiptoken=abc&maxresults=2");
  EXPECT_EQ(*next_link_target("https://dev.vault.localhost:8443/secrets?$skiptoken=abc", origin, "7.4"),
            "/secrets?$skiptoken=abc&api-version=7.4");
  EXPECT_EQ(*next_link_target("https://dev.vault.localhost/secrets", "https://dev.vault.localhost:443", "7.4"),
            "/secrets?api-version=7.4");
  EXPECT_FALSE(next_link_target("https://evil.example:8443/secrets?x=1", origin, "7.4").ok());
}

}  // namespace
}  // namespace coffer::cli
