// Zeroing every string of a parsed JSON tree (values, not keys), for trees
// that held secret values, private keys, PFX files, passwords, plaintexts or
// tokens: the server's request bodies and the CSI provider's answers. And
// serializing such a tree without leaving partial copies behind.
#pragma once

#include <boost/json.hpp>
#include <string>

namespace coffer {

void wipe_strings(boost::json::value& v);
void wipe_strings(boost::json::object& o);

// Wipes the strings of a tree when the scope ends, early returns included.
class WipeOnExit {
 public:
  explicit WipeOnExit(boost::json::object& o) : object_(&o) {}
  explicit WipeOnExit(boost::json::value& v) : value_(&v) {}
  ~WipeOnExit() {
    if (object_) wipe_strings(*object_);
    if (value_) wipe_strings(*value_);
  }
  WipeOnExit(const WipeOnExit&) = delete;
  WipeOnExit& operator=(const WipeOnExit&) = delete;

 private:
  boost::json::object* object_ = nullptr;
  boost::json::value* value_ = nullptr;
};

// json::serialize(v), but json::serialize grows its string by doubling and
// frees each smaller buffer as it is: this grows its own, copying into a
// buffer twice the size and wiping the one it leaves.
std::string serialize_wiping(const boost::json::value& v);

}  // namespace coffer
