#include "audit/anchor.hpp"

#include <charconv>

namespace coffer::audit {

std::string anchor_key(std::string_view sink_id, std::string_view replica) {
  std::string key(kAnchorPrefix);
  if (!replica.empty()) {
    key += replica;
    key += kAnchorReplicaSeparator;
  }
  return key += sink_id;
}

std::string encode_anchor(const Anchor& anchor) { return std::to_string(anchor.sequence) + " " + anchor.hash; }

std::optional<Anchor> decode_anchor(std::string_view text) {
  const auto space = text.find(' ');
  if (space == std::string_view::npos || space == 0) return std::nullopt;
  Anchor a;
  const char* end = text.data() + space;
  auto [p, ec] = std::from_chars(text.data(), end, a.sequence);
  if (ec != std::errc() || p != end || a.sequence == 0) return std::nullopt;
  a.hash = std::string(text.substr(space + 1));
  if (a.hash.size() != 64) return std::nullopt;
  for (char c : a.hash) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return std::nullopt;
  }
  return a;
}

std::string check_anchor(const Anchor& anchor, const std::map<uint64_t, std::string>& checkpoints,
                         uint64_t chain_first) {
  const uint64_t last = checkpoints.empty() ? 0 : checkpoints.rbegin()->first;
  const std::string m = std::to_string(anchor.sequence);
  if (anchor.sequence > last) {
    return "log ends at checkpoint sequence " + std::to_string(last) + ", but sequence " + m +
           " was checkpointed (the anchor in the store): records after sequence " + std::to_string(last) +
           " were removed (truncated)";
  }
  auto it = checkpoints.find(anchor.sequence);
  if (it == checkpoints.end()) {
    if (anchor.sequence < chain_first) return "";  // in older files not given here
    return "the anchor in the store records a checkpoint at sequence " + m +
           ", but the log has none there (the log was rewritten)";
  }
  if (it->second != anchor.hash) {
    return "the checkpoint at sequence " + m + " does not match the anchor in the store (hash " + anchor.hash +
           "): the log was rewritten";
  }
  return "";
}

}  // namespace coffer::audit
