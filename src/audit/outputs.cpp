#include "audit/outputs.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace coffer::audit {
namespace {

Status io_error(const std::string& what) { return Status(Code::kUnavailable, what + ": " + std::strerror(errno)); }

// How a destination's descriptor can be written without blocking.
enum class FdKind {
  kRegular,      // a regular file: writes do not block
  kNonBlocking,  // O_NONBLOCK (pipes, FIFOs, sockets): a full destination answers EAGAIN
  kBlocking,     // anything else (a terminal, a blocking pipe): only the worker writes
};

FdKind classify(int fd) {
  struct stat st {};
  if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) return FdKind::kRegular;
  const int flags = ::fcntl(fd, F_GETFL);
  return flags >= 0 && (flags & O_NONBLOCK) ? FdKind::kNonBlocking : FdKind::kBlocking;
}

ssize_t write_once(int fd, const char* data, std::size_t size, bool socket) {
  return socket ? ::send(fd, data, size, MSG_NOSIGNAL) : ::write(fd, data, size);
}

// Writes all of `data` to `fd`, waiting for room when it is non-blocking;
// false with errno on failure.
bool write_all(int fd, std::string_view data, bool socket) {
  std::size_t done = 0;
  while (done < data.size()) {
    ssize_t n = write_once(fd, data.data() + done, data.size() - done, socket);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      pollfd p{fd, POLLOUT, 0};
      if (::poll(&p, 1, -1) < 0 && errno != EINTR) return false;
      continue;
    }
    if (n <= 0) {
      if (n == 0) errno = EIO;
      return false;
    }
    done += std::size_t(n);
  }
  return true;
}

// Writes what `fd` takes without blocking: the byte count, or -1 with errno.
ssize_t write_nowait(int fd, FdKind kind, std::string_view data, bool socket) {
  if (kind == FdKind::kBlocking) return 0;
  if (kind == FdKind::kRegular) return write_all(fd, data, socket) ? ssize_t(data.size()) : -1;
  std::size_t done = 0;
  while (done < data.size()) {
    ssize_t n = write_once(fd, data.data() + done, data.size() - done, socket);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
    if (n <= 0) {
      if (n == 0) errno = EIO;
      return done > 0 ? ssize_t(done) : -1;  // bytes already out stay out; append() reports the error
    }
    done += std::size_t(n);
  }
  return ssize_t(done);
}

constexpr std::size_t kTailBytes = 1 << 20;  // longest last line we look back for

class FileOutput final : public AuditOutput {
 public:
  explicit FileOutput(std::string path) : path_(std::move(path)), id_("file:" + path_) {}
  ~FileOutput() override {
    if (fd_ >= 0) ::close(fd_);
  }
  const std::string& id() const override { return id_; }

  void reopen() override { reopen_.store(true); }

  bool still_in_place() const override {
    struct stat at_path {};
    return ::stat(path_.c_str(), &at_path) == 0 && at_path.st_dev == dev_.load() && at_path.st_ino == ino_.load();
  }

  Result<std::optional<ChainHead>> prepare(bool in_place) override {
    const bool forced = reopen_.exchange(false);
    if (forced) may_create_ = true;
    if (fd_ >= 0 && !forced) {
      if (in_place) return std::optional<ChainHead>();
      struct stat at_path {};
      if (::stat(path_.c_str(), &at_path) != 0) {
        return io_error("audit log " + path_ + " was deleted or moved (send SIGHUP to reopen)");
      }
      if (at_path.st_dev == dev_.load() && at_path.st_ino == ino_.load()) return std::optional<ChainHead>();
    }
    if (fd_ >= 0) {
      ::close(fd_);
      fd_ = -1;
    }
    // O_NONBLOCK: a FIFO without a reader fails instead of hanging the open,
    // and a full one answers EAGAIN (no effect on regular files).
    int fd = ::open(path_.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC | O_NONBLOCK | (may_create_ ? O_CREAT : 0), 0600);
    if (fd < 0) return io_error("cannot open audit log " + path_);
    fd_ = fd;
    kind_ = classify(fd_);
    may_create_ = false;
    struct stat open_file {};
    if (::fstat(fd_, &open_file) != 0) return io_error("cannot stat audit log " + path_);
    dev_ = open_file.st_dev;
    ino_ = open_file.st_ino;
    auto head = read_tail();
    if (head.ok() && kind_ == FdKind::kRegular) {
      if (::fstat(fd_, &open_file) != 0) return io_error("cannot stat audit log " + path_);
      size_ = open_file.st_size;
    }
    return head;
  }

