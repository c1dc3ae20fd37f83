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

std::string serialize_wiping(const boost::json::value& v) {
  boost::json::serializer sr;
  sr.reset(&v);
  std::string out;
  out.reserve(4096);
  while (!sr.done()) {
    if (out.size() == out.capacity()) {
      std::string bigger;
      bigger.reserve(2 * out.capacity());
      bigger.append(out);
      secure_wipe(out.data(), out.size());
      out.swap(bigger);
    }
    const std::size_t used = out.size();
    out.resize(out.capacity());  // within the capacity: no reallocation
    const std::size_t added = sr.read(out.data() + used, out.size() - used).size();
    out.resize(used + added);
  }
  return out;
}

}  // namespace coffer
