#include "vault/record_scan.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>

namespace coffer::vault {

bool valid_version_id(const std::string& v) {
  return v.size() == 32 &&
         std::all_of(v.begin(), v.end(), [](char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; });
}

Status erase_prefix(store::WriteTxn& txn, const std::string& prefix) {
  std::vector<std::string> doomed;
  COFFER_RETURN_IF_ERROR(for_each_entry(txn, prefix, [&](const store::Entry& e) {
    doomed.push_back(e.key);
    return Status::Ok();
  }));
  for (const auto& k : doomed) COFFER_RETURN_IF_ERROR(txn.erase(k));
  return Status::Ok();
}

Result<std::vector<DuePurge>> due_purges(store::Store& store, int64_t now, std::string_view collection) {
  const std::string prefix = keys::purge_queue_prefix();
  std::vector<DuePurge> due;
  COFFER_RETURN_IF_ERROR(store.read([&](store::ReadTxn& txn) -> Status {
    std::string after;
    while (true) {
      COFFER_ASSIGN_OR_RETURN(auto entries, txn.scan(prefix, after, kScanChunk));
      for (const auto& e : entries) {
        std::string_view rest = std::string_view(e.key).substr(prefix.size());
        if (rest.size() < 21) continue;
        if (std::strtoll(std::string(rest.substr(0, 20)).c_str(), nullptr, 10) > now) return Status::Ok();
        rest.remove_prefix(21);
        if (rest.substr(0, collection.size()) != collection || rest.substr(collection.size(), 1) != "/") continue;
        rest.remove_prefix(collection.size() + 1);
        const auto slash = rest.find('/');
        if (slash == std::string_view::npos) continue;
        due.push_back(DuePurge{e.key, std::string(rest.substr(0, slash)), std::string(rest.substr(slash + 1))});
      }
      if (entries.size() < kScanChunk) return Status::Ok();
      after = entries.back().key;
    }
  }));
  return due;
}

}  // namespace coffer::vault
