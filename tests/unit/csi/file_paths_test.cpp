// The driver's File.path rules (PROVIDER-SPEC §2.4.3), checked by the
// provider on its own output.
#include "csi/file_paths.hpp"

#include <gtest/gtest.h>

#include <string>

#include "csi/mount_errors.hpp"

namespace coffer::csi {
namespace {

void expect_ok(const std::string& path) {
  Status st = check_file_path(path);
  EXPECT_TRUE(st.ok()) << "'" << path.substr(0, 80) << "' (" << path.size() << " chars): " << st.message();
}

void expect_invalid(const std::string& path) {
  Status st = check_file_path(path);
  ASSERT_FALSE(st.ok()) << "accepted '" << path.substr(0, 80) << "' (" << path.size() << " chars)";
  EXPECT_EQ(st.code(), Code::kBadParameter);
  EXPECT_EQ(st.reason(), errors::kInvalidPath) << path.substr(0, 80);
}

TEST(CheckFilePath, AcceptsCleanRelativePaths) {
  for (const char* p : {"a", "a/b", "a..b", ".hidden", "a/.b", "a/..b", "a/b..", "a/b/c/d", "x.crt", ".a..", "a.",
                        "a/b.", "a-b_c~d", "secret1/0", "dir/sub/file.pem", "a b", "\xc3\xa9", "._x"}) {
    expect_ok(p);
  }
}

TEST(CheckFilePath, RefusesEmptyAndAbsolute) {
  expect_invalid("");
  expect_invalid("/a");
  expect_invalid("/");
  expect_invalid("//a");
}

TEST(CheckFilePath, LengthLimitIs4096) {
  // 15 components of 255, then 200 and 55: 4080 characters and 16 slashes.
  std::string path;
  for (int i = 0; i < 15; ++i) path += std::string(255, static_cast<char>('a' + i)) + "/";
  path += std::string(200, 'y') + "/" + std::string(55, 'z');
  ASSERT_EQ(path.size(), 4096u);
  ASSERT_NE(path.back(), '/');
  expect_ok(path);
  expect_invalid(path + "q");
  expect_invalid(path + "/q");
}

TEST(CheckFilePath, ComponentLimitIs255) {
  expect_ok(std::string(255, 'c'));
  expect_invalid(std::string(256, 'c'));
  expect_ok("dir/" + std::string(255, 'c'));
  expect_invalid("dir/" + std::string(256, 'c'));
  expect_invalid(std::string(256, 'c') + "/file");
  expect_ok(std::string(255, 'c') + "/" + std::string(255, 'd'));
}

TEST(CheckFilePath, RefusesDotDot) {
  expect_invalid("..");
  expect_invalid("../a");
  expect_invalid("a/../b");
  expect_invalid("a/..");
  expect_invalid("a/b/../../c");
}

TEST(CheckFilePath, FirstComponentMustNotStartWithDotDot) {
  // The driver's atomic writer keeps its own "..data" and "..<timestamp>" entries.
  expect_invalid("..a");
  expect_invalid("..data");
  expect_invalid("..data/x");
  expect_invalid("...");
  expect_invalid("...x/y");
  // Only the first component: deeper ones may.
  expect_ok("a/..b");
  expect_ok("a/...");
}

TEST(CheckFilePath, MustBeInCleanForm) {
  expect_invalid(".");
  expect_invalid("./a");
  expect_invalid("a/./b");
  expect_invalid("a/.");
  expect_invalid("a//b");
  expect_invalid("a/");
  expect_invalid("a/b/");
  expect_invalid("a///b");
}

TEST(CheckFilePath, RefusesNulBytes) {
  expect_invalid(std::string("a\0b", 3));
  expect_invalid(std::string("\0", 1));
}

TEST(CheckFilePath, MessageNamesThePathButIsBounded) {
  const std::string long_path = std::string(300, 'z') + "/";
  Status st = check_file_path(long_path);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("zzzz"), std::string::npos);
  EXPECT_LT(st.message().size(), 300u) << st.message();
}

}  // namespace
}  // namespace coffer::csi
