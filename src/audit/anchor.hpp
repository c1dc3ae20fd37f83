// The anchor: where a sink's log stood at its latest checkpoint, kept outside
// the log (the server keeps it in its store, key "audit/anchor/<sink id>"),
// so that `coffer audit verify` can tell a log cut back to an earlier
// checkpoint from an intact one.
//
// AuditLog calls an AnchorRecorder after each batch that wrote a checkpoint;
// a failure is logged and the next checkpoint records the newer anchor.
// audit/ does not know where anchors live: server/ injects the recorder.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "audit/chain.hpp"
#include "common/status.hpp"

namespace coffer::audit {

// The chain head just after a checkpoint line: its sequence and the hash of
// that line (chain.hpp's line_hash).
using Anchor = ChainHead;

// Records `anchor` for the sink `sink_id` (AuditOutput::id()). Called on the
// sink's worker thread, after the checkpoint was appended.
using AnchorRecorder = std::function<Status(const std::string& sink_id, const Anchor& anchor)>;

// The store key of a sink's anchor: audit/anchor/<sink id>, or, for a server
// that shares its store with other replicas, audit/anchor/<replica>|<sink id>
// (each replica keeps its own chains; their sink ids may well be equal).
std::string anchor_key(std::string_view sink_id, std::string_view replica = {});
inline constexpr std::string_view kAnchorPrefix = "audit/anchor/";
inline constexpr char kAnchorReplicaSeparator = '|';

// "<sequence> <hex hash>" and back (nullopt if malformed).
std::string encode_anchor(const Anchor& anchor);
std::optional<Anchor> decode_anchor(std::string_view text);

// Compares the anchor with the checkpoints of the log's last chain
// (sequence -> hash of the checkpoint line) whose first line has sequence
// `chain_first`. Empty when consistent; otherwise what is wrong.
std::string check_anchor(const Anchor& anchor, const std::map<uint64_t, std::string>& checkpoints,
                         uint64_t chain_first);

}  // namespace coffer::audit
