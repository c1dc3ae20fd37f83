#include "api/paging.hpp"

#include <charconv>

#include "common/base64.hpp"

namespace coffer::api {

Result<vault::PageRequest> parse_page(const ParsedTarget& target) {
  vault::PageRequest page;
  if (auto max = target.param("maxresults")) {
    int n = 0;
    auto [ptr, ec] = std::from_chars(max->data(), max->data() + max->size(), n);
    if (ec != std::errc() || ptr != max->data() + max->size() || n < 1 || n > 25) {
      return Status(Code::kBadParameter, "maxresults must be an integer between 1 and 25.");
    }
    page.max = std::size_t(n);
  }
  if (auto token = target.param("$skiptoken"); token && !token->empty()) {
    auto cursor = base64url_decode(*token);
    if (!cursor || cursor->empty() || cursor->size() > 512) {
      return Status(Code::kBadParameter, "The $skiptoken is invalid.");
    }
    page.after = std::move(*cursor);
  }
  return page;
}

boost::json::value next_link(const std::string& base, const std::string& path, const ParsedTarget& target,
                             const vault::PageRequest& page, const std::string& next) {
  if (next.empty()) return nullptr;
  std::string link = base + path + "?api-version=" + std::string(target.param("api-version").value_or("7.4")) +
                     "&$skiptoken=" + base64url_encode(next) + "&maxresults=" + std::to_string(page.max);
  return boost::json::value(link);
}

}  // namespace coffer::api
