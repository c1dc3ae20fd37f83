// AuditOutput: one destination of audit lines, driven by one AuditLog sink
// at a time (not thread-safe, except reopen()): either a request thread
// through write_some(), which never blocks, or the sink's worker through
// append(), which may.
//   file:PATH   appended with O_APPEND, mode 0600. A batch is all or nothing:
//               after a failed or short write the file is truncated back.
//               The path is checked before each batch: a deleted or moved
//               file is a failure (records would go to an inode nobody can
//               read) until reopen() (SIGHUP) creates it again or a file
//               appears at the path (e.g. made by a rotation tool), which is
//               adopted. A torn last line left by a crash is cut off at open.
//   stdout      JSON lines on file descriptor 1 (for Kubernetes).
//   unix:PATH   JSON lines over a unix stream socket (e.g. to a log shipper);
//               reconnects on the next batch after an error.
// A write that would block (a full pipe, a listener that never reads) is
// left to the worker; AuditLog turns a worker blocked too long into a
// timeout for requests. Writes to regular files are taken not to block.
#pragma once

#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "audit/chain.hpp"
#include "common/status.hpp"

namespace coffer::audit {

class AuditOutput {
 public:
  virtual ~AuditOutput() = default;
  // Name for messages, e.g. "file:/var/lib/coffer/audit.log".
  virtual const std::string& id() const = 0;
  // Makes the output ready for a batch. When it (re)opened a destination
  // that already holds a chain, returns the head of that chain.
  // `in_place`: the caller just saw still_in_place() answer true, so the
  // check need not be repeated.
  virtual Result<std::optional<ChainHead>> prepare(bool in_place = false) = 0;
  // Thread-safe, callable without the sink's lock: false when the open
  // destination is no longer where it was opened (a deleted or replaced
  // file); prepare() then reopens it or fails.
  virtual bool still_in_place() const { return true; }
  // Appends whole lines (each ending in '\n'), all or nothing; may block.
  virtual Status append(std::string_view lines) = 0;
  // Writes the start of `lines` without blocking and returns how much it
  // wrote: all of it, or less when the destination is full (then append()
  // must write the rest before anything else). An error writes nothing.
  // By default nothing, which leaves every write to the worker.
  virtual Result<std::size_t> write_some(std::string_view lines) {
    (void)lines;
    return std::size_t{0};
  }
  // Asks for a fresh open (creating the file) before the next batch. Any thread.
  virtual void reopen() {}
};

std::unique_ptr<AuditOutput> file_output(std::string path);
std::unique_ptr<AuditOutput> stdout_output();
std::unique_ptr<AuditOutput> unix_socket_output(std::string path);

// Parses a sink spec: "file" (= default_file), "file:PATH", "stdout" or
// "unix:PATH".
Result<std::unique_ptr<AuditOutput>> make_output(std::string_view spec, const std::string& default_file);

}  // namespace coffer::audit
