// The HSM seal's state against SoftHSM2. Recovery shares (SEAL-SPEC.md
// §1.6): they are generated once while unsealed, the recovery key is kept
// only encrypted by the HSM, a quorum of them (with the HSM) unseals a
// server an operator sealed — a wrong set, or a share of another set, does
// not — and a recovery rekey replaces them without touching the root keys.
// Seal-key rotation (§1.7): a new key configured takes the seal over at the
// next unseal, after which the earlier key opens nothing. Skipped when
// SoftHSM2 is not installed.
#include <gtest/gtest.h>

#include <filesystem>

#include "crypto/random.hpp"
#include "seal/seal_state.hpp"
#include "secret_scan.hpp"
#include "softhsm_token.hpp"

namespace coffer::seal {
namespace {

namespace fs = std::filesystem;

class Pkcs11SealTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!testing::SoftHsmToken::available()) GTEST_SKIP() << "SoftHSM2 is not installed";
    ASSERT_TRUE(hsm_.init());
    ASSERT_TRUE(Pkcs11Token::generate_key(testing::SoftHsmToken::options()).ok());
    token_ = std::move(Pkcs11Token::open(testing::SoftHsmToken::options()).value());
    store_ = std::move(store::open_sqlite_store({(hsm_.dir() / "db").string()}).value());
    seal_ = std::make_unique<SealState>(*store_, clock_);
    ASSERT_TRUE(seal_->load().ok());
    ASSERT_TRUE(seal_->unseal_with_token(*token_).ok());
  }
  void TearDown() override {
    seal_.reset();
    store_.reset();
    token_.reset();
  }
  static TokenOpener opener(std::string key_label = "coffer-seal") {
    return [key_label] { return Pkcs11Token::open(testing::SoftHsmToken::options(key_label)); };
  }
  static KeyOpener key_opener() {
    return [](const std::string& token_label, const std::string& key_label) {
      Pkcs11Options o = testing::SoftHsmToken::options(key_label);
      o.token_label = token_label;
      return Pkcs11Token::open(o);
    };
  }
  std::unique_ptr<SealState> restarted() {
    auto s = std::make_unique<SealState>(*store_, clock_);
    EXPECT_TRUE(s->load().ok());
    return s;
  }

  testing::SoftHsmToken hsm_;
  ManualClock clock_{1'700'000'000};
  std::unique_ptr<Pkcs11Token> token_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<SealState> seal_;
};

TEST_F(Pkcs11SealTest, AQuorumUnsealsAServerAnOperatorSealed) {
  const SecureString root = seal_->root_key().value();
  EXPECT_TRUE(seal_->status().recovery_seal);
  EXPECT_EQ(seal_->status().threshold, 0) << "none until generated";
  EXPECT_EQ(seal_->submit_share("cfs1-x", opener()).reason(), "NoRecoveryKeys");
  EXPECT_EQ(seal_->generate_recovery(2, 3, *token_).status().code(), Code::kBadParameter);
  auto shares = seal_->generate_recovery(5, 3, *token_);
  ASSERT_TRUE(shares.ok()) << shares.status().message();
  ASSERT_EQ(shares->size(), 5u);
  EXPECT_EQ(seal_->generate_recovery(5, 3, *token_).status().reason(), "RecoveryKeysExist") << "shown once";
  EXPECT_EQ(seal_->status().shares, 5);
  EXPECT_EQ(seal_->status().threshold, 3);
  // The recovery key is in the store only encrypted by the HSM.
  auto stored = read_seal_records(*store_).value();
  ASSERT_TRUE(stored.has_value());
  EXPECT_EQ(stored->recovery_blob.size(), 12u + 32u + 16u);
  EXPECT_EQ(stored->config.recovery_keyset_id, seal_->status().keyset_id);

  seal_->seal();
  // No HSM at the threshold: progress back to 0, still sealed.
  ASSERT_TRUE(seal_->submit_share((*shares)[0].view(), opener()).ok());
  ASSERT_TRUE(seal_->submit_share((*shares)[1].view(), opener()).ok());
  EXPECT_EQ(seal_->submit_share((*shares)[2].view()).reason(), "HsmUnavailable");
  EXPECT_TRUE(seal_->status().sealed);
  EXPECT_EQ(seal_->status().progress, 0);
  // A tampered share (valid check, wrong y) is caught at the threshold.
  auto tampered = crypto::shamir::decode((*shares)[3].view(), 32).value();
  tampered.share.y.data()[5] ^= 0x40;
  const SecureString tampered_text = crypto::shamir::encode(tampered.keyset_id, tampered.share);
  ASSERT_TRUE(seal_->submit_share((*shares)[0].view(), opener()).ok());
  ASSERT_TRUE(seal_->submit_share((*shares)[4].view(), opener()).ok());
  EXPECT_EQ(seal_->submit_share(tampered_text.view(), opener()).reason(), "InvalidShares");
  EXPECT_TRUE(seal_->status().sealed);
  // A duplicate is not counted; three good shares in any order unseal to the same root key.
  ASSERT_TRUE(seal_->submit_share((*shares)[4].view(), opener()).ok());
  ASSERT_TRUE(seal_->submit_share((*shares)[4].view(), opener()).ok());
  EXPECT_EQ(seal_->status().progress, 1);
  ASSERT_TRUE(seal_->submit_share((*shares)[2].view(), opener()).ok());
  ASSERT_TRUE(seal_->submit_share((*shares)[0].view(), opener()).ok());
  EXPECT_FALSE(seal_->status().sealed);
  EXPECT_EQ(seal_->root_key()->view(), root.view());
}

