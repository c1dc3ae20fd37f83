// What every vault-layer test starts from: a real SQLite store in a fresh
// temporary directory, a keyring with a random root key, a manual clock and
// a vault named "unit". Fixtures derive from VaultTest, make their services
// in SetUp() after VaultTest::SetUp(), and drop them in TearDown() before
// VaultTest::TearDown() (services must not outlive the store).
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>

#include "common/clock.hpp"
#include "crypto/keyring.hpp"
#include "crypto/random.hpp"
#include "store/store.hpp"
#include "vault/vault_registry.hpp"

namespace coffer::vault::testing {

class VaultTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("coffer-vault-test-" + crypto::new_version_id());
    std::filesystem::create_directories(dir_);
    store_ = std::move(store::open_sqlite_store({(dir_ / "db").string()}).value());
    keyring_ = std::make_unique<crypto::Keyring>(crypto::random_bytes(32));
    registry_ = std::make_unique<VaultRegistry>(*store_, *keyring_, clock_);
    vault_ = registry_->create("unit", vault_settings()).value();
  }
  void TearDown() override {
    registry_.reset();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  virtual VaultSettings vault_settings() const { return VaultSettings{}; }

  std::filesystem::path dir_;
  ManualClock clock_{1'700'000'000};
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<crypto::Keyring> keyring_;
  std::unique_ptr<VaultRegistry> registry_;
  VaultInfo vault_;
};

}  // namespace coffer::vault::testing
