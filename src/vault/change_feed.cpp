#include "vault/change_feed.hpp"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <map>

#include "common/ascii.hpp"
#include "common/record_codec.hpp"
#include "vault/record_scan.hpp"

namespace coffer::vault {
namespace {

// chgseq/<vault-id>: the vault's last sequence number; chgfloor/<vault-id>: every entry up to it was trimmed;
// chg/<vault-id>/<seq:016x>: one change; chgaccess: the count of access changes above every vault.
constexpr std::string_view kSeqPrefix = "chgseq/";
constexpr std::string_view kGlobalAccessKey = "chgaccess";
enum ChangeField : uint8_t { kChangeType = 1, kChangeName };

std::string seq_key(std::string_view vault_id) { return std::string(kSeqPrefix) + std::string(vault_id); }
std::string floor_key(std::string_view vault_id) { return "chgfloor/" + std::string(vault_id); }
std::string log_prefix(std::string_view vault_id) { return "chg/" + std::string(vault_id) + "/"; }
std::string change_key(std::string_view vault_id, int64_t seq) {
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(seq));
  return log_prefix(vault_id) + hex;
}

std::optional<int64_t> parse_i64(std::string_view text) {
  int64_t v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || v < 0) return std::nullopt;
  return v;
}

std::string cursor_text(int64_t vault_seq, int64_t access_seq) {
  return std::to_string(vault_seq) + "." + std::to_string(access_seq);
}

}  // namespace

Status record_change(store::WriteTxn& txn, const std::string& vault_id, std::string_view type, std::string_view name) {
  COFFER_ASSIGN_OR_RETURN(int64_t seq, txn.increment(seq_key(vault_id)));
  RecordWriter w;
  w.bytes(kChangeType, type).bytes(kChangeName, lower_ascii(name));
  return txn.put(change_key(vault_id, seq), w.take());
}

Status record_access_change(store::WriteTxn& txn, const std::string& vault_id) {
  return record_change(txn, vault_id, "access", "");
}

Status record_global_access_change(store::WriteTxn& txn) { return txn.increment(kGlobalAccessKey).status(); }

Status erase_change_log(store::WriteTxn& txn, const std::string& vault_id) {
  COFFER_RETURN_IF_ERROR(erase_prefix(txn, log_prefix(vault_id)));
  COFFER_RETURN_IF_ERROR(txn.erase(seq_key(vault_id)));
  return txn.erase(floor_key(vault_id));
}

Result<ChangePage> ChangeFeed::read(const VaultInfo& vault, std::string_view cursor, std::size_t max) {
  const bool continued = !cursor.empty();
  int64_t from = 0;
  int64_t access_from = 0;
  if (continued) {
    const auto dot = cursor.find('.');
    const auto a = dot == std::string_view::npos ? std::nullopt : parse_i64(cursor.substr(0, dot));
    const auto b = dot == std::string_view::npos ? std::nullopt : parse_i64(cursor.substr(dot + 1));
    if (!a || !b) {
      return bad_parameter("The cursor '" + std::string(cursor.substr(0, 64)) +
                           "' is not one this feed gave out; read without a cursor to start afresh.");
    }
    from = *a;
    access_from = *b;
  }
  max = std::clamp<std::size_t>(max, 1, kMaxChangesPerRead);
  ChangePage page;
  COFFER_RETURN_IF_ERROR(store_.read([&](store::ReadTxn& txn) -> Status {
    page = ChangePage{};
    COFFER_ASSIGN_OR_RETURN(const int64_t current, store::read_counter(txn, seq_key(vault.id)));
    COFFER_ASSIGN_OR_RETURN(const int64_t access, store::read_counter(txn, std::string(kGlobalAccessKey)));
    COFFER_ASSIGN_OR_RETURN(const int64_t floor, store::read_counter(txn, floor_key(vault.id)));
    page.cursor = cursor_text(current, access);
    if (!continued || from > current || access_from > access || from < floor) {
      page.reset = true;
      return Status::Ok();
    }
    std::vector<Change> in_order;
    if (access_from < access) in_order.push_back(Change{"access", ""});
    COFFER_ASSIGN_OR_RETURN(auto entries, txn.scan(log_prefix(vault.id), change_key(vault.id, from), max + 1));
    int64_t last = from;
    for (std::size_t i = 0; i < entries.size() && i < max; ++i) {
      auto r = RecordReader::parse(entries[i].value);
      if (!r) return Status(Code::kInternal, "corrupt change entry " + entries[i].key);
      in_order.push_back(Change{r->bytes(kChangeType), r->bytes(kChangeName)});
      last = static_cast<int64_t>(std::stoull(entries[i].key.substr(log_prefix(vault.id).size()), nullptr, 16));
    }
    page.more = entries.size() > max;
    if (page.more) page.cursor = cursor_text(last, access);
    // Each object once, where it last changed.
    std::map<std::pair<std::string, std::string>, std::size_t> last_at;
    for (std::size_t i = 0; i < in_order.size(); ++i) last_at[{in_order[i].type, in_order[i].name}] = i;
    for (std::size_t i = 0; i < in_order.size(); ++i) {
      if (last_at[{in_order[i].type, in_order[i].name}] == i) page.changes.push_back(std::move(in_order[i]));
    }
    return Status::Ok();
  }));
  return page;
}

Result<std::size_t> ChangeFeed::trim() {
  std::vector<std::pair<std::string, int64_t>> vaults;  // vault id, last sequence number
  COFFER_RETURN_IF_ERROR(store_.read([&](store::ReadTxn& txn) -> Status {
    vaults.clear();
    return for_each_entry(txn, kSeqPrefix, [&](const store::Entry& e) -> Status {
      auto v = parse_i64(e.value);
      if (v) vaults.emplace_back(e.key.substr(kSeqPrefix.size()), *v);
      return Status::Ok();
    });
  }));
  std::size_t removed = 0;
  for (const auto& [vault_id, current] : vaults) {
    const int64_t cut = current - kRetainedChanges;
    if (cut <= 0) continue;
    bool done = false;
    while (!done) {
      std::size_t erased = 0;
      COFFER_RETURN_IF_ERROR(store_.write([&, id = vault_id](store::WriteTxn& txn) -> Status {
        erased = 0;
        COFFER_ASSIGN_OR_RETURN(const int64_t floor, store::read_counter(txn, floor_key(id)));
        if (floor >= cut) {
          done = true;
          return Status::Ok();
        }
        const int64_t until = std::min(cut, floor + 1000);  // at most 1000 entries per transaction
        COFFER_ASSIGN_OR_RETURN(auto entries, txn.scan(log_prefix(id), "", static_cast<std::size_t>(until - floor)));
        for (const auto& e : entries) {
          if (e.key > change_key(id, until)) break;
          COFFER_RETURN_IF_ERROR(txn.erase(e.key));
          ++erased;
        }
        return txn.put(floor_key(id), std::to_string(until));
      }));
      removed += erased;
    }
  }
  return removed;
}

}  // namespace coffer::vault
