// AuditOutput: one destination of audit lines, driven by exactly one
// AuditLog worker thread (not thread-safe, except reopen()).
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
// A write that blocks (a full pipe, a listener that never reads) blocks the
// worker only; AuditLog turns that into a timeout for requests.
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
  virtual Result<std::optional<ChainHead>> prepare() = 0;
  // Appends whole lines (each ending in '\n'), all or nothing.
  virtual Status append(std::string_view lines) = 0;
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
