#include "audit/outputs.hpp"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace coffer::audit {
namespace {

Status io_error(const std::string& what) {
  return Status(Code::kUnavailable, what + ": " + std::strerror(errno));
}

// Writes all of `data` to `fd`; false with errno on failure.
bool write_all(int fd, std::string_view data, bool socket) {
  std::size_t done = 0;
  while (done < data.size()) {
    ssize_t n = socket ? ::send(fd, data.data() + done, data.size() - done, MSG_NOSIGNAL)
                       : ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      if (n == 0) errno = EIO;
      return false;
    }
    done += std::size_t(n);
  }
  return true;
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

  Result<std::optional<ChainHead>> prepare() override {
    const bool forced = reopen_.exchange(false);
    if (forced) may_create_ = true;
    if (fd_ >= 0 && !forced) {
      struct stat at_path {}, open_file {};
      if (::stat(path_.c_str(), &at_path) != 0) {
        return io_error("audit log " + path_ + " was deleted or moved (send SIGHUP to reopen)");
      }
      if (::fstat(fd_, &open_file) == 0 && at_path.st_dev == open_file.st_dev && at_path.st_ino == open_file.st_ino) {
        return std::optional<ChainHead>();
      }
    }
    if (fd_ >= 0) {
      ::close(fd_);
      fd_ = -1;
    }
    int fd = ::open(path_.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC | (may_create_ ? O_CREAT : 0), 0600);
    if (fd < 0) return io_error("cannot open audit log " + path_);
    fd_ = fd;
    may_create_ = false;
    return read_tail();
  }

  Status append(std::string_view lines) override {
    struct stat st {};
    const bool regular = ::fstat(fd_, &st) == 0 && S_ISREG(st.st_mode);
    if (write_all(fd_, lines, false)) return Status::Ok();
    Status failed = io_error("audit log " + path_ + " write failed");
    if (regular && ::ftruncate(fd_, st.st_size) != 0) {
      // The torn batch stays; the next open cuts a torn last line, and verify names it.
    }
    return failed;
  }

 private:
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
    std::string_view last = prev_nl == std::string::npos ? std::string_view(tail) : std::string_view(tail).substr(prev_nl + 1);
    auto head = head_after(last);
    if (!head.ok()) return std::optional<ChainHead>();  // not a chained log: start a chain after it
    return std::optional<ChainHead>(*head);
  }

  std::string path_;
  std::string id_;
  int fd_ = -1;
  bool may_create_ = true;
  std::atomic<bool> reopen_{false};
};

class StdoutOutput final : public AuditOutput {
 public:
  const std::string& id() const override { return id_; }
  Result<std::optional<ChainHead>> prepare() override { return std::optional<ChainHead>(); }
  Status append(std::string_view lines) override {
    if (write_all(1, lines, false)) return Status::Ok();
    return io_error("audit stdout write failed");
  }

 private:
  std::string id_ = "stdout";
};

class UnixSocketOutput final : public AuditOutput {
 public:
  explicit UnixSocketOutput(std::string path) : path_(std::move(path)), id_("unix:" + path_) {}
  ~UnixSocketOutput() override { disconnect(); }
  const std::string& id() const override { return id_; }
  void reopen() override { reopen_.store(true); }

  Result<std::optional<ChainHead>> prepare() override {
    if (reopen_.exchange(false)) disconnect();
    if (fd_ >= 0) return std::optional<ChainHead>();
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (path_.size() >= sizeof addr.sun_path) return Status(Code::kBadParameter, "unix socket path too long");
    std::memcpy(addr.sun_path, path_.c_str(), path_.size() + 1);
    int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
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
