// Paging of AKV list operations: `maxresults` (1–25, default 25) and an
// opaque `$skiptoken` (base64url of the vault layer's cursor) in, an
// absolute `nextLink` out (null on the last page).
#pragma once

#include <boost/json/value.hpp>
#include <string>

#include "api/target.hpp"
#include "common/status.hpp"
#include "vault/types.hpp"

namespace coffer::api {

Result<vault::PageRequest> parse_page(const ParsedTarget& target);
// nextLink for `path` (e.g. "/secrets") on `base`, or null when `next` is empty.
boost::json::value next_link(const std::string& base, const std::string& path, const ParsedTarget& target,
                             const vault::PageRequest& page, const std::string& next);

}  // namespace coffer::api