TEST_F(Pkcs11SealTest, ARecoveryRekeyReplacesTheSharesAndNotTheRootKeys) {
  auto shares = seal_->generate_recovery(3, 2, *token_).value();
  const auto old_keyset = seal_->status().keyset_id;
  const std::string root_blob = read_seal_records(*store_).value()->root_blob;
  const std::string nonce = seal_->rekey_start(4, 3, true)->nonce;
  EXPECT_EQ(seal_->rekey_status().threshold, 2) << "the current recovery quorum";
  ASSERT_TRUE(seal_->rekey_submit(nonce, shares[1].view(), opener())->empty());
  auto fresh = seal_->rekey_submit(nonce, shares[2].view(), opener());
  ASSERT_TRUE(fresh.ok()) << fresh.status().message();
  ASSERT_EQ(fresh->size(), 4u);
  EXPECT_EQ(seal_->status().keyset_id, old_keyset) << "nothing in force before verification";
  const std::string verify_nonce = seal_->rekey_status().nonce;
  for (int i = 0; i < 2; ++i) EXPECT_FALSE(seal_->rekey_verify(verify_nonce, (*fresh)[i].view()).value());
  EXPECT_TRUE(seal_->rekey_verify(verify_nonce, (*fresh)[3].view()).value());
  EXPECT_NE(seal_->status().keyset_id, old_keyset);
  EXPECT_EQ(seal_->status().threshold, 3);
  EXPECT_EQ(read_seal_records(*store_).value()->root_blob, root_blob) << "the root keys are not touched";

  // The old shares are refused by key set; the new ones unseal another server sealed by its operator.
  auto server = std::make_unique<SealState>(*store_, clock_);
  ASSERT_TRUE(server->load().ok());
  const Status opened = server->unseal_with_token(*token_);
  ASSERT_TRUE(opened.ok()) << opened.message();
  server->seal();
  EXPECT_NE(server->submit_share(shares[0].view(), opener()).message().find("belongs to key set"), std::string::npos);
  for (int i : {0, 1, 2}) ASSERT_TRUE(server->submit_share((*fresh)[i].view(), opener()).ok());
  EXPECT_FALSE(server->status().sealed);
  EXPECT_EQ(server->root_key()->view(), seal_->root_key()->view());
}

TEST_F(Pkcs11SealTest, OnlyAnHsmSealHasRecoveryShares) {
  // A shamir store: no recovery shares, and its unseal shares do not count as any.
  auto dir = hsm_.dir() / "shamir";
  fs::create_directories(dir);
  auto other_store = std::move(store::open_sqlite_store({(dir / "db").string()}).value());
  SealState shamir(*other_store, clock_);
  ASSERT_TRUE(shamir.load().ok());
  ASSERT_TRUE(shamir.init_shamir(1, 1).ok());
  EXPECT_EQ(shamir.generate_recovery(3, 2, *token_).status().reason(), "SealTypeMismatch");
  EXPECT_FALSE(shamir.status().recovery_seal);
  // Sealed, an HSM server cannot generate them.
  seal_->seal();
  EXPECT_EQ(seal_->generate_recovery(3, 2, *token_).status().reason(), "Sealed");
  EXPECT_EQ(seal_->rekey_start(3, 2).status().reason(), "NoRecoveryKeys");
}

