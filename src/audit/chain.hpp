// The tamper-evident line format shared by every audit sink.
//
// Each line of an audit stream is one JSON object that starts with
//   {"sequence":N,"previousHash":"<hex SHA-256 of the previous line>", …
// where the previous line's hash is taken over its exact bytes (without the
// trailing newline). The first line of a fresh chain has sequence 1 and a
// previousHash of 64 zeros. A checkpoint line is a chain element too, with
// "category":"AuditCheckpoint", its time in Unix ms ("timeMs"), the audit
// signing key's id ("keyId") and an Ed25519 "signature" (base64url) over
// checkpoint_message(): it vouches for every line before it.
//
// Fields that identify sensitive client input (client-supplied header
// values: User-Agent and the client request id; query parameter values
// other than api-version, maxresults and the skip tokens) are written as
// "hmac-sha256:<hex>" with the sink's HMAC key (sink_hmac_key()), so a value
// can be searched for (`coffer audit hash`) but not read back.
//
// RecordFormatter is immutable after construction and thread-safe; the
// ChainHead it advances belongs to the caller.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "audit/audit_record.hpp"
#include "common/secure_memory.hpp"
#include "common/status.hpp"
#include "crypto/digest.hpp"
#include "crypto/ed25519_key.hpp"

namespace coffer::audit {

inline const std::string kGenesisHash(64, '0');

// Where a chain stands: the last sequence written and that line's hash.
struct ChainHead {
  uint64_t sequence = 0;
  std::string hash = kGenesisHash;
};

// hex SHA-256 of a line's bytes (without its newline).
std::string line_hash(std::string_view line);

// The head a chain has after `line` (its "sequence" and hash); kBadParameter
// if the line is not an audit line.
Result<ChainHead> head_after(std::string_view line);

// What a checkpoint's signature covers.
std::string checkpoint_message(uint64_t sequence, std::string_view previous_hash, int64_t time_ms,
                               std::string_view key_id);

// The HMAC key of the sink named `sink_id`, derived from the server's audit
// HMAC secret: HMAC-SHA256(secret, "coffer-audit-hmac-v1:" + sink_id).
SecureString sink_hmac_key(std::string_view secret, std::string_view sink_id);

// "hmac-sha256:<hex>" of `value` under `key`.
std::string hash_value(std::string_view key, std::string_view value);
std::string hash_value(const crypto::HmacSha256& key, std::string_view value);

class RecordFormatter {
 public:
  // `signer` may be null: checkpoints then fail with kUnavailable.
  RecordFormatter(SecureString hmac_key, std::shared_ptr<const crypto::Ed25519Key> signer)
      : hmac_(hmac_key.view()), signer_(std::move(signer)) {}

  // The line (no newline) for `record` as the next element after `head`;
  // advances `head`. Equal to link(body(record), head).
  std::string record(const AuditRecord& record, ChainHead& head) const;
  // The two halves of record(): the record's redacted JSON object, which
  // does not depend on the chain (so it can be made before taking a sink's
  // lock), and the line that links such a body after `head` (advances it).
  std::string body(const AuditRecord& record) const;
  static std::string link(std::string_view body, ChainHead& head);
  // link() appended to `out` (a batch of lines) instead of returned.
  static void append_link(std::string& out, std::string_view body, ChainHead& head);
  // A signed checkpoint line after `head`; advances `head`.
  Result<std::string> checkpoint(int64_t time_ms, ChainHead& head) const;

 private:
  crypto::HmacSha256 hmac_;  // keyed with the sink's HMAC key
  std::shared_ptr<const crypto::Ed25519Key> signer_;
};

// ISO-8601 UTC with milliseconds, as in the records' "time".
std::string iso_time_ms(int64_t ms);
void append_iso_time_ms(std::string& out, int64_t ms);

}  // namespace coffer::audit
