// Offline verification of audit logs (chain.hpp's format) and reading them
// back for `coffer audit tail|search`.
//
// verify_logs() reads the files as consecutive parts of one chain (oldest
// first, e.g. audit.log.2 audit.log.1 audit.log) and checks that every
// line parses, that sequences increase by one, that each previousHash is the
// hash of the line before, and that every checkpoint's signature verifies
// with the given public key. It names the first bad record: an edited
// record is the one whose hash its successor does not vouch for; a deleted,
// inserted or reordered record shows as a break in the sequence. A log must
// end with a checkpoint (one is written at every clean shutdown): lines
// after the last checkpoint are unsigned, so a log ending without one may
// have been truncated, unless allow_unsigned_tail (a live log). A file may
// start a fresh chain (sequence 1: a restart after rotation) only when the
// file before it ended with a checkpoint.
// Lines removed from the end exactly at a checkpoint boundary are caught
// with the sink's anchor (anchor.hpp, given as `anchor`): the log's
// last chain must hold the anchor's checkpoint, with the anchor's hash.
// What it cannot see: lines removed from the start of the first file given
// (it says where the chain starts), or a cut at a checkpoint when no anchor
// is given. Ship the log to a second sink to cover those.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "audit/anchor.hpp"

namespace coffer::audit {

struct VerifyOptions {
  std::string public_key_pem;  // Ed25519 public key (PEM) of the server's audit signing key
  bool allow_unsigned_tail = false;
};

struct VerifyReport {
  bool ok = false;
  std::string error;  // the first problem: "<file>:<line> (sequence N): why"
  std::vector<std::string> notes;
  uint64_t records = 0;      // request records seen
  uint64_t checkpoints = 0;  // checkpoints verified
  uint64_t first_sequence = 0;
  uint64_t last_sequence = 0;
  uint64_t last_checkpoint = 0;  // sequence of the last verified checkpoint
};

// `anchor`: the sink's latest checkpoint as recorded outside the log.
VerifyReport verify_logs(const std::vector<std::string>& files, const VerifyOptions& options,
                         const std::optional<Anchor>& anchor = std::nullopt);

}  // namespace coffer::audit
