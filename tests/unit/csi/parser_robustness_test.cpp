// Robustness of the provider's parsers against malformed input: valid
// requests mutated at random (seeded, so runs repeat) — byte flips,
// truncations, insertions of YAML/JSON metacharacters — must always come
// back as a value or a failed Status with a Mount error code: never an
// exception, a crash or a hang.
#include <gtest/gtest.h>

#include <random>
#include <string>

#include "../support/mutation.hpp"
#include "csi/mount_errors.hpp"
#include "csi/mount_request.hpp"
#include "csi/object_specs.hpp"
#include "csi/parameters.hpp"
#include "csi/vault_objects.hpp"

namespace coffer::csi {
namespace {

constexpr int kRounds = 3000;

using coffer::testing::mutate;

template <typename T>
void expect_value_or_coded_error(const Result<T>& r) {
  if (!r.ok()) {
    EXPECT_FALSE(errors::code_of(r.status()).empty());
  }
}

TEST(ParserRobustness, ObjectsYaml) {
  const std::string valid =
      "array:\n"
      "  - |\n    objectName: db-password\n    objectType: secret\n    objectAlias: app/db\n    filePermission: 0640\n"
      "  - |\n    objectName: tls\n    objectType: secret\n    objectFormat: pfx\n    objectEncoding: base64\n"
      "  - |\n    objectName: signing\n    objectType: key\n    objectVersionHistory: 3\n";
  coffer::testing::expect_robust(
      "parse_objects", valid, [](const std::string& s) { return parse_objects(s).status(); },
      [](const Status& st) { return !errors::code_of(st).empty(); }, 20261128, kRounds);
}

TEST(ParserRobustness, AttributesSecretsPermissionAndParameters) {
  const std::string attributes =
      R"({"keyvaultName":"dev","tenantID":"11111111-2222-3333-4444-555555555555","usePodIdentity":"false",)"
      R"("csi.storage.k8s.io/serviceAccount.tokens":"{\"api://AzureADTokenExchange\":{\"token\":\"eyJ.x.y\"}}"})";
  const std::string secrets = R"({"clientid":"app","clientsecret":"s3cret"})";
  const ProviderDefaults defaults{"vault.localhost:8443", "https://localhost:8443"};
  std::mt19937 rng(7);
  for (int i = 0; i < kRounds; ++i) {
    const std::string a = mutate(attributes, rng);
    const std::string s = mutate(secrets, rng);
    const std::string p = mutate("420", rng);
    try {
      auto parsed = parse_attributes(a);
      expect_value_or_coded_error(parsed);
      if (parsed.ok()) {
        expect_value_or_coded_error(parse_parameters(*parsed, defaults));
        expect_value_or_coded_error(service_account_token(*parsed, {}, "api://AzureADTokenExchange"));
      }
      expect_value_or_coded_error(parse_secrets(s));
      expect_value_or_coded_error(parse_permission(p));
    } catch (...) {
      ADD_FAILURE() << "a request parser threw on: " << ::testing::PrintToString(a);
    }
  }
}

TEST(ParserRobustness, VaultBodies) {
  const std::string secret =
      R"({"value":"hunter2","id":"https://v.vault.localhost/secrets/a/0123","contentType":"text/plain","kid":"https://v/keys/a/0123"})";
  const std::string key = R"({"key":{"kid":"https://v/keys/k/01","kty":"RSA","n":"AQAB","e":"AQAB"}})";
  const std::string cert = R"({"id":"https://v/certificates/c/01","cer":"MIIB"})";
  const std::string page =
      R"({"value":[{"id":"https://v/secrets/a/01","attributes":{"enabled":true,"created":1700000000}}],"nextLink":null})";
  std::mt19937 rng(42);
  const std::string feed =
      R"({"cursor":"12.3","reset":false,"more":true,"changes":[{"objectType":"secret","name":"db"},{"objectType":"access"}]})";
  const std::string batch = R"({"results":[{"status":200,"body":{"value":"v","id":"https://v/secrets/a/01"}},)"
                            R"({"status":404,"body":{"error":{"code":"SecretNotFound","message":"m"}}}]})";
  for (int i = 0; i < kRounds; ++i) {
    try {
      expect_value_or_coded_error(parse_vault_object(ObjectType::kSecret, mutate(secret, rng)));
      expect_value_or_coded_error(parse_vault_object(ObjectType::kKey, mutate(key, rng)));
      expect_value_or_coded_error(parse_vault_object(ObjectType::kCert, mutate(cert, rng)));
      expect_value_or_coded_error(parse_version_page(ObjectType::kSecret, mutate(page, rng)));
      expect_value_or_coded_error(parse_feed_page(mutate(feed, rng)));
      expect_value_or_coded_error(parse_batch_results(mutate(batch, rng), 2));
    } catch (...) {
      ADD_FAILURE() << "a vault body parser threw";
    }
  }
}

}  // namespace
}  // namespace coffer::csi
