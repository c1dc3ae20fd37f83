// KeyService over a real SQLite store and Keyring: versions, public-only
// output, operation checks, soft delete/purge, backup/restore, rotation.
#include "vault/key_service.hpp"

#include <gtest/gtest.h>

#include <openssl/evp.h>
#include <filesystem>

#include <fstream>
#include <sstream>

#include "crypto/keyring.hpp"
#include "crypto/random.hpp"
#include "store/store.hpp"
#include "vault/scheduler.hpp"
#include "vault/vault_registry.hpp"
#include "vault_test_env.hpp"

namespace coffer::vault {
namespace {

namespace fs = std::filesystem;

std::string sha256(std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_Digest(data.data(), data.size(), out, &n, EVP_sha256(), nullptr);
  return std::string(reinterpret_cast<char*>(out), n);
}

class KeyServiceTest : public testing::VaultTest {
 protected:
  void SetUp() override {
    VaultTest::SetUp();
    keys_ = std::make_unique<KeyService>(*store_, *keyring_, clock_);
  }
  void TearDown() override {
    keys_.reset();
    VaultTest::TearDown();
  }

  static KeyDraft draft(std::string kty, std::optional<int> size = std::nullopt) {
    KeyDraft d;
    d.kty = std::move(kty);
    d.key_size = size;
    return d;
  }