TEST_F(Pkcs11SealTest, ANewSealKeyTakesOverAtTheNextUnseal) {
  const SecureString root = seal_->root_key().value();
  EXPECT_EQ(seal_->status().hsm_key_label, "coffer-seal");
  auto shares = seal_->generate_recovery(3, 2, *token_).value();
  ASSERT_TRUE(Pkcs11Token::generate_key(testing::SoftHsmToken::options("coffer-seal-2")).ok());
  auto new_key = std::move(Pkcs11Token::open(testing::SoftHsmToken::options("coffer-seal-2")).value());

  // Without a way to the earlier key the seal cannot move: refused, still sealed.
  auto server = restarted();
  EXPECT_EQ(server->unseal_with_token(*new_key).reason(), "SealKeyChanged");
  EXPECT_TRUE(server->status().sealed);
  // The earlier key gone: the error says which key is needed, and the server may retry.
  const Status gone = server->unseal_with_token(*new_key, [](const std::string&, const std::string&) {
    return Pkcs11Token::open(testing::SoftHsmToken::options("destroyed-too-early"));
  });
  EXPECT_EQ(gone.code(), Code::kUnavailable);
  EXPECT_NE(gone.message().find("key 'coffer-seal' in token 'coffer-test', which is needed once"), std::string::npos)
      << gone.message();
  EXPECT_TRUE(server->status().sealed);

  const Status moved = server->unseal_with_token(*new_key, key_opener());
  ASSERT_TRUE(moved.ok()) << moved.message();
  EXPECT_EQ(server->root_key()->view(), root.view()) << "the root keys do not change";
  EXPECT_EQ(server->status().hsm_key_label, "coffer-seal-2");
  // Both blobs are now under the new key and no longer under the earlier one.
  auto records = read_seal_records(*store_).value();
  const std::string root_ad = root_associated_data(records->config.cluster_id);
  const std::string recovery_ad = recovery_associated_data(records->config.cluster_id);
  EXPECT_TRUE(new_key->decrypt(records->root_blob, root_ad).ok());
  EXPECT_TRUE(new_key->decrypt(records->recovery_blob, recovery_ad).ok());
  EXPECT_EQ(token_->decrypt(records->root_blob, root_ad).status().reason(), "UnsealKeyWrong");
  EXPECT_EQ(token_->decrypt(records->recovery_blob, recovery_ad).status().reason(), "UnsealKeyWrong");

  // The next start needs only the new key; the recovery shares still work, through it.
  auto next = restarted();
  ASSERT_TRUE(next->unseal_with_token(*new_key).ok());
  next->seal();
  ASSERT_TRUE(next->submit_share(shares[0].view(), opener("coffer-seal-2")).ok());
  ASSERT_TRUE(next->submit_share(shares[2].view(), opener("coffer-seal-2")).ok());
  EXPECT_FALSE(next->status().sealed);
  // The earlier key alone no longer opens the seal: it is named as the one to configure.
  auto stale = restarted();
  const Status refused = stale->unseal_with_token(*token_);
  EXPECT_EQ(refused.reason(), "SealKeyChanged");
  EXPECT_NE(refused.message().find("'coffer-seal-2'"), std::string::npos) << refused.message();
}

