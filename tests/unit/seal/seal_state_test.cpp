// SealState on a real store (SEAL-SPEC.md §1.2–§1.5, the unit part of S4):
// a key-file store initializes itself at the first unseal with the file key
// as root key; Shamir init returns N shares once; K shares unseal in any
// order, duplicates are not counted, malformed shares are refused at once,
// shares of another key set are named, wrong shares reset progress at K;
// sealing wipes the keys; a second server sees the first one's init.
#include "seal/seal_state.hpp"

#include <gtest/gtest.h>

#include <filesystem>

#include "crypto/random.hpp"
#include "secret_scan.hpp"

namespace coffer::seal {
namespace {

namespace fs = std::filesystem;

class SealStateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("coffer-seal-test-" + crypto::new_version_id());
    fs::create_directories(dir_);
    store_ = std::move(store::open_sqlite_store({(dir_ / "db").string()}).value());
    seal_ = std::make_unique<SealState>(*store_, clock_);
    ASSERT_TRUE(seal_->load().ok());
  }
  void TearDown() override {
    seal_.reset();
    store_.reset();
    fs::remove_all(dir_);
  }
  // A second server on the same store.
  std::unique_ptr<SealState> other() {
    auto s = std::make_unique<SealState>(*store_, clock_);
    EXPECT_TRUE(s->load().ok());
    return s;
  }

