// What the user and sign-in tests start from: a real SQLite store in a fresh
// temporary directory, a keyring with a random root key, a manual clock and
// a UserRegistry (two hash slots, no throttle).
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "auth/users.hpp"
#include "crypto/random.hpp"

namespace coffer::auth {

inline constexpr std::string_view kPassword = "correct horse battery";

class UsersTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("coffer-users-test-" + crypto::new_version_id());
    std::filesystem::create_directories(dir_);
    store_ = std::move(store::open_sqlite_store({(dir_ / "db").string()}).value());
    keyring_ = std::make_unique<crypto::Keyring>(crypto::random_bytes(32));
    users_ = std::make_unique<UserRegistry>(*store_, *keyring_, clock_, "tenant", nullptr, 2);
  }
  void TearDown() override {
    users_.reset();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  Result<User> sign_in(std::string_view name, std::string_view password, std::string_view code = "") {
    return users_->authenticate(name, password, code, "127.0.0.1");
  }
  std::string stored_bytes() {
    std::string all;
    EXPECT_TRUE(store_
                    ->read([&](store::ReadTxn& txn) -> Status {
                      COFFER_ASSIGN_OR_RETURN(auto page, txn.scan("", "", 1000));
                      for (const auto& e : page) all += e.key + "=" + e.value + "\n";
                      return Status::Ok();
                    })
                    .ok());
    return all;
  }

  void put(const std::string& key, const std::string& value) {
    ASSERT_TRUE(store_->write([&](store::WriteTxn& txn) { return txn.put(key, value); }).ok());
  }
  void erase(const std::string& key) {
    ASSERT_TRUE(store_->write([&](store::WriteTxn& txn) { return txn.erase(key); }).ok());
  }
  std::optional<std::string> get(const std::string& key) {
    std::optional<std::string> value;
    EXPECT_TRUE(store_
                    ->read([&](store::ReadTxn& txn) -> Status {
                      COFFER_ASSIGN_OR_RETURN(auto e, txn.get(key));
                      if (e) value = e->value;
                      return Status::Ok();
                    })
                    .ok());
    return value;
  }

  std::filesystem::path dir_;
  ManualClock clock_{1'700'000'000};
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<crypto::Keyring> keyring_;
  std::unique_ptr<UserRegistry> users_;
};

}  // namespace coffer::auth