  Status append(std::string_view lines) override {
    if (write_regular_or_all(lines)) return Status::Ok();
    return io_error("audit log " + path_ + " write failed");
  }

  Result<std::size_t> write_some(std::string_view lines) override {
    if (kind_ == FdKind::kRegular) {
      if (write_regular_or_all(lines)) return lines.size();
      return io_error("audit log " + path_ + " write failed");
    }
    ssize_t n = write_nowait(fd_, kind_, lines, false);
    if (n < 0) return io_error("audit log " + path_ + " write failed");
    return std::size_t(n);
  }

 private:
  // All of `lines`; a regular file is cut back to its size before a failed write.
  bool write_regular_or_all(std::string_view lines) {
    if (write_all(fd_, lines, false)) {
      size_ += off_t(lines.size());
      return true;
    }
    const int saved = errno;
    if (kind_ == FdKind::kRegular && ::ftruncate(fd_, size_) != 0) {
      // The torn batch stays; the next open cuts a torn last line, and verify names it.
    }
    errno = saved;
    return false;
  }

  // The head of the chain already in the file; cuts a torn last line.
  Result<std::optional<ChainHead>> read_tail() {
    struct stat st {};
    if (::fstat(fd_, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size == 0) return std::optional<ChainHead>();
    const off_t size = st.st_size;
    const off_t start = size > off_t(kTailBytes) ? size - off_t(kTailBytes) : 0;
    std::string tail(std::size_t(size - start), '\0');
    int rfd = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
    if (rfd < 0) return io_error("cannot read the tail of audit log " + path_);
    ssize_t n = ::pread(rfd, tail.data(), tail.size(), start);
    ::close(rfd);
    if (n != ssize_t(tail.size())) return io_error("cannot read the tail of audit log " + path_);
    auto last_nl = tail.rfind('\n');
    if (last_nl != tail.size() - 1) {  // torn line from a crash: it was never acknowledged
      const off_t keep = last_nl == std::string::npos ? start : start + off_t(last_nl) + 1;
      if (::ftruncate(fd_, keep) != 0) return io_error("cannot cut a torn line from audit log " + path_);
      if (last_nl == std::string::npos) return std::optional<ChainHead>();
      tail.resize(last_nl + 1);
    }
    tail.pop_back();
    auto prev_nl = tail.rfind('\n');
    std::string_view last =
        prev_nl == std::string::npos ? std::string_view(tail) : std::string_view(tail).substr(prev_nl + 1);
    auto head = head_after(last);
    if (!head.ok()) return std::optional<ChainHead>();  // not a chained log: start a chain after it
    return std::optional<ChainHead>(*head);
  }

  std::string path_;
  std::string id_;
  int fd_ = -1;
  FdKind kind_ = FdKind::kBlocking;
  std::atomic<dev_t> dev_{0};  // identity of the open file, to notice a deleted or replaced path
  std::atomic<ino_t> ino_{0};
  off_t size_ = 0;  // of a regular file after our last write (we are its only writer)
  bool may_create_ = true;
  std::atomic<bool> reopen_{false};
};

class StdoutOutput final : public AuditOutput {
 public:
  // A pipe (Kubernetes' log collection) is reopened through /proc as an own
  // non-blocking open file description: setting O_NONBLOCK on fd 1 itself
  // would change it for everyone sharing the pipe, stderr included.
  StdoutOutput() {
    struct stat st {};
    if (::fstat(1, &st) == 0 && S_ISFIFO(st.st_mode)) {
      int fd = ::open("/proc/self/fd/1", O_WRONLY | O_NONBLOCK | O_CLOEXEC);
      if (fd >= 0) fd_ = fd;
    }
    kind_ = classify(fd_);
  }
  ~StdoutOutput() override {
    if (fd_ != 1) ::close(fd_);
  }
  const std::string& id() const override { return id_; }
  Result<std::optional<ChainHead>> prepare(bool) override { return std::optional<ChainHead>(); }
  Status append(std::string_view lines) override {
    if (write_all(fd_, lines, false)) return Status::Ok();
    return io_error("audit stdout write failed");
  }
  Result<std::size_t> write_some(std::string_view lines) override {
    ssize_t n = write_nowait(fd_, kind_, lines, false);
    if (n < 0) return io_error("audit stdout write failed");
    return std::size_t(n);
  }