  std::unique_ptr<KeyService> keys_;
};

TEST_F(KeyServiceTest, CreateEveryTypeReturnsPublicPartsAndDefaultOps) {
  auto rsa = keys_->create(vault_, "Rsa", draft("RSA", 3072));
  ASSERT_TRUE(rsa.ok()) << rsa.status().message();
  EXPECT_EQ(rsa->name, "Rsa");
  EXPECT_EQ(rsa->kty, "RSA");
  EXPECT_EQ(rsa->key_size, 3072);
  EXPECT_EQ(rsa->public_key.n.size(), 384u);
  EXPECT_EQ(rsa->key_ops.size(), 6u);
  KeyDraft ec = draft("EC");
  ec.crv = "P-384";
  auto e = keys_->create(vault_, "ec", ec).value();
  EXPECT_EQ(e.public_key.crv, "P-384");
  EXPECT_EQ(e.public_key.x.size(), 48u);
  EXPECT_EQ(e.key_ops, (std::vector<std::string>{"sign", "verify"}));
  auto o = keys_->create(vault_, "sym", draft("oct", 128)).value();
  EXPECT_EQ(o.key_size, 128);
  EXPECT_TRUE(o.public_key.n.empty());

  EXPECT_EQ(keys_->create(vault_, "x", draft("RSA-HSM")).status().code(), Code::kBadParameter);
  EXPECT_EQ(keys_->create(vault_, "x", draft("DSA")).status().code(), Code::kBadParameter);
  EXPECT_EQ(keys_->create(vault_, "x", draft("RSA", 1000)).status().code(), Code::kBadParameter);
  EXPECT_EQ(keys_->create(vault_, "bad_name", draft("oct")).status().code(), Code::kBadParameter);
  KeyDraft ops = draft("oct");
  ops.key_ops = std::vector<std::string>{"fly"};
  EXPECT_EQ(keys_->create(vault_, "x", ops).status().code(), Code::kBadParameter);
  KeyDraft exp = draft("oct");
  exp.exportable = true;
  EXPECT_EQ(keys_->create(vault_, "x", exp).status().code(), Code::kBadParameter);
}

// The same identified request again (an SDK retry after a lost answer)
// returns the version the first one made; create, import and rotate alike.
TEST_F(KeyServiceTest, RepeatedIdentifiedRequestsMakeOneVersion) {
  KeyDraft d = draft("EC");
  d.idempotency_key = "create-1";
  auto first = keys_->create(vault_, "once", d).value();
  auto again = keys_->create(vault_, "once", d).value();
  EXPECT_EQ(again.version, first.version);
  EXPECT_EQ(again.public_key.x, first.public_key.x);
  auto rotated = keys_->rotate(vault_, "once", "rotate-1").value();
  EXPECT_EQ(keys_->rotate(vault_, "once", "rotate-1").value().version, rotated.version);
  EXPECT_EQ(keys_->list_versions(vault_, "once", {}).value().items.size(), 2u);
  EXPECT_NE(keys_->rotate(vault_, "once").value().version, rotated.version) << "unidentified: always new";
  EXPECT_EQ(keys_->list_versions(vault_, "once", {}).value().items.size(), 3u);
}

TEST_F(KeyServiceTest, EmulatedHsmAcceptsHsmTypes) {
  KeyService hsm(*store_, *keyring_, clock_, KeyServiceOptions{true});
  auto k = hsm.create(vault_, "h", draft("RSA-HSM"));
  ASSERT_TRUE(k.ok()) << k.status().message();
  EXPECT_EQ(k->kty, "RSA-HSM");
}

TEST_F(KeyServiceTest, VersionsGetUpdateAndList) {
  auto v1 = keys_->create(vault_, "k", draft("EC")).value();
  clock_.advance(10);
  auto v2 = keys_->create(vault_, "K", draft("EC")).value();
  EXPECT_NE(v1.version, v2.version);
  EXPECT_EQ(keys_->get(vault_, "k", "").value().version, v2.version);
  EXPECT_EQ(keys_->get(vault_, "k", v1.version).value().public_key.x, v1.public_key.x);
  EXPECT_EQ(keys_->get(vault_, "nope", "").status().code(), Code::kKeyNotFound);
  EXPECT_EQ(keys_->get(vault_, "k", "00000000000000000000000000000000").status().code(), Code::kKeyNotFound);
  EXPECT_EQ(keys_->get(vault_, "k", "bad").status().code(), Code::kKeyNotFound);

  KeyPatch patch;
  patch.enabled = false;
  patch.tags = Tags{{"env", "test"}};
  patch.key_ops = std::vector<std::string>{"sign"};
  auto up = keys_->update(vault_, "k", v1.version, patch).value();
  EXPECT_FALSE(up.attributes.enabled);
  EXPECT_EQ(up.tags.at("env"), "test");
  EXPECT_TRUE(keys_->get(vault_, "k", "").value().attributes.enabled);

  EXPECT_EQ(keys_->list_versions(vault_, "k", PageRequest{}).value().items.size(), 2u);
  keys_->create(vault_, "a", draft("oct")).value();
  auto page = keys_->list(vault_, PageRequest{1, ""}).value();
  ASSERT_EQ(page.items.size(), 1u);
  EXPECT_EQ(page.items[0].name, "a");
  auto page2 = keys_->list(vault_, PageRequest{1, page.next}).value();
  ASSERT_EQ(page2.items.size(), 1u);
  EXPECT_EQ(page2.items[0].name, "k");
  EXPECT_TRUE(page2.next.empty());
}

TEST_F(KeyServiceTest, OperationsRoundTripAndChecks) {
  auto rsa = keys_->create(vault_, "rsa", draft("RSA")).value();
  const std::string digest = sha256("hello");
  auto sig = keys_->sign(vault_, "rsa", "", "RS256", digest);
  ASSERT_TRUE(sig.ok()) << sig.status().message();
  EXPECT_EQ(sig->version, rsa.version);
  EXPECT_TRUE(keys_->verify(vault_, "rsa", rsa.version, "RS256", digest, sig->value.view()).value().verified);
  EXPECT_FALSE(keys_->verify(vault_, "rsa", "", "RS256", sha256("x"), sig->value.view()).value().verified);
  auto ct = keys_->encrypt(vault_, "rsa", "", "RSA-OAEP-256", "plain", {}, {}).value();
  EXPECT_EQ(keys_->decrypt(vault_, "rsa", "", "RSA-OAEP-256", ct.value.view(), {}, {}, {}).value().value.view(),
            "plain");
  auto w = keys_->wrap(vault_, "rsa", "", "RSA1_5", std::string(32, 'k')).value();
  EXPECT_EQ(keys_->unwrap(vault_, "rsa", "", "RSA1_5", w.value.view()).value().value.view(), std::string(32, 'k'));

  auto sym = keys_->create(vault_, "sym", draft("oct", 256)).value();
  auto gcm = keys_->encrypt(vault_, "sym", "", "A256GCM", "data", {}, "aad").value();
  EXPECT_EQ(gcm.iv.size(), 12u);
  EXPECT_EQ(gcm.tag.size(), 16u);
  EXPECT_EQ(keys_->decrypt(vault_, "sym", "", "A256GCM", gcm.value.view(), gcm.iv, "aad", gcm.tag).value().value.view(),
            "data");
  auto kw = keys_->wrap(vault_, "sym", "", "A256KW", std::string(16, 'z')).value();
  EXPECT_EQ(kw.value.size(), 24u);

  // Wrong algorithm for the type, wrong digest length: 400, never 500.
  EXPECT_EQ(keys_->sign(vault_, "rsa", "", "ES256", digest).status().code(), Code::kBadParameter);
  EXPECT_EQ(keys_->sign(vault_, "rsa", "", "RS256", "short").status().code(), Code::kBadParameter);
  EXPECT_EQ(keys_->sign(vault_, "sym", "", "RS256", digest).status().code(), Code::kBadParameter);  // not in key_ops
  EXPECT_EQ(keys_->decrypt(vault_, "sym", "", "A256GCM", "junk", gcm.iv, {}, gcm.tag).status().code(),
            Code::kBadParameter);
  EXPECT_EQ(keys_->sign(vault_, "missing", "", "RS256", digest).status().code(), Code::kKeyNotFound);

  // key_ops, enabled, nbf and exp.
  KeyPatch only_verify;
  only_verify.key_ops = std::vector<std::string>{"verify"};
  keys_->update(vault_, "rsa", "", only_verify).value();
  auto refused = keys_->sign(vault_, "rsa", "", "RS256", digest);
  EXPECT_EQ(refused.status().code(), Code::kBadParameter);
  EXPECT_EQ(refused.status().reason(), "OperationNotAllowed");
  KeyPatch disable;
  disable.enabled = false;
  keys_->update(vault_, "sym", "", disable).value();
  EXPECT_EQ(keys_->encrypt(vault_, "sym", "", "A256GCM", "d", {}, {}).status().reason(), "KeyDisabled");
  KeyDraft later = draft("oct");
  later.not_before = clock_.now() + 100;
  later.expires = clock_.now() + 200;
  keys_->create(vault_, "timed", later).value();
  EXPECT_EQ(keys_->encrypt(vault_, "timed", "", "A256GCM", "d", {}, {}).status().reason(), "KeyNotYetValid");
  clock_.advance(150);
  EXPECT_TRUE(keys_->encrypt(vault_, "timed", "", "A256GCM", "d", {}, {}).ok());
  clock_.advance(100);
  EXPECT_EQ(keys_->encrypt(vault_, "timed", "", "A256GCM", "d", {}, {}).status().reason(), "KeyExpired");
}

TEST_F(KeyServiceTest, ImportKeepsTheKeyAndRefusesBadJwks) {
  auto material = crypto::KeyMaterial::generate_ec("P-256K").value();
  KeyImport im;
  im.jwk = material.private_jwk().value();
  auto k = keys_->import(vault_, "imp", im);
  ASSERT_TRUE(k.ok()) << k.status().message();
  EXPECT_EQ(k->public_key.x, material.public_jwk().x);
  const std::string digest = sha256("m");
  auto sig = keys_->sign(vault_, "imp", "", "ES256K", digest).value();
  EXPECT_TRUE(material.verify("ES256K", digest, sig.value.view()).value());
  im.jwk.d = SecureString();
  EXPECT_EQ(keys_->import(vault_, "imp2", im).status().code(), Code::kBadParameter);
  im.jwk = material.private_jwk().value();
  im.hsm = true;
  EXPECT_EQ(keys_->import(vault_, "imp3", im).status().code(), Code::kBadParameter);
}

TEST_F(KeyServiceTest, SoftDeleteRecoverPurgeAndPurgeDue) {
  keys_->create(vault_, "k", draft("oct")).value();
  auto del = keys_->remove(vault_, "k").value();
  EXPECT_EQ(del.deletion.scheduled_purge_date, clock_.now() + 90 * 86400);
  EXPECT_EQ(keys_->get(vault_, "k", "").status().code(), Code::kKeyNotFound);
  EXPECT_EQ(keys_->create(vault_, "k", draft("oct")).status().reason(), "ObjectIsDeletedButRecoverable");
  EXPECT_EQ(keys_->list_deleted(vault_, PageRequest{}).value().items.size(), 1u);
  EXPECT_TRUE(keys_->recover(vault_, "k").ok());
  EXPECT_TRUE(keys_->get(vault_, "k", "").ok());
  EXPECT_EQ(keys_->purge(vault_, "k").code(), Code::kKeyNotFound);
  keys_->remove(vault_, "k").value();
  EXPECT_TRUE(keys_->purge(vault_, "k").ok());
  EXPECT_EQ(keys_->get_deleted(vault_, "k").status().code(), Code::kKeyNotFound);

  keys_->create(vault_, "old", draft("oct")).value();
  keys_->remove(vault_, "old").value();
  EXPECT_EQ(keys_->purge_due(clock_.now()).value(), 0u);
  EXPECT_EQ(keys_->purge_due(clock_.now() + 91 * 86400).value(), 1u);
  EXPECT_EQ(keys_->get_deleted(vault_, "old").status().code(), Code::kKeyNotFound);
}

TEST_F(KeyServiceTest, BackupRestoresEveryVersionIntoAnotherVault) {
  auto v1 = keys_->create(vault_, "b", draft("RSA")).value();
  auto v2 = keys_->create(vault_, "b", draft("RSA")).value();
  auto blob = keys_->backup(vault_, "b").value();
  auto other = registry_->create("other", VaultSettings{}).value();
  auto restored = keys_->restore(other, blob);
  ASSERT_TRUE(restored.ok()) << restored.status().message();
  EXPECT_EQ(restored->version, v2.version);
  EXPECT_EQ(keys_->list_versions(other, "b", PageRequest{}).value().items.size(), 2u);
  const std::string digest = sha256("x");
  auto sig = keys_->sign(other, "b", v1.version, "PS256", digest).value();
  EXPECT_TRUE(keys_->verify(vault_, "b", v1.version, "PS256", digest, sig.value.view()).value().verified);
  EXPECT_EQ(keys_->restore(other, blob).status().code(), Code::kConflict);
  EXPECT_EQ(keys_->restore(other, "garbage").status().code(), Code::kBadParameter);
}

TEST_F(KeyServiceTest, StoreHoldsNoPrivateKeyBytes) {
  crypto::Jwk jwk;
  jwk.kty = "oct";
  jwk.k = SecureString(std::string("SIXTEEN-BYTE-KEY"));
  KeyImport im;
  im.jwk = jwk;
  keys_->import(vault_, "plain", im).value();
  store_.reset();
  std::string all;
  for (const auto& e : fs::directory_iterator(dir_)) {
    std::ifstream in(e.path(), std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    all += ss.str();
  }
  EXPECT_EQ(all.find("SIXTEEN-BYTE-KEY"), std::string::npos);
}

TEST_F(KeyServiceTest, RotationPolicyAndScheduledRotation) {
  auto first = keys_->create(vault_, "r", draft("EC")).value();
  auto dflt = keys_->get_rotation_policy(vault_, "r").value();
  EXPECT_FALSE(dflt.stored);

  RotationPolicy bad;
  bad.expiry_time = "P1D";
  bad.expiry_seconds = 86400;
  EXPECT_EQ(keys_->set_rotation_policy(vault_, "r", bad).status().code(), Code::kBadParameter);

  RotationPolicy p;
  p.expiry_time = "P90D";
  p.expiry_seconds = 90 * 86400;
  p.lifetime_actions.push_back(LifetimeAction{"rotate", "P30D", std::nullopt, 30 * 86400, 0, std::nullopt, 0, 0});
  auto stored = keys_->set_rotation_policy(vault_, "r", p);
  ASSERT_TRUE(stored.ok()) << stored.status().message();
  EXPECT_TRUE(keys_->get_rotation_policy(vault_, "r").value().stored);

  SecretService secrets(*store_, *keyring_, clock_);
  MaintenanceScheduler sched(secrets, clock_, std::chrono::seconds(3600));
  sched.attach_keys(*keys_, *registry_);
  clock_.advance(29 * 86400);
  EXPECT_EQ(sched.run_once().value().keys_rotated, 0u);
  clock_.advance(2 * 86400);
  EXPECT_EQ(sched.run_once().value().keys_rotated, 1u);
  auto now = keys_->get(vault_, "r", "").value();
  EXPECT_NE(now.version, first.version);
  EXPECT_EQ(now.public_key.crv, "P-256");
  ASSERT_TRUE(now.attributes.expires.has_value());
  EXPECT_EQ(*now.attributes.expires, clock_.now() + 90 * 86400);
  EXPECT_EQ(sched.run_once().value().keys_rotated, 0u);

  auto manual = keys_->rotate(vault_, "r").value();
  EXPECT_EQ(keys_->list_versions(vault_, "r", PageRequest{}).value().items.size(), 3u);
  EXPECT_EQ(manual.key_ops, first.key_ops);
  EXPECT_EQ(keys_->rotate(vault_, "none").status().code(), Code::kKeyNotFound);
  EXPECT_EQ(keys_->release(vault_, "r", "").code(), Code::kBadParameter);
}

}  // namespace
}  // namespace coffer::vault
