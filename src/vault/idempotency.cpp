#include "vault/idempotency.hpp"

#include <cstdlib>
#include <vector>

#include "vault/record_scan.hpp"
#include "vault/store_keys.hpp"

namespace coffer::vault {

Result<std::optional<std::string>> recorded_version(store::WriteTxn& txn, const VaultInfo& vault,
                                                    const std::string& key) {
  if (key.empty()) return std::optional<std::string>();
  COFFER_ASSIGN_OR_RETURN(auto done, txn.get(keys::idempotency(vault.id, key)));
  if (!done) return std::optional<std::string>();
  return std::optional<std::string>(done->value.substr(0, done->value.find(' ')));
}

Status record_version(store::WriteTxn& txn, const VaultInfo& vault, const std::string& key, const std::string& version,
                      int64_t now) {
  if (key.empty()) return Status::Ok();
  return txn.put(keys::idempotency(vault.id, key), version + " " + std::to_string(now));
}

Status forget_idempotency(store::Store& store, int64_t before) {
  std::vector<std::string> old;
  COFFER_RETURN_IF_ERROR(store.read([&](store::ReadTxn& txn) -> Status {
    return for_each_entry(txn, keys::idempotency_prefix(), [&](const store::Entry& e) -> Status {
      const auto space = e.value.rfind(' ');
      const int64_t at = space == std::string::npos ? 0 : std::strtoll(e.value.c_str() + space + 1, nullptr, 10);
      if (at < before) old.push_back(e.key);
      return Status::Ok();
    });
  }));
  for (std::size_t i = 0; i < old.size(); i += 100) {
    COFFER_RETURN_IF_ERROR(store.write([&](store::WriteTxn& txn) -> Status {
      for (std::size_t j = i; j < std::min(old.size(), i + 100); ++j) COFFER_RETURN_IF_ERROR(txn.erase(old[j]));
      return Status::Ok();
    }));
  }
  return Status::Ok();
}

}  // namespace coffer::vault
