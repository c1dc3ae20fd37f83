#include "crypto/file_io.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace coffer::crypto::fileio {

Fd::~Fd() {
  if (fd_ >= 0) ::close(fd_);
}

ssize_t read_full(int fd, char* buf, std::size_t n) {
  std::size_t got = 0;
  while (got < n) {
    ssize_t r = ::read(fd, buf + got, n - got);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return -1;
    if (r == 0) break;
    got += static_cast<std::size_t>(r);
  }
  return static_cast<ssize_t>(got);
}

bool write_full(int fd, const char* buf, std::size_t n) {
  while (n > 0) {
    ssize_t w = ::write(fd, buf, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return false;
    buf += w;
    n -= static_cast<std::size_t>(w);
  }
  return true;
}

std::string errno_text(int e) { return std::strerror(e); }

bool exists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0;
}

Status sync_parent_dir(const std::string& path) {
  std::filesystem::path parent = std::filesystem::path(path).parent_path();
  if (parent.empty()) parent = ".";
  Fd dir(::open(parent.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dir.get() < 0 || ::fsync(dir.get()) != 0) {
    const int e = errno;
    return Status(Code::kInternal,
                  "cannot sync directory " + parent.string() + " (for " + path + "): " + errno_text(e));
  }
  return Status::Ok();
}

Status write_file_atomic(const std::string& path, std::string_view data, mode_t mode) {
  const std::string tmp = path + ".tmp";
  ::unlink(tmp.c_str());  // a leftover from an interrupted run
  Fd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode));
  if (fd.get() < 0) {
    int e = errno;
    return Status(Code::kInternal, "cannot create " + tmp + ": " + errno_text(e));
  }
  bool ok = ::fchmod(fd.get(), mode) == 0 && write_full(fd.get(), data.data(), data.size()) && ::fsync(fd.get()) == 0;
  int e = errno;
  if (::close(fd.release()) != 0 && ok) {
    ok = false;
    e = errno;
  }
  if (ok && ::rename(tmp.c_str(), path.c_str()) != 0) {
    ok = false;
    e = errno;
  }
  if (!ok) {
    ::unlink(tmp.c_str());
    return Status(Code::kInternal, "cannot write " + path + ": " + errno_text(e));
  }
  return sync_parent_dir(path);
}

Result<SecureString> read_file(const std::string& path) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  struct stat st {};
  if (fd.get() < 0 || ::fstat(fd.get(), &st) != 0) {
    int e = errno;
    return Status(Code::kInternal, "cannot read " + path + ": " + errno_text(e));
  }
  SecureString out;
  out.resize(static_cast<std::size_t>(st.st_size));
  ssize_t n = read_full(fd.get(), out.data(), out.size());
  if (n < 0) {
    int e = errno;
    return Status(Code::kInternal, "cannot read " + path + ": " + errno_text(e));
  }
  out.resize(static_cast<std::size_t>(n));
  return out;
}

}  // namespace coffer::crypto::fileio
