// CertificateService over a real store and keyring: a Self-signed create
// gives three linked objects (certificate, managed key, managed secret with
// PKCS#12 or PEM per the policy), non-exportable policies keep the private
// key out of the secret, issuer Unknown leaves a pending version with a CSR,
// and delete / recover / purge move all three together.
#include "vault/certificate_service.hpp"

#include <gtest/gtest.h>

#include <filesystem>

#include "common/base64.hpp"
#include "crypto/certificate.hpp"
#include "crypto/certificate_issue.hpp"
#include "crypto/key_material.hpp"
#include "crypto/keyring.hpp"
#include "crypto/pem_bundle.hpp"
#include "crypto/pkcs12.hpp"
#include "crypto/random.hpp"
#include "store/store.hpp"
#include "vault/key_service.hpp"
#include "vault/secret_service.hpp"
#include "vault/vault_registry.hpp"
#include "vault_test_env.hpp"

namespace coffer::vault {
namespace {

namespace fs = std::filesystem;

class CertificateServiceTest : public testing::VaultTest {
 protected:
  VaultSettings vault_settings() const override {
    VaultSettings settings;
    settings.retention_days = 7;
    return settings;
  }
  void SetUp() override {
    VaultTest::SetUp();
    certs_ = std::make_unique<CertificateService>(*store_, *keyring_, clock_);
    secrets_ = std::make_unique<SecretService>(*store_, *keyring_, clock_);
    keys_ = std::make_unique<KeyService>(*store_, *keyring_, clock_);
  }
  void TearDown() override {
    keys_.reset();
    secrets_.reset();
    certs_.reset();
    VaultTest::TearDown();
  }

  static CertificateDraft draft(const std::string& subject) {
    CertificateDraft d;
    d.policy = default_certificate_policy();
    d.policy.x509.subject = subject;
    return d;
  }

