// Searching audit log files (JSON lines, oldest first): the filters of
// `coffer audit search` and of the admin API's audit search, which the
// console uses. A principal matches by object id, client id or user name;
// a result by resultType or HTTP status; times at second precision.
// Checkpoint lines match only when asked for. Pure functions over files.
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.hpp"

namespace coffer::audit {

struct AuditFilter {
  std::string vault, principal, operation, result;
  int64_t since_ms = INT64_MIN;
  int64_t until_ms = INT64_MAX;
  bool checkpoints = false;
};

// Unix milliseconds of "2026-11-27T20:00:00Z" (any ISO-8601 parse_iso8601
// takes) or of a span back from `now_ms`: "30s", "15m", "2h", "7d".
std::optional<int64_t> parse_audit_time(std::string_view text, int64_t now_ms);

bool audit_record_matches(const AuditFilter& filter, const boost::json::object& record);

// Calls `emit` with each matching line of `files`, in order; kBadParameter
// naming the file when one cannot be read.
Status search_audit_files(const std::vector<std::string>& files, const AuditFilter& filter,
                          const std::function<void(const std::string&)>& emit);

}  // namespace coffer::audit
