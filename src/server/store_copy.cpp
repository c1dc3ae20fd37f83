#include "server/store_copy.hpp"

#include "common/base64.hpp"
#include "crypto/digest.hpp"

#include <vector>

namespace coffer::server {

using store::Entry;
using store::ReadTxn;
using store::Store;
using store::WriteTxn;
namespace {

constexpr std::size_t kPage = 500;

// A running SHA-256 over length-prefixed pieces: h = SHA-256(h || len || bytes).
class Chain {
 public:
  void add(std::string_view bytes) {
    std::string block = h_;
    const uint64_t n = bytes.size();
    for (int i = 0; i < 8; ++i) block += static_cast<char>(n >> (56 - 8 * i));
    block.append(bytes);
    h_ = crypto::sha256(block);
  }
  std::string hex() const { return hex_encode(h_); }

 private:
  std::string h_ = std::string(32, '\0');
};

// Every entry in key order, a page per read transaction.
Status for_each(Store& store, const std::function<Status(std::vector<Entry>&)>& page_fn) {
  std::string after;
  while (true) {
    std::vector<Entry> page;
    COFFER_RETURN_IF_ERROR(store.read([&](ReadTxn& txn) -> Status {
      COFFER_ASSIGN_OR_RETURN(page, txn.scan("", after, kPage));
      return Status::Ok();
    }));
    if (page.empty()) return Status::Ok();
    after = page.back().key;
    COFFER_RETURN_IF_ERROR(page_fn(page));
    if (page.size() < kPage) return Status::Ok();
  }
}

}  // namespace

Result<CopyReport> summarize_store(Store& store) {
  CopyReport report;
  Chain sum;
  COFFER_RETURN_IF_ERROR(for_each(store, [&](std::vector<Entry>& page) -> Status {
    for (const auto& e : page) {
      sum.add(e.key);
      sum.add(e.value);
      ++report.entries;
    }
    return Status::Ok();
  }));
  report.checksum = sum.hex();
  return report;
}

Result<CopyReport> copy_store(Store& from, Store& to, std::size_t batch,
                              const std::function<void(std::uint64_t)>& progress) {
  bool empty = true;
  COFFER_RETURN_IF_ERROR(to.read([&](ReadTxn& txn) -> Status {
    COFFER_ASSIGN_OR_RETURN(auto any, txn.scan("", "", 1));
    empty = any.empty();
    return Status::Ok();
  }));
  if (!empty) return Status(Code::kConflict, "the target store is not empty; copy only into an empty one");
  std::uint64_t copied = 0;
  std::vector<Entry> pending;
  auto flush = [&]() -> Status {
    if (pending.empty()) return Status::Ok();
    COFFER_RETURN_IF_ERROR(to.write([&](WriteTxn& txn) -> Status {
      for (const auto& e : pending) COFFER_RETURN_IF_ERROR(txn.put_if(e.key, e.value, 0));
      return Status::Ok();
    }));
    copied += pending.size();
    pending.clear();
    if (progress) progress(copied);
    return Status::Ok();
  };
  COFFER_RETURN_IF_ERROR(for_each(from, [&](std::vector<Entry>& page) -> Status {
    for (auto& e : page) {
      pending.push_back(std::move(e));
      if (pending.size() >= batch) COFFER_RETURN_IF_ERROR(flush());
    }
    return Status::Ok();
  }));
  COFFER_RETURN_IF_ERROR(flush());
  COFFER_ASSIGN_OR_RETURN(CopyReport source, summarize_store(from));
  COFFER_ASSIGN_OR_RETURN(CopyReport target, summarize_store(to));
  if (source.entries != target.entries || source.checksum != target.checksum || source.entries != copied) {
    return Status(Code::kInternal, "the copy does not match its source: " + std::to_string(source.entries) +
                                       " entries (" + source.checksum + ") read, " + std::to_string(target.entries) +
                                       " (" + target.checksum + ") written");
  }
  return source;
}

}  // namespace coffer::server