  std::unique_ptr<CertificateService> certs_;
  std::unique_ptr<SecretService> secrets_;
  std::unique_ptr<KeyService> keys_;
};

TEST_F(CertificateServiceTest, SelfSignedCreateMakesThreeLinkedObjects) {
  CertificateDraft d = draft("CN=web.example");
  d.policy.x509.dns_names = {"web.example"};
  d.tags = {{"team", "web"}};
  auto op = certs_->create(vault_, "Web", d).value();
  EXPECT_EQ(op.status, "completed");
  EXPECT_EQ(op.issuer, "Self");

  auto cert = certs_->get(vault_, "web", "").value();
  const auto& p = cert.properties;
  EXPECT_EQ(p.name, "Web");
  EXPECT_EQ(p.version, op.version);
  EXPECT_TRUE(p.attributes.enabled);
  EXPECT_EQ(p.tags, d.tags);
  auto leaf = crypto::Certificate::from_der(p.cer).value();
  EXPECT_EQ(leaf.subject(), "CN=web.example");
  EXPECT_EQ(leaf.dns_names(), std::vector<std::string>{"web.example"});
  EXPECT_EQ(p.x5t, leaf.x5t());
  EXPECT_EQ(p.attributes.not_before, leaf.not_before());
  EXPECT_EQ(p.attributes.expires, leaf.not_after());
  EXPECT_EQ(leaf.not_before(), clock_.now() - 600);
  EXPECT_EQ(cert.policy.x509.subject, "CN=web.example");

  // The key: same name and version, managed, usable, the certificate's public key.
  auto key = keys_->get(vault_, "web", op.version).value();
  EXPECT_TRUE(key.managed);
  EXPECT_EQ(key.kty, "RSA");
  EXPECT_EQ(key.key_size, 2048);
  EXPECT_EQ(key.attributes.expires, p.attributes.expires);
  // The secret: PKCS#12 (base64) with the private key matching the leaf.
  auto secret = secrets_->get(vault_, "web", op.version).value();
  EXPECT_TRUE(secret.properties.managed);
  EXPECT_EQ(secret.properties.content_type, "application/x-pkcs12");
  auto pfx = base64_decode(secret.value.view());
  ASSERT_TRUE(pfx.has_value());
  auto opened = crypto::parse_pkcs12(*pfx, "").value();
  ASSERT_TRUE(opened.key.has_value());
  EXPECT_TRUE(leaf.public_key_matches(*opened.key));
  ASSERT_EQ(opened.chain.size(), 1u);
  EXPECT_EQ(opened.chain[0].der(), p.cer);

  // Managed: the key and secret APIs may not change them.
  EXPECT_EQ(secrets_->remove(vault_, "web").status().reason(), "SecretManagedByKeyVault");
  EXPECT_EQ(keys_->remove(vault_, "web").status().reason(), "KeyManagedByKeyVault");
  EXPECT_EQ(certs_->get_operation(vault_, "web")->status, "completed");
}

TEST_F(CertificateServiceTest, RepeatedIdentifiedCreateMakesOneVersion) {
  CertificateDraft d = draft("CN=once.example");
  d.idempotency_key = "create-1";
  auto first = certs_->create(vault_, "once", d).value();
  auto again = certs_->create(vault_, "once", d).value();
  EXPECT_EQ(again.version, first.version);
  EXPECT_EQ(certs_->list_versions(vault_, "once", {}).value().items.size(), 1u);
  d.idempotency_key = "create-2";
  EXPECT_NE(certs_->create(vault_, "once", d).value().version, first.version);
  EXPECT_EQ(certs_->list_versions(vault_, "once", {}).value().items.size(), 2u);
}

TEST_F(CertificateServiceTest, PemSecretAndNonExportableKey) {
  CertificateDraft d = draft("CN=ec.example");
  d.policy.key = CertificateKeyProps{false, "EC", 256, "P-256", false};
  d.policy.content_type = "application/x-pem-file";
  d.policy.x509.key_usage = {"digitalSignature"};
  auto op = certs_->create(vault_, "ec", d).value();
  auto secret = secrets_->get(vault_, "ec", "").value();
  EXPECT_EQ(secret.properties.content_type, "application/x-pem-file");
  EXPECT_EQ(secret.value.view().find("PRIVATE KEY"), std::string_view::npos) << "not exportable";
  auto bundle = crypto::parse_pem_bundle(secret.value.view()).value();
  EXPECT_FALSE(bundle.key.has_value());
  ASSERT_EQ(bundle.chain.size(), 1u);
  auto key = keys_->get(vault_, "ec", "").value();
  EXPECT_EQ(key.kty, "EC");
  EXPECT_EQ(key.key_ops, (std::vector<std::string>{"sign", "verify"}));
  EXPECT_EQ(key.version, op.version);
}

TEST_F(CertificateServiceTest, UnknownIssuerLeavesAPendingVersionWithACsr) {
  CertificateDraft d = draft("CN=external.example");
  d.policy.issuer = "Unknown";
  auto op = certs_->create(vault_, "ext", d).value();
  EXPECT_EQ(op.status, "inProgress");
  EXPECT_NE(op.status_details.find("Please Perform Merge"), std::string::npos);
  EXPECT_EQ(static_cast<unsigned char>(op.csr.at(0)), 0x30) << "DER";
  auto cert = certs_->get(vault_, "ext", "").value();
  EXPECT_FALSE(cert.properties.attributes.enabled);
  EXPECT_TRUE(cert.properties.cer.empty());
  EXPECT_TRUE(keys_->get(vault_, "ext", "")->managed);
  EXPECT_EQ(secrets_->get(vault_, "ext", "").status().code(), Code::kSecretNotFound) << "no secret before merge";
  EXPECT_EQ(certs_->get_operation(vault_, "ext")->csr, op.csr);
  EXPECT_TRUE(certs_->list(vault_, {}, false)->items.empty()) << "pending only with include_pending";
  EXPECT_EQ(certs_->list(vault_, {}, true)->items.size(), 1u);
  EXPECT_EQ(certs_->get_operation(vault_, "nothing").status().reason(), "PendingCertificateNotFound");
}

TEST_F(CertificateServiceTest, DeleteRecoverPurgeMoveAllThree) {
  auto op = certs_->create(vault_, "c", draft("CN=c")).value();
  auto deleted = certs_->remove(vault_, "c").value();
  EXPECT_EQ(deleted.deletion.scheduled_purge_date, clock_.now() + 7 * 86400);
  EXPECT_EQ(certs_->get(vault_, "c", "").status().code(), Code::kCertificateNotFound);
  EXPECT_EQ(keys_->get(vault_, "c", "").status().code(), Code::kKeyNotFound);
  EXPECT_EQ(secrets_->get(vault_, "c", "").status().code(), Code::kSecretNotFound);
  EXPECT_TRUE(secrets_->list_deleted(vault_, {}).value().items.empty()) << "a certificate's are not listed";
  EXPECT_EQ(secrets_->recover(vault_, "c").status().reason(), "SecretManagedByKeyVault");
  EXPECT_EQ(keys_->purge(vault_, "c").code(), Code::kForbidden);
  EXPECT_EQ(certs_->list_deleted(vault_, {}).value().items.size(), 1u);
  EXPECT_EQ(certs_->create(vault_, "c", draft("CN=c")).status().reason(), "ObjectIsDeletedButRecoverable");

  auto recovered = certs_->recover(vault_, "c").value();
  EXPECT_EQ(recovered.properties.version, op.version);
  EXPECT_TRUE(keys_->get(vault_, "c", "").ok());
  EXPECT_TRUE(secrets_->get(vault_, "c", "").ok());

  ASSERT_TRUE(certs_->remove(vault_, "c").ok());
  ASSERT_TRUE(certs_->purge(vault_, "c").ok());
  EXPECT_EQ(keys_->get_deleted(vault_, "c").status().code(), Code::kKeyNotFound);
  EXPECT_EQ(secrets_->get_deleted(vault_, "c").status().code(), Code::kSecretNotFound);
  EXPECT_TRUE(certs_->create(vault_, "c", draft("CN=c")).ok()) << "the name is free again";
}

TEST_F(CertificateServiceTest, RetentionPurgeTakesAllThree) {
  ASSERT_TRUE(certs_->create(vault_, "old", draft("CN=old")).ok());
  ASSERT_TRUE(certs_->remove(vault_, "old").ok());
  EXPECT_EQ(certs_->purge_due(clock_.now()).value(), 0u);
  clock_.advance(7 * 86400);
  EXPECT_EQ(certs_->purge_due(clock_.now()).value(), 1u);
  EXPECT_EQ(certs_->get_deleted(vault_, "old").status().code(), Code::kCertificateNotFound);
  EXPECT_EQ(keys_->get_deleted(vault_, "old").status().code(), Code::kKeyNotFound);
}

TEST_F(CertificateServiceTest, BadInputAndNamesHeldByOthers) {
  SecretDraft s;
  s.value = SecureString("mine");
  ASSERT_TRUE(secrets_->set(vault_, "taken", s).ok());
  EXPECT_EQ(certs_->create(vault_, "taken", draft("CN=x")).status().code(), Code::kConflict);
  EXPECT_EQ(certs_->get(vault_, "taken", "").status().code(), Code::kCertificateNotFound) << "nothing half-made";
  EXPECT_EQ(certs_->create(vault_, "bad_name", draft("CN=x")).status().code(), Code::kBadParameter);
  CertificateDraft no_subject = draft("");
  EXPECT_EQ(certs_->create(vault_, "x", no_subject).status().code(), Code::kBadParameter);
  CertificateDraft bad_size = draft("CN=x");
  bad_size.policy.key.key_size = 1000;
  EXPECT_EQ(certs_->create(vault_, "x", bad_size).status().code(), Code::kBadParameter);
  EXPECT_EQ(certs_->get(vault_, "x", "nothex").status().code(), Code::kCertificateNotFound);
}

TEST_F(CertificateServiceTest, ImportPfxAndPemDerivesThePolicy) {
  auto key = crypto::KeyMaterial::generate_ec("P-256").value();
  crypto::CertificateProfile profile;
  profile.subject = "CN=imported.example, O=Coffer";
  profile.dns_names = {"imported.example"};
  profile.key_usage = {"digitalSignature"};
  profile.ekus = {"1.3.6.1.5.5.7.3.1"};
  profile.validity_months = 12;
  auto leaf = crypto::issue_certificate(key, profile, clock_.now(), nullptr, nullptr).value();
  CertificateImport im;
  im.value = crypto::make_pkcs12(&key, {leaf}).value();
  im.tags = {{"from", "pfx"}};
  auto c = certs_->import(vault_, "imp", im).value();
  EXPECT_EQ(c.properties.cer, leaf.der());
  EXPECT_EQ(c.properties.tags, im.tags);
  EXPECT_EQ(c.policy.issuer, "Unknown");
  EXPECT_EQ(c.policy.key.kty, "EC");
  EXPECT_EQ(c.policy.key.crv, "P-256");
  EXPECT_EQ(c.policy.x509.subject, "CN=imported.example, O=Coffer");
  EXPECT_EQ(c.policy.x509.dns_names, profile.dns_names);
  EXPECT_EQ(c.policy.x509.validity_months, 13) << "12 months and 10 minutes, rounded up";
  EXPECT_EQ(c.policy.content_type, "application/x-pkcs12");
  ASSERT_EQ(c.policy.lifetime_actions.size(), 1u);
  EXPECT_EQ(c.policy.lifetime_actions[0].action, "EmailContacts");
  EXPECT_TRUE(keys_->get(vault_, "imp", c.properties.version)->managed);
  EXPECT_TRUE(secrets_->get(vault_, "imp", "")->properties.managed);

  // PEM: a second version, PEM secret.
  CertificateImport pem;
  pem.pem = true;
  pem.value = crypto::make_pem_bundle(&key, {leaf}).value();
  auto c2 = certs_->import(vault_, "imp", pem).value();
  EXPECT_NE(c2.properties.version, c.properties.version);
  EXPECT_EQ(c2.policy.content_type, "application/x-pem-file");
  EXPECT_EQ(certs_->list_versions(vault_, "imp", {})->items.size(), 2u);
  EXPECT_NE(secrets_->get(vault_, "imp", "")->value.view().find("PRIVATE KEY"), std::string_view::npos);

  // Without the private key, or wrong password, or garbage: 400.
  CertificateImport no_key;
  no_key.pem = true;
  no_key.value = SecureString(leaf.pem());
  EXPECT_EQ(certs_->import(vault_, "x", no_key).status().code(), Code::kBadParameter);
  CertificateImport locked = im;
  locked.password = SecureString("wrong");
  EXPECT_EQ(certs_->import(vault_, "x", locked).status().code(), Code::kBadParameter);
  CertificateImport junk;
  junk.value = SecureString("not a pfx");
  EXPECT_EQ(certs_->import(vault_, "x", junk).status().code(), Code::kBadParameter);
}

// A successful merge needs the CSR signed by a CA (Python's cryptography
// does that in test_certificates_sdk.py); here: what merge must refuse.
TEST_F(CertificateServiceTest, MergeRefusesACertificateForAnotherKey) {
  auto ca_key = crypto::KeyMaterial::generate_ec("P-256").value();
  crypto::CertificateProfile ca_profile;
  ca_profile.subject = "CN=Outside CA";
  ca_profile.ca = true;
  ca_profile.key_usage = {"keyCertSign", "cRLSign"};
  auto ca = crypto::issue_certificate(ca_key, ca_profile, clock_.now(), nullptr, nullptr).value();

  CertificateDraft d = draft("CN=merged.example");
  d.policy.issuer = "Unknown";
  auto op = certs_->create(vault_, "m", d).value();
  auto other = crypto::KeyMaterial::generate_ec("P-256").value();
  crypto::CertificateProfile leaf_profile;
  leaf_profile.subject = "CN=merged.example";
  auto wrong = crypto::issue_certificate(other, leaf_profile, clock_.now(), &ca, &ca_key).value();
  auto refused = certs_->merge(vault_, "m", {wrong.der(), ca.der()}, {});
  EXPECT_EQ(refused.status().code(), Code::kBadParameter);
  EXPECT_NE(refused.status().message().find("does not match"), std::string::npos);
  EXPECT_EQ(certs_->get_operation(vault_, "m")->status, "inProgress");
  EXPECT_EQ(certs_->merge(vault_, "nothing", {wrong.der()}, {}).status().reason(), "PendingCertificateNotFound");
  EXPECT_EQ(certs_->merge(vault_, "m", {"garbage"}, {}).status().code(), Code::kBadParameter);
  EXPECT_EQ(op.status, "inProgress");
}

TEST_F(CertificateServiceTest, UpdateMirrorsOntoKeyAndSecretAndPolicyIsReplaced) {
  auto op = certs_->create(vault_, "u", draft("CN=u")).value();
  CertificatePatch patch;
  patch.enabled = false;
  patch.tags = Tags{{"env", "prod"}};
  auto c = certs_->update(vault_, "u", "", patch).value();
  EXPECT_FALSE(c.properties.attributes.enabled);
  EXPECT_EQ(c.properties.tags, *patch.tags);
  EXPECT_FALSE(keys_->get(vault_, "u", op.version)->attributes.enabled);
  EXPECT_EQ(secrets_->get(vault_, "u", "").status().code(), Code::kForbidden) << "a disabled secret";

  CertificatePolicy p = certs_->get_policy(vault_, "u").value();
  const int64_t created = p.created;
  clock_.advance(60);
  p.x509.validity_months = 6;
  p.key.reuse_key = true;
  auto stored = certs_->set_policy(vault_, "u", p).value();
  EXPECT_EQ(stored.created, created);
  EXPECT_EQ(stored.updated, clock_.now());
  EXPECT_EQ(certs_->get_policy(vault_, "u")->x509.validity_months, 6);
  p.key.key_size = 1;
  EXPECT_EQ(certs_->set_policy(vault_, "u", p).status().code(), Code::kBadParameter);

  EXPECT_TRUE(certs_->cancel_operation(vault_, "u")->cancellation_requested);
  EXPECT_TRUE(certs_->delete_operation(vault_, "u").ok());
  EXPECT_EQ(certs_->get_operation(vault_, "u").status().reason(), "PendingCertificateNotFound");
  EXPECT_TRUE(certs_->get(vault_, "u", "").ok()) << "the certificate stays";
}

TEST_F(CertificateServiceTest, AutoRenewByLifetimeShareOrDaysBeforeExpiry) {
  CertificateDraft share = draft("CN=share");
  share.policy.x509.validity_months = 1;  // AutoRenew at 80 % (the default action)
  share.tags = {{"keep", "me"}};
  auto first = certs_->create(vault_, "share", share).value();
  CertificateDraft days = draft("CN=days");
  days.policy.x509.validity_months = 12;
  days.policy.lifetime_actions = {{std::nullopt, 30, "AutoRenew"}};
  days.policy.key.reuse_key = true;
  auto days_first = certs_->create(vault_, "days", days).value();
  CertificateDraft manual = draft("CN=manual");
  manual.policy.lifetime_actions = {{80, std::nullopt, "EmailContacts"}};
  ASSERT_TRUE(certs_->create(vault_, "manual", manual).ok());

  const std::vector<VaultInfo> vaults{vault_};
  EXPECT_EQ(certs_->renew_due(vaults, clock_.now()).value(), 0u);
  clock_.advance(20 * 86400);
  EXPECT_EQ(certs_->renew_due(vaults, clock_.now()).value(), 0u) << "20 of ~30 days";
  clock_.advance(5 * 86400);
  EXPECT_EQ(certs_->renew_due(vaults, clock_.now()).value(), 1u) << "past 80 %";
  auto renewed = certs_->get(vault_, "share", "").value();
  EXPECT_NE(renewed.properties.version, first.version);
  EXPECT_EQ(renewed.properties.tags, share.tags);
  EXPECT_EQ(renewed.properties.attributes.not_before, clock_.now() - 600);
  EXPECT_NE(keys_->get(vault_, "share", "")->public_key.n, keys_->get(vault_, "share", first.version)->public_key.n)
      << "a new key";
  EXPECT_EQ(certs_->renew_due(vaults, clock_.now()).value(), 0u) << "the new version is not due";

  clock_.advance(312 * 86400);  // 337 days after "days" was issued (366-day year): within 30 days of expiry
  EXPECT_EQ(certs_->renew_due(vaults, clock_.now()).value(), 2u);  // "days", and "share" again
  auto days_now = keys_->get(vault_, "days", "").value();
  EXPECT_NE(days_now.version, days_first.version);
  EXPECT_EQ(days_now.public_key.n, keys_->get(vault_, "days", days_first.version)->public_key.n) << "reuse_key";
  EXPECT_EQ(certs_->list_versions(vault_, "manual", {})->items.size(), 1u) << "EmailContacts does not renew";
}

}  // namespace
}  // namespace coffer::vault
