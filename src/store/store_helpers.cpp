// The free helpers of store.hpp (current_revision(), read_value(), counter_value(), read_counter(), for_each_entry(),
// put_once()) and WriteTxn::increment()'s plain form.
#include <charconv>

#include "store/store.hpp"

namespace coffer::store {

Result<int64_t> counter_value(std::string_view key, std::string_view text) {
  int64_t v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || v < 0) {
    return Status(Code::kInternal, "store: the entry " + std::string(key) + " is not a counter");
  }
  return v;
}

Result<int64_t> read_counter(ReadTxn& txn, std::string_view key) {
  COFFER_ASSIGN_OR_RETURN(auto stored, txn.get(key));
  if (!stored) return int64_t{0};
  return counter_value(key, stored->value);
}

Result<int64_t> WriteTxn::increment(std::string_view key) {
  COFFER_ASSIGN_OR_RETURN(const int64_t n, read_counter(*this, key));
  COFFER_RETURN_IF_ERROR(put(key, std::to_string(n + 1)));
  return n + 1;
}

Result<int64_t> current_revision(Store& store, std::string_view key) {
  if (auto watched = store.watched_revision(key)) return *watched;
  int64_t revision = 0;
  COFFER_RETURN_IF_ERROR(store.read([&](ReadTxn& txn) -> Status {
    COFFER_ASSIGN_OR_RETURN(auto e, txn.get(key));
    revision = e ? e->revision : 0;
    return Status::Ok();
  }));
  return revision;
}

Result<std::optional<std::string>> read_value(Store& store, std::string_view key) {
  std::optional<std::string> out;
  COFFER_RETURN_IF_ERROR(store.read([&](ReadTxn& txn) -> Status {
    COFFER_ASSIGN_OR_RETURN(auto e, txn.get(key));
    if (e) out = std::move(e->value);
    return Status::Ok();
  }));
  return out;
}

Status for_each_entry(ReadTxn& txn, std::string_view prefix, const std::function<Status(const Entry&)>& fn) {
  constexpr std::size_t kChunk = 200;
  std::string after;
  while (true) {
    COFFER_ASSIGN_OR_RETURN(auto entries, txn.scan(prefix, after, kChunk));
    for (const auto& e : entries) COFFER_RETURN_IF_ERROR(fn(e));
    if (entries.size() < kChunk) return Status::Ok();
    after = entries.back().key;
  }
}

Result<std::string> put_once(Store& store, std::string_view key, const std::string& value) {
  std::string winner = value;
  COFFER_RETURN_IF_ERROR(store.write([&](WriteTxn& txn) -> Status {
    COFFER_ASSIGN_OR_RETURN(auto e, txn.get(key));
    if (e) {
      winner = e->value;
      return Status::Ok();
    }
    winner = value;
    return txn.put(key, value);
  }));
  return winner;
}

}  // namespace coffer::store
