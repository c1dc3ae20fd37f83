#include "crypto/root_key.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>

#include "common/base64.hpp"
#include "test_util.hpp"

namespace coffer::crypto {
namespace {

using testing::read_file;
using testing::TempDir;
using testing::write_file;

std::string key_bytes() {
  std::string k(32, '\0');
  for (int i = 0; i < 32; ++i) k[i] = static_cast<char>(i * 7 + 1);
  return k;
}

void write_key_file(const std::string& path, const std::string& data, mode_t mode) {
  write_file(path, data);
  ASSERT_EQ(::chmod(path.c_str(), mode), 0);
}

TEST(FileRootKey, LoadsExactly32Bytes) {
  TempDir dir;
  write_key_file(dir.file("root.key"), key_bytes(), 0600);
  auto src = file_root_key(dir.file("root.key"));
  EXPECT_EQ(src->describe(), "file " + dir.file("root.key"));
  auto key = src->load();
  ASSERT_TRUE(key.ok()) << key.status().message();
  EXPECT_EQ(key->view(), key_bytes());
  write_key_file(dir.file("ro.key"), key_bytes(), 0400);
  EXPECT_TRUE(file_root_key(dir.file("ro.key"))->load().ok());
}

TEST(FileRootKey, RefusesGroupOrOtherPermissions) {
  TempDir dir;
  for (mode_t mode : {0644, 0640, 0604, 0660, 0610}) {
    write_key_file(dir.file("root.key"), key_bytes(), mode);
    auto key = file_root_key(dir.file("root.key"))->load();
    ASSERT_FALSE(key.ok()) << std::oct << mode;
    EXPECT_NE(key.status().message().find("chmod 600"), std::string::npos) << key.status().message();
  }
}

TEST(FileRootKey, RefusesWrongSize) {
  TempDir dir;
  for (std::size_t n : {0, 16, 31, 33, 64}) {
    write_key_file(dir.file("root.key"), std::string(n, 'k'), 0600);
    auto key = file_root_key(dir.file("root.key"))->load();
    ASSERT_FALSE(key.ok()) << n;
    EXPECT_NE(key.status().message().find("32"), std::string::npos) << key.status().message();
  }
}

TEST(FileRootKey, MissingFileOrDirectoryIsAnError) {
  TempDir dir;
  auto missing = file_root_key(dir.file("nope"))->load();
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find(dir.file("nope")), std::string::npos);
  ::chmod(dir.path().c_str(), 0700);
  EXPECT_FALSE(file_root_key(dir.path().string())->load().ok());
}

TEST(CreateRootKeyFile, CreatesOnceWithMode0600) {
  TempDir dir;
  const std::string path = dir.file("root.key");
  auto created = create_root_key_file(path);
  ASSERT_TRUE(created.ok()) << created.status().message();
  EXPECT_TRUE(*created);
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(st.st_size, 32);
  const std::string first = read_file(path);

  auto again = create_root_key_file(path);
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(*again);
  EXPECT_EQ(read_file(path), first);

  auto key = file_root_key(path)->load();
  ASSERT_TRUE(key.ok());
  EXPECT_EQ(key->view(), first);
}

TEST(CreateRootKeyFile, ErrorWhenDirectoryMissing) {
  TempDir dir;
  auto r = create_root_key_file(dir.file("missing/root.key"));
  EXPECT_FALSE(r.ok());
}

TEST(EnvRootKey, LoadsBase64) {
  ::setenv("COFFER_TEST_ROOT_KEY", base64_encode(key_bytes()).c_str(), 1);
  auto src = env_root_key("COFFER_TEST_ROOT_KEY");
  EXPECT_EQ(src->describe(), "env COFFER_TEST_ROOT_KEY");
  auto key = src->load();
  ASSERT_TRUE(key.ok()) << key.status().message();
  EXPECT_EQ(key->view(), key_bytes());
  ::unsetenv("COFFER_TEST_ROOT_KEY");
}

TEST(EnvRootKey, RefusesBadValues) {
  auto src = env_root_key("COFFER_TEST_ROOT_KEY");
  ::unsetenv("COFFER_TEST_ROOT_KEY");
  auto unset = src->load();
  ASSERT_FALSE(unset.ok());
  EXPECT_NE(unset.status().message().find("COFFER_TEST_ROOT_KEY"), std::string::npos);

  ::setenv("COFFER_TEST_ROOT_KEY", "not base64 at all!", 1);
  auto bad = src->load();
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("base64"), std::string::npos);

  ::setenv("COFFER_TEST_ROOT_KEY", base64_encode(std::string(31, 'k')).c_str(), 1);
  auto short_key = src->load();
  ASSERT_FALSE(short_key.ok());
  EXPECT_NE(short_key.status().message().find("32"), std::string::npos);
  ::unsetenv("COFFER_TEST_ROOT_KEY");
}

}  // namespace
}  // namespace coffer::crypto
