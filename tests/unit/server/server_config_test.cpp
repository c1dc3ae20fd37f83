// The PostgreSQL storage settings of `coffer server`: storageLeaseMs comes
// from the environment, defaults to 2 s, and is refused outside 100–60000 ms
// with a message naming it (parse errors and validate()).
#include "server/server_config.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <string>

namespace coffer::server {
namespace {

class StorageLeaseTest : public ::testing::Test {
 protected:
  void TearDown() override { unsetenv("COFFER_STORAGE_LEASE_MS"); }
  static ServerConfig dev() {
    ServerConfig c;
    c.dev = true;
    return c;
  }
};

TEST_F(StorageLeaseTest, DefaultsToTwoSecondsAndValidates) {
  ServerConfig c = dev();
  EXPECT_EQ(c.storage_lease_ms, 2000u);
  EXPECT_TRUE(validate(c).ok());
}

TEST_F(StorageLeaseTest, ComesFromTheEnvironment) {
  setenv("COFFER_STORAGE_LEASE_MS", "500", 1);
  ServerConfig c = dev();
  ASSERT_TRUE(apply_environment(c).ok());
  EXPECT_EQ(c.storage_lease_ms, 500u);
  EXPECT_TRUE(validate(c).ok());
}

TEST_F(StorageLeaseTest, OutOfRangeOrNotANumberIsRefusedByName) {
  for (const char* bad : {"60001", "-5", "2s", ""}) {
    setenv("COFFER_STORAGE_LEASE_MS", bad, 1);
    ServerConfig c = dev();
    const Status st = apply_environment(c);
    EXPECT_EQ(st.code(), Code::kBadParameter) << bad;
    EXPECT_NE(st.message().find("storageLeaseMs"), std::string::npos) << st.message();
  }
  ServerConfig c = dev();
  c.storage_lease_ms = 99;
  const Status st = validate(c);
  EXPECT_EQ(st.code(), Code::kBadParameter);
  EXPECT_NE(st.message().find("storageLeaseMs"), std::string::npos) << st.message();
}

}  // namespace
}  // namespace coffer::server