TEST_F(Pkcs11SealTest, ASealMovesToAnotherTokenOnceThePreviousOneIsReachable) {
  // SEAL-SPEC.md §1.9, pkcs11 A → pkcs11 B (two tokens here; two modules work the same way).
  const SecureString root = seal_->root_key().value();
  auto shares = seal_->generate_recovery(3, 2, *token_).value();
  EXPECT_EQ(seal_->status().hsm_token_label, "coffer-test");
  token_.reset();  // the module unloads: a token made now is found when it loads again
  ASSERT_TRUE(hsm_.add_token("coffer-other"));
  Pkcs11Options other = testing::SoftHsmToken::options("seal-b");
  other.token_label = "coffer-other";
  ASSERT_TRUE(Pkcs11Token::generate_key(other).ok());
  auto b = std::move(Pkcs11Token::open(other).value());

  auto server = restarted();
  const Status refused = server->unseal_with_token(*b);
  EXPECT_EQ(refused.reason(), "SealKeyChanged");
  EXPECT_NE(refused.message().find("key 'coffer-seal' in token 'coffer-test'"), std::string::npos) << refused.message();
  std::string asked;
  const Status moved = server->unseal_with_token(*b, [&](const std::string& token_label, const std::string& key) {
    asked = token_label + "/" + key;
    return key_opener()(token_label, key);
  });
  ASSERT_TRUE(moved.ok()) << moved.message();
  EXPECT_EQ(asked, "coffer-test/coffer-seal") << "the earlier key is opened in the token the seal records";
  EXPECT_EQ(server->root_key()->view(), root.view()) << "the root keys do not change";
  EXPECT_EQ(server->status().hsm_token_label, "coffer-other");
  EXPECT_EQ(server->status().hsm_key_label, "seal-b");
  auto records = read_seal_records(*store_).value();
  auto a = std::move(Pkcs11Token::open(testing::SoftHsmToken::options()).value());
  EXPECT_EQ(a->decrypt(records->root_blob, root_associated_data(records->config.cluster_id)).status().reason(),
            "UnsealKeyWrong");
  EXPECT_EQ(a->decrypt(records->recovery_blob, recovery_associated_data(records->config.cluster_id)).status().reason(),
            "UnsealKeyWrong");

  // From now on token B alone unseals, and the recovery shares work through it.
  auto next = restarted();
  ASSERT_TRUE(next->unseal_with_token(*b).ok());
  next->seal();
  const TokenOpener open_b = [other] { return Pkcs11Token::open(other); };
  ASSERT_TRUE(next->submit_share(shares[1].view(), open_b).ok());
  ASSERT_TRUE(next->submit_share(shares[2].view(), open_b).ok());
  EXPECT_FALSE(next->status().sealed);
  EXPECT_EQ(restarted()->unseal_with_token(*a).reason(), "SealKeyChanged") << "token A no longer writes the seal";
}

TEST_F(Pkcs11SealTest, AStoreFromBeforeTheKeyWasRecordedRecordsIt) {
  const SealRecords records = read_seal_records(*store_).value().value();
  SealConfig legacy = records.config;
  legacy.hsm_key_label.clear();
  legacy.hsm_token_label.clear();
  ASSERT_TRUE(write_seal_records(*store_, legacy, records.root_blob, records.revision).ok());
  auto server = restarted();
  EXPECT_EQ(server->status().hsm_key_label, "");
  ASSERT_TRUE(server->unseal_with_token(*token_).ok());
  EXPECT_EQ(server->status().hsm_key_label, "coffer-seal");
  EXPECT_EQ(read_seal_records(*store_).value()->config.hsm_key_label, "coffer-seal");
  EXPECT_EQ(read_seal_records(*store_).value()->config.hsm_token_label, "coffer-test");
}

TEST_F(Pkcs11SealTest, HsmAndShamirSealsMigrateBothWaysWithTheirShares) {
  const SecureString root = seal_->root_key().value();
  EXPECT_EQ(seal_->migration_start(SealType::kShamir).status().reason(), "NoRecoveryKeys");
  auto shares = seal_->generate_recovery(3, 2, *token_).value();
  // pkcs11 → shamir: the recovery key becomes U, so the recovery shares now unseal.
  auto started = seal_->migration_start(SealType::kShamir);
  ASSERT_TRUE(started.ok()) << started.status().message();
  ASSERT_TRUE(seal_->rekey_submit(started->nonce, shares[0].view(), opener())->empty());
  EXPECT_EQ(seal_->rekey_submit(started->nonce, shares[1].view()).status().reason(), "HsmUnavailable")
      << "the recovery quorum is proven through the HSM";
  ASSERT_TRUE(seal_->rekey_submit(started->nonce, shares[0].view(), opener())->empty());
  auto done = seal_->rekey_submit(started->nonce, shares[1].view(), opener());
  ASSERT_TRUE(done.ok()) << done.status().message();
  EXPECT_EQ(seal_->status().type, SealType::kShamir);
  EXPECT_TRUE(read_seal_records(*store_).value()->recovery_blob.empty()) << "seal/recovery is gone";
  auto shamir = restarted();
  EXPECT_EQ(shamir->unseal_with_token(*token_).reason(), "SealTypeMismatch");
  ASSERT_TRUE(shamir->submit_share(shares[2].view()).ok());
  ASSERT_TRUE(shamir->submit_share(shares[1].view()).ok());
  EXPECT_EQ(shamir->root_key()->view(), root.view());

  // shamir → pkcs11: U becomes the recovery key, so the same shares are the recovery shares.
  started = shamir->migration_start(SealType::kPkcs11);
  ASSERT_TRUE(started.ok()) << started.status().message();
  ASSERT_TRUE(shamir->rekey_submit(started->nonce, shares[0].view(), opener())->empty());
  done = shamir->rekey_submit(started->nonce, shares[2].view(), opener());
  ASSERT_TRUE(done.ok()) << done.status().message();
  EXPECT_EQ(shamir->status().type, SealType::kPkcs11);
  EXPECT_EQ(shamir->status().threshold, 2);
  auto hsm = restarted();
  ASSERT_TRUE(hsm->unseal_with_token(*token_).ok());
  EXPECT_EQ(hsm->root_key()->view(), root.view());
  hsm->seal();
  ASSERT_TRUE(hsm->submit_share(shares[1].view(), opener()).ok());
  ASSERT_TRUE(hsm->submit_share(shares[0].view(), opener()).ok());
  EXPECT_FALSE(hsm->status().sealed);
}

