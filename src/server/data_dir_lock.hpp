// DataDirLock: one server process per data directory. The server holds an
// exclusive flock(2) on DIR/coffer.lock for its lifetime (the kernel drops
// it when the process dies, however it dies), so a second server on the same
// directory refuses to start instead of sharing the database and audit chain
// behind the first one's in-memory state (caches, RBAC index, chain heads).
#pragma once

#include <string>

#include "common/status.hpp"

namespace coffer::server {

class DataDirLock {
 public:
  // kUnavailable naming the directory when another process holds it.
  static Result<DataDirLock> acquire(const std::string& data_dir);
  DataDirLock(DataDirLock&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  DataDirLock& operator=(DataDirLock&&) = delete;
  ~DataDirLock();

 private:
  explicit DataDirLock(int fd) : fd_(fd) {}
  int fd_;
};

}  // namespace coffer::server