 private:
  std::string id_ = "stdout";
  int fd_ = 1;
  FdKind kind_ = FdKind::kBlocking;
};

class UnixSocketOutput final : public AuditOutput {
 public:
  explicit UnixSocketOutput(std::string path) : path_(std::move(path)), id_("unix:" + path_) {}
  ~UnixSocketOutput() override { disconnect(); }
  const std::string& id() const override { return id_; }
  void reopen() override { reopen_.store(true); }

  Result<std::optional<ChainHead>> prepare(bool) override {
    if (reopen_.exchange(false)) disconnect();
    if (fd_ >= 0) return std::optional<ChainHead>();
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (path_.size() >= sizeof addr.sun_path) return Status(Code::kBadParameter, "unix socket path too long");
    std::memcpy(addr.sun_path, path_.c_str(), path_.size() + 1);
    // Non-blocking: a listener with a full backlog fails the connect instead
    // of hanging it, and a full socket answers EAGAIN to write_some().
    int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) return io_error("audit socket");
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      Status st = io_error("cannot connect to audit socket " + path_);
      ::close(fd);
      return st;
    }
    fd_ = fd;
    return std::optional<ChainHead>();
  }

  Status append(std::string_view lines) override {
    if (write_all(fd_, lines, true)) return Status::Ok();
    Status st = io_error("audit socket " + path_ + " write failed");
    disconnect();
    return st;
  }

  Result<std::size_t> write_some(std::string_view lines) override {
    ssize_t n = write_nowait(fd_, FdKind::kNonBlocking, lines, true);
    if (n >= 0) return std::size_t(n);
    Status st = io_error("audit socket " + path_ + " write failed");
    disconnect();
    return st;
  }

 private:
  void disconnect() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  std::string path_;
  std::string id_;
  int fd_ = -1;
  std::atomic<bool> reopen_{false};
};

}  // namespace

std::unique_ptr<AuditOutput> file_output(std::string path) { return std::make_unique<FileOutput>(std::move(path)); }
std::unique_ptr<AuditOutput> stdout_output() { return std::make_unique<StdoutOutput>(); }
std::unique_ptr<AuditOutput> unix_socket_output(std::string path) {
  return std::make_unique<UnixSocketOutput>(std::move(path));
}

Result<std::unique_ptr<AuditOutput>> make_output(std::string_view spec, const std::string& default_file) {
  if (spec == "file") return file_output(default_file);
  if (spec.starts_with("file:") && spec.size() > 5) return file_output(std::string(spec.substr(5)));
  if (spec == "stdout") return stdout_output();
  if (spec.starts_with("unix:") && spec.size() > 5) return unix_socket_output(std::string(spec.substr(5)));
  return Status(Code::kBadParameter,
                "Unknown audit sink '" + std::string(spec) + "' (use file, file:PATH, stdout or unix:PATH).");
}

}  // namespace coffer::audit
