#include "server/data_dir_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace coffer::server {

Result<DataDirLock> DataDirLock::acquire(const std::string& data_dir) {
  const std::string path = (std::filesystem::path(data_dir) / "coffer.lock").string();
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return Status(Code::kUnavailable, "cannot open " + path + ": " + std::strerror(errno));
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    ::close(fd);
    if (err == EWOULDBLOCK) {
      return Status(Code::kUnavailable, "another Coffer server is running on the data directory " + data_dir);
    }
    return Status(Code::kUnavailable, "cannot lock " + path + ": " + std::strerror(err));
  }
  return DataDirLock(fd);
}

DataDirLock::~DataDirLock() {
  if (fd_ >= 0) ::close(fd_);
}

}  // namespace coffer::server
