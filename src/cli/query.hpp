// `--query`: a small subset of JMESPath, enough for scripts —
//   value             member
//   attributes.enabled, tags."file-encoding"   nested / quoted member
//   [0], [-1], a[2]   array index (negative counts from the end)
//   [].name, a[*].b   projection over an array (null results are dropped)
// A missing member yields null, as in JMESPath.
#pragma once

#include <boost/json/value.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.hpp"

namespace coffer::cli {

class Query {
 public:
  // kBadParameter for text outside the subset above.
  static Result<Query> parse(std::string_view text);
  boost::json::value apply(const boost::json::value& input) const;

 private:
  struct Step {
    enum class Kind { kMember, kIndex, kProject } kind;
    std::string name;
    long index = 0;
  };
  boost::json::value apply_from(const boost::json::value& v, std::size_t step) const;
  std::vector<Step> steps_;
};

}  // namespace coffer::cli
