#include "common/json_wipe.hpp"

#include "common/secure_memory.hpp"

namespace coffer {

void wipe_strings(boost::json::value& v) {
  if (v.is_string()) {
    secure_wipe(v.get_string().data(), v.get_string().size());
  } else if (v.is_object()) {
    wipe_strings(v.get_object());
  } else if (v.is_array()) {
    for (auto& item : v.get_array()) wipe_strings(item);
  }
}

void wipe_strings(boost::json::object& o) {
  for (auto& kv : o) wipe_strings(kv.value());
}

}  // namespace coffer
