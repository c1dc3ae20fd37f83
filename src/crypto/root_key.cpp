#include "crypto/root_key.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <optional>

#include "common/base64.hpp"
#include "crypto/file_io.hpp"
#include "crypto/random.hpp"

namespace coffer::crypto {
namespace {

using fileio::errno_text;
using fileio::Fd;

constexpr std::size_t kRootKeySize = 32;

class FileRootKey final : public RootKeySource {
 public:
  explicit FileRootKey(std::string path) : path_(std::move(path)) {}

  Result<SecureString> load() override {
    const std::string where = "root key file " + path_;
    Fd fd(::open(path_.c_str(), O_RDONLY | O_CLOEXEC));
    if (fd.get() < 0) {
      int e = errno;
      return Status(Code::kInternal, where + ": cannot open: " + errno_text(e));
    }
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0) {
      int e = errno;
      return Status(Code::kInternal, where + ": cannot stat: " + errno_text(e));
    }
    if (!S_ISREG(st.st_mode)) return Status(Code::kInternal, where + " is not a regular file");
    if ((st.st_mode & 077) != 0) {
      char mode[8];
      (void)std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
      return Status(Code::kInternal, where + " is accessible by group or others (mode " + mode +
                                         "); restrict it with: chmod 600 " + path_);
    }
    SecureString key;
    key.resize(kRootKeySize + 1);  // one extra byte detects a file that is too long
    ssize_t n = fileio::read_full(fd.get(), key.data(), key.size());
    if (n < 0) {
      int e = errno;
      return Status(Code::kInternal, where + ": cannot read: " + errno_text(e));
    }
    if (static_cast<std::size_t>(n) != kRootKeySize) {
      return Status(Code::kInternal,
                    where + " must hold exactly 32 raw bytes (size is " + std::to_string(st.st_size) + " bytes)");
    }
    key.resize(kRootKeySize);
    return key;
  }

  std::string describe() const override { return "file " + path_; }

 private:
  std::string path_;
};

class EnvRootKey final : public RootKeySource {
 public:
  explicit EnvRootKey(std::string variable) : variable_(std::move(variable)) {}

  Result<SecureString> load() override {
    const std::string where = "environment variable " + variable_;
    const char* value = std::getenv(variable_.c_str());
    if (value == nullptr || *value == '\0') {
      return Status(Code::kInternal, where + " is not set");
    }
    std::string_view text(value);
    constexpr std::string_view kSpace = " \t\r\n";
    text.remove_prefix(std::min(text.find_first_not_of(kSpace), text.size()));
    text.remove_suffix(text.size() - std::min(text.find_last_not_of(kSpace) + 1, text.size()));
    std::optional<std::string> raw = base64_decode(text);
    if (!raw) return Status(Code::kInternal, where + " is not valid base64");
    std::string& bytes = *raw;
    SecureString key{std::string_view(bytes)};
    secure_wipe(bytes.data(), bytes.size());
    if (key.size() != kRootKeySize) {
      return Status(Code::kInternal, where + " must hold base64 of exactly 32 bytes (decodes to " +
                                         std::to_string(key.size()) + " bytes)");
    }
    return key;
  }

  std::string describe() const override { return "env " + variable_; }

 private:
  std::string variable_;
};

}  // namespace

std::unique_ptr<RootKeySource> file_root_key(std::string path) {
  return std::make_unique<FileRootKey>(std::move(path));
}

std::unique_ptr<RootKeySource> env_root_key(std::string variable) {
  return std::make_unique<EnvRootKey>(std::move(variable));
}

Result<bool> create_root_key_file(const std::string& path) {
  Fd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
  if (fd.get() < 0) {
    int e = errno;
    if (e == EEXIST) return false;
    return Status(Code::kInternal, "cannot create root key file " + path + ": " + errno_text(e));
  }
  SecureString key = random_bytes(kRootKeySize);
  bool ok = fileio::write_full(fd.get(), key.data(), key.size()) && ::fsync(fd.get()) == 0;
  int e = errno;
  if (::close(fd.release()) != 0 && ok) {
    ok = false;
    e = errno;
  }
  if (!ok) {
    ::unlink(path.c_str());
    return Status(Code::kInternal, "cannot write root key file " + path + ": " + errno_text(e));
  }
  COFFER_RETURN_IF_ERROR(fileio::sync_parent_dir(path));
  return true;
}

}  // namespace coffer::crypto
