#include "store/callback_scope.hpp"

namespace coffer::store {
namespace {

thread_local const void* t_inside = nullptr;

}  // namespace

CallbackScope::CallbackScope(const void* store) : saved_(t_inside) { t_inside = store; }
CallbackScope::~CallbackScope() { t_inside = saved_; }
bool CallbackScope::inside(const void* store) { return store != nullptr && t_inside == store; }

Status nested_call(const char* what) {
  return Status(Code::kInternal, std::string("store: ") + what + "() called from inside a callback of the same store");
}

}  // namespace coffer::store
