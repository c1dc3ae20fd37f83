#include "common/failpoint.hpp"

#include <cstdlib>
#include <map>
#include <mutex>
#include <string>

namespace coffer {

bool failpoint(std::string_view name) {
  const char* spec = std::getenv("COFFER_FAILPOINT");
  if (!spec || !*spec) return false;
  static std::mutex mu;
  static std::map<std::string, long> fired;  // times each counted failpoint has fired
  std::string_view rest(spec);
  while (!rest.empty()) {
    const auto comma = rest.find(',');
    std::string_view item = rest.substr(0, comma);
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    const auto colon = item.find(':');
    if (item.substr(0, colon) != name) continue;
    if (colon == std::string_view::npos) return true;
    const long count = std::strtol(std::string(item.substr(colon + 1)).c_str(), nullptr, 10);
    std::lock_guard lock(mu);
    long& n = fired[std::string(name)];
    if (n >= count) return false;
    ++n;
    return true;
  }
  return false;
}

}  // namespace coffer
