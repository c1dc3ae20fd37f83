// current_revision(): a marker key's revision, from the store's observation
// when it carries it, else read.
#include "store/store.hpp"

namespace coffer::store {

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

}  // namespace coffer::store
