#include "audit/verify.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>

#include "audit/chain.hpp"
#include "common/base64.hpp"
#include "crypto/ed25519_key.hpp"

namespace coffer::audit {
namespace json = boost::json;
namespace {

std::string where(const std::string& file, uint64_t line, std::optional<uint64_t> seq) {
  std::string w = file + ":" + std::to_string(line);
  if (seq) w += " (sequence " + std::to_string(*seq) + ")";
  return w;
}

const json::string* str_field(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v ? v->if_string() : nullptr;
}

}  // namespace

VerifyReport verify_logs(const std::vector<std::string>& files, const VerifyOptions& options,
                         const std::optional<Anchor>& anchor) {
  VerifyReport r;
  std::optional<ChainHead> prev;
  std::string prev_where;
  bool last_is_checkpoint = false;
  std::string last_where;
  std::map<uint64_t, std::string> chain_checkpoints;  // of the last chain: sequence -> line hash
  uint64_t chain_first = 0;
  auto fail = [&](std::string msg) {
    r.ok = false;
    r.error = std::move(msg);
    return r;
  };
  if (files.empty()) return fail("no audit log given");
  for (const auto& file : files) {
    std::ifstream in(file, std::ios::binary);
    if (!in) return fail(file + ": cannot read");
    std::stringstream ss;
    ss << in.rdbuf();
    const std::string text = ss.str();
    if (!text.empty() && text.back() != '\n') {
      const auto lines = std::count(text.begin(), text.end(), '\n') + 1;
      return fail(where(file, uint64_t(lines), std::nullopt) + ": torn last line (no newline): the file was cut");
    }
    std::size_t pos = 0;
    uint64_t lineno = 0;
    while (pos < text.size()) {
      const std::size_t nl = text.find('\n', pos);
      const std::string_view line(text.data() + pos, nl - pos);
      pos = nl + 1;
      ++lineno;
      boost::system::error_code ec;
      json::value v = json::parse(line, ec);
      const json::object* o = ec ? nullptr : v.if_object();
      const json::value* seqv = o ? o->if_contains("sequence") : nullptr;
      const json::string* prevh = o ? str_field(*o, "previousHash") : nullptr;
      if (!seqv || !seqv->is_int64() || seqv->get_int64() < 1 || !prevh) {
        return fail(where(file, lineno, std::nullopt) + ": not an audit chain record (edited or inserted)");
      }
      const uint64_t seq = uint64_t(seqv->get_int64());
      const std::string here = where(file, lineno, seq);
      if (!prev) {
        r.first_sequence = seq;
        chain_first = seq;
        if (seq == 1) {
          if (*prevh != kGenesisHash) return fail(here + ": first record of a chain with a non-zero previousHash");
        } else {
          r.notes.push_back("the chain starts at sequence " + std::to_string(seq) + " in " + file +
                            ": earlier records are in older files not given here");
        }
      } else if (lineno == 1 && seq == 1 && *prevh == kGenesisHash && last_is_checkpoint) {
        // A restart after rotation starts a fresh chain in a fresh file; accepted only
        // where the previous file ended with a checkpoint (it was closed cleanly).
        r.notes.push_back("a new chain starts in " + file + " (the previous file ended with a checkpoint)");
        chain_checkpoints.clear();
        chain_first = seq;
      } else if (seq != prev->sequence + 1) {
        if (seq <= prev->sequence) {
          return fail(here + ": out of order or duplicated (expected sequence " + std::to_string(prev->sequence + 1) +
                      "): a record was inserted or reordered");
        }
        return fail(here + ": sequence jumps from " + std::to_string(prev->sequence) + " to " + std::to_string(seq) +
                    ": " + std::to_string(seq - prev->sequence - 1) + " record(s) deleted before it");
      } else if (*prevh != prev->hash) {
        return fail(prev_where + ": altered (its hash does not match previousHash of the next record, " + here + ")");
      }
      const json::string* category = str_field(*o, "category");
      last_is_checkpoint = category && *category == "AuditCheckpoint";
      if (last_is_checkpoint) {
        const json::string* kid = str_field(*o, "keyId");
        const json::string* sig = str_field(*o, "signature");
        const json::value* tms = o->if_contains("timeMs");
        if (!kid || !sig || !tms || !tms->is_int64()) return fail(here + ": malformed checkpoint");
        if (options.public_key_pem.empty()) return fail("no audit public key: give --public-key");
        auto raw_sig = base64url_decode(*sig);
        std::string key_id;
        const bool good = raw_sig && crypto::ed25519_verify(options.public_key_pem,
                                                            checkpoint_message(seq, *prevh, tms->get_int64(), *kid),
                                                            *raw_sig, &key_id);
        if (!key_id.empty() && key_id != *kid) {
          return fail(here + ": checkpoint signed by key " + std::string(*kid) + ", not by the given key " + key_id);
        }
        if (!good) return fail(here + ": checkpoint signature does not verify (checkpoint altered)");
        ++r.checkpoints;
        r.last_checkpoint = seq;
        chain_checkpoints[seq] = line_hash(line);
      } else {
        ++r.records;
      }
      prev = ChainHead{seq, line_hash(line)};
      prev_where = here;
      last_where = here;
    }
  }
  if (!prev) return fail("the audit log is empty");
  r.last_sequence = prev->sequence;
  if (anchor) {
    if (std::string why = check_anchor(*anchor, chain_checkpoints, chain_first); !why.empty()) {
      return fail(last_where + ": " + why);
    }
  }
  if (!last_is_checkpoint) {
    std::string msg =
        "the log ends at " + last_where +
        " without a checkpoint: " + std::to_string(prev->sequence - r.last_checkpoint) + " line(s) after " +
        (r.last_checkpoint ? "the last checkpoint (sequence " + std::to_string(r.last_checkpoint) + ")" : "the start") +
        " are not signed (truncated, or a live log)";
    if (!options.allow_unsigned_tail) return fail(msg);
    r.notes.push_back(msg);
  }
  r.ok = true;
  return r;
}

}  // namespace coffer::audit
