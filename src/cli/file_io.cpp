#include "cli/file_io.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace coffer::cli {

Result<std::string> read_file(const std::string& path, std::size_t max_bytes) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status(Code::kBadParameter, "Cannot read '" + path + "': " + std::strerror(errno) + ".");
  std::string out;
  char buf[65536];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int err = errno;
      ::close(fd);
      return Status(Code::kBadParameter, "Cannot read '" + path + "': " + std::strerror(err) + ".");
    }
    if (n == 0) break;
    out.append(buf, std::size_t(n));
    if (out.size() > max_bytes) {
      ::close(fd);
      return Status(Code::kBadParameter, "'" + path + "' is larger than " + std::to_string(max_bytes) + " bytes.");
    }
  }
  ::close(fd);
  return out;
}

Status require_absent(const std::string& path) {
  struct stat st;
  if (::lstat(path.c_str(), &st) == 0) {
    return Status(Code::kConflict, "File or directory named '" + path + "' already exists.");
  }
  return Status::Ok();
}

Status write_private_file(const std::string& path, std::string_view bytes, Overwrite overwrite) {
  int flags = O_WRONLY | O_CREAT | O_CLOEXEC;
  flags |= overwrite == Overwrite::kRefuse ? O_EXCL : O_TRUNC;
  const int fd = ::open(path.c_str(), flags, 0600);
  if (fd < 0) {
    if (errno == EEXIST) return Status(Code::kConflict, "File or directory named '" + path + "' already exists.");
    return Status(Code::kBadParameter, "Cannot write '" + path + "': " + std::strerror(errno) + ".");
  }
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int err = errno;
      ::close(fd);
      ::unlink(path.c_str());
      return Status(Code::kBadParameter, "Cannot write '" + path + "': " + std::strerror(err) + ".");
    }
    done += std::size_t(n);
  }
  if (::close(fd) != 0) {
    const int err = errno;
    ::unlink(path.c_str());
    return Status(Code::kBadParameter, "Cannot write '" + path + "': " + std::strerror(err) + ".");
  }
  return Status::Ok();
}

}  // namespace coffer::cli