  fs::path dir_;
  ManualClock clock_{1'700'000'000};
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<SealState> seal_;
};

TEST_F(SealStateTest, AKeyFileStoreKeepsTheFileKeyAsItsRootKey) {
  EXPECT_FALSE(seal_->status().initialized);
  EXPECT_TRUE(seal_->status().sealed);
  EXPECT_EQ(seal_->root_key().status().code(), Code::kUnavailable);
  const SecureString file_key = crypto::random_bytes(32);
  ASSERT_TRUE(seal_->unseal_with_key(file_key).ok());
  EXPECT_TRUE(seal_->status().initialized);
  EXPECT_FALSE(seal_->status().sealed);
  EXPECT_EQ(seal_->root_key()->view(), file_key.view()) << "stores made before seals carry on unchanged";
  auto second = other();
  EXPECT_TRUE(second->status().initialized);
  EXPECT_EQ(second->status().cluster_id, seal_->status().cluster_id);
  auto wrong = second->unseal_with_key(crypto::random_bytes(32));
  EXPECT_EQ(wrong.reason(), "UnsealKeyWrong");
  EXPECT_TRUE(second->status().sealed);
  EXPECT_FALSE(second->status().last_error.empty());
  ASSERT_TRUE(second->unseal_with_key(file_key).ok());
  seal_->seal();
  EXPECT_TRUE(seal_->status().sealed);
  EXPECT_EQ(seal_->root_key().status().code(), Code::kUnavailable);
  EXPECT_EQ(seal_->unseal_with_key(SecureString("short")).code(), Code::kBadParameter);
}

TEST_F(SealStateTest, ShamirSharesUnsealInAnyOrderAndWrongOnesAreCaught) {
  auto shares = seal_->init_shamir(5, 3);
  ASSERT_TRUE(shares.ok()) << shares.status().message();
  ASSERT_EQ(shares->size(), 5u);
  const SecureString root = seal_->root_key().value();
  EXPECT_FALSE(seal_->status().sealed) << "init leaves the server unsealed";
  EXPECT_EQ(seal_->init_shamir(5, 3).status().reason(), "AlreadyInitialized");

  for (const std::vector<int>& order : {std::vector<int>{0, 1, 2}, {4, 2, 0}, {3, 1, 4}}) {
    auto server = other();
    EXPECT_TRUE(server->status().sealed);
    EXPECT_EQ(server->status().threshold, 3);
    ASSERT_TRUE(server->submit_share((*shares)[order[0]].view()).ok());
    ASSERT_TRUE(server->submit_share((*shares)[order[0]].view()).ok());
    EXPECT_EQ(server->status().progress, 1) << "a duplicate is not counted";
    const std::string nonce = server->status().nonce;
    EXPECT_FALSE(nonce.empty());
    ASSERT_TRUE(server->submit_share((*shares)[order[1]].view()).ok());
    EXPECT_EQ(server->status().progress, 2);
    EXPECT_EQ(server->status().nonce, nonce);
    EXPECT_TRUE(server->status().sealed);
    ASSERT_TRUE(server->submit_share((*shares)[order[2]].view()).ok());
    EXPECT_FALSE(server->status().sealed);
    EXPECT_EQ(server->root_key()->view(), root.view());
    EXPECT_EQ(server->status().progress, 0);
  }

  auto server = other();
  std::string typo((*shares)[0].view());
  typo[10] = typo[10] == 'A' ? 'B' : 'A';
  EXPECT_EQ(server->submit_share(typo).code(), Code::kBadParameter);
  EXPECT_EQ(server->status().progress, 0) << "refused at once, not counted";
  // A share of another key set is named as such.
  auto foreign = crypto::shamir::decode((*shares)[1].view(), 32).value();
  const SecureString foreign_text = crypto::shamir::encode(foreign.keyset_id + 1, foreign.share);
  auto refused = server->submit_share(foreign_text.view());
  EXPECT_NE(refused.message().find("belongs to key set"), std::string::npos) << refused.message();
  // Well-formed but wrong: caught at the threshold, progress back to 0.
  auto tampered = crypto::shamir::decode((*shares)[2].view(), 32).value();
  tampered.share.y.data()[0] ^= 1;
  const SecureString tampered_text = crypto::shamir::encode(tampered.keyset_id, tampered.share);
  ASSERT_TRUE(server->submit_share((*shares)[0].view()).ok());
  ASSERT_TRUE(server->submit_share((*shares)[1].view()).ok());
  auto invalid = server->submit_share(tampered_text.view());
  EXPECT_EQ(invalid.reason(), "InvalidShares");
  EXPECT_TRUE(server->status().sealed);
  EXPECT_EQ(server->status().progress, 0);
  EXPECT_FALSE(server->status().last_error.empty());
  // Reset, and 15 minutes without a share, drop the progress.
  ASSERT_TRUE(server->submit_share((*shares)[0].view()).ok());
  server->reset();
  EXPECT_EQ(server->status().progress, 0);
  ASSERT_TRUE(server->submit_share((*shares)[0].view()).ok());
  ASSERT_TRUE(server->submit_share((*shares)[1].view()).ok());
  clock_.advance(15 * 60 + 1);
  EXPECT_EQ(server->status().progress, 0);
  ASSERT_TRUE(server->submit_share((*shares)[2].view()).ok());
  EXPECT_TRUE(server->status().sealed) << "the stale parts were dropped: this is share 1 of a new attempt";
  EXPECT_EQ(server->status().progress, 1);
  // A key-file unseal does not open a Shamir store.
  EXPECT_EQ(server->unseal_with_key(crypto::random_bytes(32)).reason(), "SealTypeMismatch");
}

TEST_F(SealStateTest, EdgeThresholdsAndParameters) {
  for (auto [n, k] : {std::pair{1, 1}, std::pair{2, 2}, std::pair{5, 5}}) {
    TearDown();
    SetUp();
    auto shares = seal_->init_shamir(n, k);
    ASSERT_TRUE(shares.ok()) << n << "/" << k;
    auto server = other();
    for (int i = 0; i < k; ++i) ASSERT_TRUE(server->submit_share((*shares)[i].view()).ok());
    EXPECT_FALSE(server->status().sealed) << n << "/" << k;
  }
  TearDown();
  SetUp();
  for (auto [n, k] : {std::pair{3, 1}, std::pair{2, 3}, std::pair{256, 2}}) {
    EXPECT_EQ(seal_->init_shamir(n, k).status().code(), Code::kBadParameter);
  }
  EXPECT_FALSE(seal_->status().initialized) << "refused parameters write nothing";
  EXPECT_EQ(seal_->submit_share("cfs1-x").reason(), "NotInitialized");
}

TEST_F(SealStateTest, RekeyNeedsTheQuorumAndRetiresTheOldShares) {
  auto old_shares = seal_->init_shamir(5, 3).value();
  const SecureString root = seal_->root_key().value();
  const auto old_keyset = seal_->status().keyset_id;
  EXPECT_EQ(seal_->rekey_submit("x", old_shares[0].view()).status().reason(), "NoRekey");
  EXPECT_EQ(seal_->rekey_start(2, 3).status().code(), Code::kBadParameter);
  auto started = seal_->rekey_start(3, 2);
  ASSERT_TRUE(started.ok()) << started.status().message();
  EXPECT_EQ(seal_->rekey_start(3, 2).status().reason(), "RekeyInProgress");
  const std::string nonce = started->nonce;
  EXPECT_EQ(seal_->rekey_submit("other", old_shares[0].view()).status().code(), Code::kBadParameter);
  // Wrong at the threshold: progress back to 0, nothing changed.
  auto tampered = crypto::shamir::decode(old_shares[2].view(), 32).value();
  tampered.share.y.data()[0] ^= 1;
  const SecureString tampered_text = crypto::shamir::encode(tampered.keyset_id, tampered.share);
  ASSERT_TRUE(seal_->rekey_submit(nonce, old_shares[0].view()).ok());
  ASSERT_TRUE(seal_->rekey_submit(nonce, old_shares[0].view())->empty()) << "a duplicate is not counted";
  ASSERT_TRUE(seal_->rekey_submit(nonce, old_shares[1].view()).ok());
  EXPECT_EQ(seal_->rekey_submit(nonce, tampered_text.view()).status().reason(), "InvalidShares");
  EXPECT_EQ(seal_->rekey_status().progress, 0);
  EXPECT_EQ(seal_->status().keyset_id, old_keyset);
  ASSERT_TRUE(seal_->rekey_submit(nonce, old_shares[4].view())->empty());
  ASSERT_TRUE(seal_->rekey_submit(nonce, old_shares[3].view())->empty());
  auto new_shares = seal_->rekey_submit(nonce, old_shares[1].view());
  ASSERT_TRUE(new_shares.ok()) << new_shares.status().message();
  ASSERT_EQ(new_shares->size(), 3u);
  EXPECT_NE(seal_->status().keyset_id, old_keyset);
  EXPECT_EQ(seal_->status().threshold, 2);
  EXPECT_FALSE(seal_->rekey_status().started);
  // Another server: the old shares are refused by key set, two new ones unseal to the same root key.
  auto server = other();
  EXPECT_NE(server->submit_share(old_shares[0].view()).message().find("belongs to key set"), std::string::npos);
  ASSERT_TRUE(server->submit_share((*new_shares)[2].view()).ok());
  ASSERT_TRUE(server->submit_share((*new_shares)[0].view()).ok());
  EXPECT_EQ(server->root_key()->view(), root.view()) << "the keyring is untouched";
  // Cancel drops an attempt; a sealed server cannot be rekeyed.
  ASSERT_TRUE(seal_->rekey_start(2, 2).ok());
  seal_->rekey_cancel();
  EXPECT_FALSE(seal_->rekey_status().started);
  seal_->seal();
  EXPECT_EQ(seal_->rekey_start(2, 2).status().reason(), "Sealed");
}

TEST_F(SealStateTest, AVerifiedRekeyWritesNothingUntilTheNewSharesComeBack) {
  auto old_shares = seal_->init_shamir(3, 2).value();
  const std::string nonce = seal_->rekey_start(3, 2, true)->nonce;
  ASSERT_TRUE(seal_->rekey_submit(nonce, old_shares[0].view()).ok());
  auto new_shares = seal_->rekey_submit(nonce, old_shares[2].view());
  ASSERT_TRUE(new_shares.ok()) << new_shares.status().message();
  ASSERT_EQ(new_shares->size(), 3u);
  const auto status = seal_->rekey_status();
  EXPECT_TRUE(status.verifying);
  EXPECT_NE(status.nonce, nonce) << "verification has a nonce of its own";
  // Nothing written yet: another server still unseals with the old shares.
  {
    auto server = other();
    ASSERT_TRUE(server->submit_share(old_shares[1].view()).ok());
    ASSERT_TRUE(server->submit_share(old_shares[0].view()).ok());
    EXPECT_FALSE(server->status().sealed);
  }
  EXPECT_EQ(seal_->rekey_submit(status.nonce, old_shares[1].view()).status().reason(), "RekeyVerifying");
  EXPECT_NE(seal_->rekey_verify(status.nonce, old_shares[1].view()).status().message().find("new shares"),
            std::string::npos);
  // A tampered new share fails at K; two good ones put the set in force.
  auto tampered = crypto::shamir::decode((*new_shares)[0].view(), 32).value();
  tampered.share.y.data()[3] ^= 1;
  const SecureString tampered_text = crypto::shamir::encode(tampered.keyset_id, tampered.share);
  ASSERT_FALSE(*seal_->rekey_verify(status.nonce, (*new_shares)[1].view()));
  EXPECT_EQ(seal_->rekey_verify(status.nonce, tampered_text.view()).status().reason(), "InvalidShares");
  ASSERT_FALSE(*seal_->rekey_verify(status.nonce, (*new_shares)[2].view()));
  EXPECT_TRUE(*seal_->rekey_verify(status.nonce, (*new_shares)[0].view()));
  EXPECT_FALSE(seal_->rekey_status().started);
  auto server = other();
  EXPECT_NE(server->submit_share(old_shares[0].view()).message().find("belongs to key set"), std::string::npos);
  ASSERT_TRUE(server->submit_share((*new_shares)[1].view()).ok());
  ASSERT_TRUE(server->submit_share((*new_shares)[2].view()).ok());
  EXPECT_FALSE(server->status().sealed);
}

TEST_F(SealStateTest, ASealedServerSeesAnotherServersRekey) {
  auto old_shares = seal_->init_shamir(2, 2).value();
  auto waiting = other();  // sealed, read the seal before the rekey
  const std::string nonce = seal_->rekey_start(2, 2)->nonce;
  ASSERT_TRUE(seal_->rekey_submit(nonce, old_shares[0].view()).ok());
  auto new_shares = seal_->rekey_submit(nonce, old_shares[1].view()).value();
  ASSERT_TRUE(waiting->submit_share(new_shares[0].view()).ok()) << "it reads the new key set instead of refusing";
  ASSERT_TRUE(waiting->submit_share(new_shares[1].view()).ok());
  EXPECT_FALSE(waiting->status().sealed);
}

TEST_F(SealStateTest, AStoreWithDataFromBeforeSealsIsNotGivenANewRootKey) {
  ASSERT_TRUE(store_->write([](store::WriteTxn& txn) { return txn.put("config/tenant", "t"); }).ok());
  auto refused = seal_->init_shamir(3, 2);
  EXPECT_EQ(refused.status().reason(), "StoreNotEmpty");
  EXPECT_FALSE(seal_->status().initialized) << "nothing written";
  const SecureString file_key = crypto::random_bytes(32);
  ASSERT_TRUE(seal_->unseal_with_key(file_key).ok()) << "a key file takes such a store as it is";
  EXPECT_EQ(seal_->root_key()->view(), file_key.view());
}

TEST_F(SealStateTest, AKeyFileStoreIsNotInitializedAgainWithShares) {
  const SecureString file_key = crypto::random_bytes(32);
  ASSERT_TRUE(seal_->unseal_with_key(file_key).ok());
  const std::string cluster = seal_->status().cluster_id;
  EXPECT_EQ(seal_->init_shamir(3, 2).status().reason(), "AlreadyInitialized") << "moving models is a migration";
  seal_->seal();
  EXPECT_EQ(seal_->init_shamir(3, 2).status().reason(), "AlreadyInitialized");
  auto server = other();
  EXPECT_EQ(server->status().type, SealType::kKeyfile);
  EXPECT_EQ(server->status().cluster_id, cluster);
  ASSERT_TRUE(server->unseal_with_key(file_key).ok()) << "nothing changed";
}

// Root-key rotation (SEAL-SPEC.md §1.8, S8's seal part): a new generation
// needs no unseal key, every unseal afterwards holds all generations, and a
// server that was unsealed before the rotation follows it through refresh().
TEST_F(SealStateTest, RotationAddsAGenerationThatEveryServerReaches) {
  const SecureString file_key = crypto::random_bytes(32);
  ASSERT_TRUE(seal_->unseal_with_key(file_key).ok());
  auto second = other();
  ASSERT_TRUE(second->unseal_with_key(file_key).ok());
  const SecureString first_root = seal_->root_key().value();

  auto rotated = seal_->rotate_root();
  ASSERT_TRUE(rotated.ok()) << rotated.status().message();
  ASSERT_EQ(rotated->size(), 2u);
  EXPECT_EQ(rotated->at(1).view(), first_root.view()) << "the old generation stays";
  EXPECT_NE(rotated->at(2).view(), first_root.view());
  EXPECT_EQ(seal_->active_generation(), 2);
  EXPECT_EQ(seal_->root_key()->view(), rotated->at(2).view());

  // The other server still holds generation 1 only, and follows.
  EXPECT_EQ(second->root_keys()->size(), 1u);
  auto followed = second->refresh();
  ASSERT_TRUE(followed.ok()) << followed.status().message();
  EXPECT_EQ(followed->at(2).view(), rotated->at(2).view());

  // A rotation from the second server builds on the first one's.
  auto third = second->rotate_root();
  ASSERT_TRUE(third.ok()) << third.status().message();
  EXPECT_EQ(third->size(), 3u);

  // A restart: the key file opens seal/root (generation 1) and the upgrade entries lead to 3.
  auto restarted = other();
  ASSERT_TRUE(restarted->unseal_with_key(file_key).ok());
  EXPECT_EQ(restarted->active_generation(), 3);
  EXPECT_EQ(restarted->root_key()->view(), third->at(3).view());
  EXPECT_EQ(restarted->root_keys()->size(), 3u);

  // Sealed servers neither rotate nor refresh; a wrong key still opens nothing.
  restarted->seal();
  EXPECT_EQ(restarted->rotate_root().status().reason(), "Sealed");
  EXPECT_EQ(restarted->refresh().status().code(), Code::kUnavailable);
  EXPECT_EQ(other()->unseal_with_key(crypto::random_bytes(32)).reason(), "UnsealKeyWrong");
}

TEST_F(SealStateTest, ShamirSharesStillUnsealAfterARotation) {
  auto shares = seal_->init_shamir(3, 2);
  ASSERT_TRUE(shares.ok());
  ASSERT_TRUE(seal_->rotate_root().ok());
  auto restarted = other();
  ASSERT_TRUE(restarted->submit_share((*shares)[0].view()).ok());
  ASSERT_TRUE(restarted->submit_share((*shares)[2].view()).ok());
  EXPECT_FALSE(restarted->status().sealed);
  EXPECT_EQ(restarted->active_generation(), 2);
  EXPECT_EQ(restarted->root_key()->view(), seal_->root_key()->view());
}

// Retiring old generations (§1.8 step 4): not inside the grace period,
// then seal/root holds the active generation only and the upgrade entries
// are gone; a server whose unseal key went stale (rekeyed elsewhere) or that
// holds none (sealed) does not write.
TEST_F(SealStateTest, OldGenerationsAreRetiredAfterTheGracePeriod) {
  const SecureString file_key = crypto::random_bytes(32);
  ASSERT_TRUE(seal_->unseal_with_key(file_key).ok());
  EXPECT_EQ(seal_->retire_generations(clock_.now(), 60).value(), 0) << "nothing to retire before a rotation";
  ASSERT_TRUE(seal_->rotate_root().ok());
  ASSERT_TRUE(seal_->rotate_root().ok());
  EXPECT_EQ(seal_->generations_held(), 3);
  EXPECT_EQ(seal_->retire_generations(clock_.now() + 59, 60).status().reason(), "NotYet");
  auto dropped = seal_->retire_generations(clock_.now() + 60, 60);
  ASSERT_TRUE(dropped.ok()) << dropped.status().message();
  EXPECT_EQ(*dropped, 2);
  EXPECT_EQ(seal_->generations_held(), 1);
  EXPECT_FALSE(store::read_value(*store_, "seal/root-upgrade/2")->has_value());
  EXPECT_FALSE(store::read_value(*store_, "seal/root-upgrade/3")->has_value());
  EXPECT_EQ(seal_->retire_generations(clock_.now() + 120, 60).value(), 0) << "done once";

  auto restarted = other();
  ASSERT_TRUE(restarted->unseal_with_key(file_key).ok());
  EXPECT_EQ(restarted->active_generation(), 3);
  EXPECT_EQ(restarted->generations_held(), 1) << "seal/root holds the active generation alone";
  EXPECT_EQ(restarted->root_key()->view(), seal_->root_key()->view());
}

TEST_F(SealStateTest, AStaleUnsealKeyRetiresNothing) {
  auto shares = seal_->init_shamir(3, 2);
  ASSERT_TRUE(shares.ok());
  auto second = other();
  ASSERT_TRUE(second->submit_share((*shares)[0].view()).ok());
  ASSERT_TRUE(second->submit_share((*shares)[1].view()).ok());
  ASSERT_FALSE(second->status().sealed);
  ASSERT_TRUE(seal_->rotate_root().ok());
  // The first server rekeys: the second still holds the old unseal key.
  auto started = seal_->rekey_start(2, 2);
  ASSERT_TRUE(started.ok());
  ASSERT_TRUE(seal_->rekey_submit(started->nonce, (*shares)[0].view()).ok());
  auto fresh = seal_->rekey_submit(started->nonce, (*shares)[2].view());
  ASSERT_TRUE(fresh.ok() && fresh->size() == 2u);
  ASSERT_TRUE(second->refresh().ok());
  EXPECT_EQ(second->retire_generations(clock_.now() + 7200, 60).status().reason(), "UnsealKeyNotHeld");
  auto dropped = seal_->retire_generations(clock_.now() + 7200, 60);
  ASSERT_TRUE(dropped.ok()) << dropped.status().message();
  EXPECT_EQ(*dropped, 1) << "the server that holds the new unseal key does it";
  auto restarted = other();
  ASSERT_TRUE(restarted->submit_share((*fresh)[0].view()).ok());
  ASSERT_TRUE(restarted->submit_share((*fresh)[1].view()).ok());
  EXPECT_FALSE(restarted->status().sealed);
  EXPECT_EQ(restarted->active_generation(), 2);
}

TEST_F(SealStateTest, AKeyFileSealMovesToSharesAndSharesBackToAKeyFile) {
  const SecureString file_key = crypto::random_bytes(32);
  ASSERT_TRUE(seal_->unseal_with_key(file_key).ok());
  const SecureString root = seal_->root_key().value();
  EXPECT_EQ(seal_->migration_start(SealType::kShamir).status().reason(), "SealTypeMismatch")
      << "a keyfile seal moves on an admin's word, not through a quorum";
  EXPECT_EQ(seal_->migrate_from_keyfile(SealType::kPkcs11, 3, 2).status().reason(), "HsmNotConfigured");
  EXPECT_EQ(seal_->migrate_from_keyfile(SealType::kShamir, 2, 3).status().code(), Code::kBadParameter);
  auto shares = seal_->migrate_from_keyfile(SealType::kShamir, 3, 2);
  ASSERT_TRUE(shares.ok()) << shares.status().message();
  ASSERT_EQ(shares->size(), 3u);
  EXPECT_EQ(seal_->status().type, SealType::kShamir);
  EXPECT_EQ(seal_->migrate_from_keyfile(SealType::kShamir, 3, 2).status().reason(), "SealTypeMismatch");
  // After a restart the key file no longer opens it; two shares do, to the same root keys.
  auto restarted = other();
  EXPECT_EQ(restarted->unseal_with_key(file_key).reason(), "SealTypeMismatch");
  ASSERT_TRUE(restarted->submit_share((*shares)[2].view()).ok());
  ASSERT_TRUE(restarted->submit_share((*shares)[0].view()).ok());
  EXPECT_EQ(restarted->root_key()->view(), root.view());

  // Back to a (new) key file, proven by a quorum of the shares.
  EXPECT_EQ(restarted->migration_start(SealType::kShamir).status().code(), Code::kBadParameter);
  EXPECT_EQ(restarted->migration_start(SealType::kKeyfile, SecureString("short")).status().code(), Code::kBadParameter);
  const SecureString new_file_key = crypto::random_bytes(32);
  auto started = restarted->migration_start(SealType::kKeyfile, new_file_key);
  ASSERT_TRUE(started.ok()) << started.status().message();
  EXPECT_EQ(started->migrate_to, SealType::kKeyfile);
  EXPECT_EQ(started->threshold, 2);
  // A wrong set at the threshold changes nothing.
  auto tampered = crypto::shamir::decode((*shares)[1].view(), 32).value();
  tampered.share.y.data()[0] ^= 1;
  ASSERT_TRUE(restarted->rekey_submit(started->nonce, (*shares)[0].view()).ok());
  EXPECT_EQ(restarted->rekey_submit(started->nonce, crypto::shamir::encode(tampered.keyset_id, tampered.share).view())
                .status()
                .reason(),
            "InvalidShares");
  EXPECT_EQ(restarted->status().type, SealType::kShamir);
  ASSERT_TRUE(restarted->rekey_submit(started->nonce, (*shares)[1].view())->empty());
  auto done = restarted->rekey_submit(started->nonce, (*shares)[2].view());
  ASSERT_TRUE(done.ok()) << done.status().message();
  EXPECT_TRUE(done->empty()) << "a migration hands out no shares";
  EXPECT_FALSE(restarted->rekey_status().started);
  EXPECT_EQ(restarted->status().type, SealType::kKeyfile);
  auto last = other();
  EXPECT_EQ(last->submit_share((*shares)[0].view()).reason(), "SealTypeMismatch");
  EXPECT_EQ(last->unseal_with_key(file_key).reason(), "UnsealKeyWrong");
  ASSERT_TRUE(last->unseal_with_key(new_file_key).ok());
  EXPECT_EQ(last->root_key()->view(), root.view()) << "the root keys never change in a migration";
}

TEST_F(SealStateTest, NoRootKeyOrUnsealKeyLandsInAnyFile) {
  // S2/S13 for shamir: the unseal key U (rebuilt from the shares here), every root key generation
  // and the shares themselves, in no form, in the store's files — also after a rekey and a rotation.
  auto shares = seal_->init_shamir(3, 2).value();
  ASSERT_TRUE(seal_->rotate_root().ok());
  const std::string nonce = seal_->rekey_start(2, 2)->nonce;
  ASSERT_TRUE(seal_->rekey_submit(nonce, shares[0].view()).ok());
  auto fresh = seal_->rekey_submit(nonce, shares[1].view()).value();
  for (const auto* set : {&shares, &fresh}) {
    std::vector<crypto::shamir::Share> parts;
    for (int i : {0, 1}) parts.push_back(crypto::shamir::decode((*set)[i].view(), 32).value().share);
    const SecureString unseal_key = crypto::shamir::combine(parts).value();
    EXPECT_EQ(testing::files_holding(dir_, unseal_key.view()), std::vector<std::string>{});
    for (const auto& share : *set) EXPECT_EQ(testing::files_holding(dir_, share.view()), std::vector<std::string>{});
  }
  const RootKeys keys = seal_->root_keys().value();
  for (const auto& [generation, key] : keys) {
    EXPECT_EQ(testing::files_holding(dir_, key.view()), std::vector<std::string>{}) << "generation " << generation;
  }
}

}  // namespace
}  // namespace coffer::seal