TEST_F(Pkcs11SealTest, AKeyFileSealMovesIntoTheHsmWithNewRecoveryShares) {
  fs::create_directories(hsm_.dir() / "keyfile");
  auto keyfile_store = std::move(store::open_sqlite_store({(hsm_.dir() / "keyfile" / "db").string()}).value());
  SealState keyfile(*keyfile_store, clock_);
  ASSERT_TRUE(keyfile.load().ok());
  const SecureString file_key = crypto::random_bytes(32);
  ASSERT_TRUE(keyfile.unseal_with_key(file_key).ok());
  auto shares = keyfile.migrate_from_keyfile(SealType::kPkcs11, 3, 2, token_.get());
  ASSERT_TRUE(shares.ok()) << shares.status().message();
  EXPECT_EQ(keyfile.status().type, SealType::kPkcs11);
  EXPECT_EQ(keyfile.status().hsm_key_label, "coffer-seal");
  SealState hsm(*keyfile_store, clock_);
  ASSERT_TRUE(hsm.load().ok());
  EXPECT_EQ(hsm.unseal_with_key(file_key).reason(), "SealTypeMismatch");
  ASSERT_TRUE(hsm.unseal_with_token(*token_).ok());
  EXPECT_EQ(hsm.root_key()->view(), file_key.view()) << "generation 1 of a keyfile store is its file key";
  hsm.seal();
  ASSERT_TRUE(hsm.submit_share((*shares)[0].view(), opener()).ok());
  ASSERT_TRUE(hsm.submit_share((*shares)[2].view(), opener()).ok());
  EXPECT_FALSE(hsm.status().sealed);
}

TEST_F(Pkcs11SealTest, NoRootKeyOrRecoveryKeyLandsInAnyFile) {
  // S2/S13: every root key generation and the recovery key, in no form, in the store's files
  // (database, WAL) or the token's.
  auto shares = seal_->generate_recovery(3, 2, *token_).value();
  ASSERT_TRUE(seal_->rotate_root().ok());
  std::vector<crypto::shamir::Share> parts;
  for (int i : {0, 2}) parts.push_back(crypto::shamir::decode(shares[i].view(), 32).value().share);
  const SecureString recovery_key = crypto::shamir::combine(parts).value();
  auto keys = seal_->root_keys().value();
  ASSERT_EQ(keys.size(), 2u);
  for (const auto& [generation, key] : keys) {
    EXPECT_EQ(testing::files_holding(hsm_.dir(), key.view()), std::vector<std::string>{})
        << "root key generation " << generation;
  }
  EXPECT_EQ(testing::files_holding(hsm_.dir(), recovery_key.view()), std::vector<std::string>{});
  // The scan finds what is there: a share's text is in no file either, a written canary is.
  EXPECT_EQ(testing::files_holding(hsm_.dir(), shares[1].view()), std::vector<std::string>{});
  const SecureString canary = crypto::random_bytes(32);
  ASSERT_TRUE(store_->write([&](store::WriteTxn& txn) { return txn.put("canary", hex_encode(canary.view())); }).ok());
  EXPECT_FALSE(testing::files_holding(hsm_.dir(), canary.view()).empty());
}

}  // namespace
}  // namespace coffer::seal
