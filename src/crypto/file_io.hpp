// Internal to crypto/: small POSIX file helpers for key material.
#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>
#include <utility>

#include "common/secure_memory.hpp"
#include "common/status.hpp"

namespace coffer::crypto::fileio {

// Closes a file descriptor when it goes out of scope.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd();
  int get() const { return fd_; }
  int release() { return std::exchange(fd_, -1); }

 private:
  int fd_;
};

// Reads up to n bytes, retrying short reads; the count read, or -1 (errno set).
ssize_t read_full(int fd, char* buf, std::size_t n);
// Writes all n bytes, retrying short writes; false on error (errno set).
bool write_full(int fd, const char* buf, std::size_t n);

std::string errno_text(int e);
bool exists(const std::string& path);
// fsyncs the directory holding `path`, so a new entry survives a crash.
Status sync_parent_dir(const std::string& path);

// Replaces `path` atomically (temp file, fsync, rename) with `data`, mode `mode`.
Status write_file_atomic(const std::string& path, std::string_view data, mode_t mode);
// The whole file; secret contents are wiped when the result is destroyed.
Result<SecureString> read_file(const std::string& path);

}  // namespace coffer::crypto::fileio
