// Running a Store transaction callback, shared by the backends: the guard
// behind their refusal of nested read()/write() calls on the same store
// (store.hpp: a callback must not call back into its store), and the one
// place a callback's exception becomes a Status.
#pragma once

#include <exception>
#include <string>

#include "common/status.hpp"

namespace coffer::store {

// Marks `store`'s callback as running on this thread for its lifetime.
class CallbackScope {
 public:
  explicit CallbackScope(const void* store);
  ~CallbackScope();
  CallbackScope(const CallbackScope&) = delete;
  CallbackScope& operator=(const CallbackScope&) = delete;
  // True while a callback of `store` runs on this thread.
  static bool inside(const void* store);

 private:
  const void* saved_;
};

// kInternal for a read()/write() made from inside a callback of the same store.
Status nested_call(const char* what);

// fn(txn) inside a CallbackScope of `store`; a thrown exception is kInternal.
template <typename Fn, typename Txn>
Status run_callback(const void* store, const Fn& fn, Txn& txn) {
  CallbackScope scope(store);
  try {
    return fn(txn);
  } catch (const std::exception& e) {
    return Status(Code::kInternal, std::string("store: callback threw: ") + e.what());
  } catch (...) {
    return Status(Code::kInternal, "store: callback threw");
  }
}

}  // namespace coffer::store
