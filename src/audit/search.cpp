#include "audit/search.hpp"

#include <boost/json.hpp>
#include <fstream>

#include "common/ascii.hpp"
#include "common/time_format.hpp"

namespace coffer::audit {
namespace json = boost::json;
namespace {

std::string text_at(const json::object& o, std::initializer_list<std::string_view> path) {
  const json::object* cur = &o;
  const json::value* v = nullptr;
  for (auto key : path) {
    if (!cur) return "";
    v = cur->if_contains(key);
    if (!v) return "";
    cur = v->if_object();
  }
  if (const auto* s = v->if_string()) return std::string(*s);
  if (v->is_int64()) return std::to_string(v->get_int64());
  return "";
}

}  // namespace

std::optional<int64_t> parse_audit_time(std::string_view text, int64_t now_ms) {
  if (auto t = parse_iso8601(std::string(text))) return *t * 1000;
  if (text.size() < 2 || text.size() > 12) return std::nullopt;
  int64_t n = 0;
  for (std::size_t i = 0; i + 1 < text.size(); ++i) {
    if (text[i] < '0' || text[i] > '9') return std::nullopt;
    n = n * 10 + (text[i] - '0');
  }
  int64_t unit = 0;
  switch (text.back()) {
    case 's': unit = 1000; break;
    case 'm': unit = 60'000; break;
    case 'h': unit = 3'600'000; break;
    case 'd': unit = 86'400'000; break;
    default: return std::nullopt;
  }
  return now_ms - n * unit;
}

bool audit_record_matches(const AuditFilter& f, const json::object& o) {
  const bool checkpoint = text_at(o, {"category"}) == "AuditCheckpoint";
  if (checkpoint) return f.checkpoints;
  if (!f.vault.empty() && !iequals_ascii(text_at(o, {"resourceId"}), f.vault)) return false;
  if (!f.principal.empty() &&
      !iequals_ascii(text_at(o, {"identity", "claim", "http://schemas.microsoft.com/identity/claims/objectidentifier"}),
                     f.principal) &&
      !iequals_ascii(text_at(o, {"identity", "claim", "appid"}), f.principal) &&
      !iequals_ascii(text_at(o, {"identity", "claim", "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn"}),
                     f.principal)) {
    return false;
  }
  if (!f.operation.empty() && !iequals_ascii(text_at(o, {"operationName"}), f.operation)) return false;
  if (!f.result.empty() && !iequals_ascii(text_at(o, {"resultType"}), f.result) &&
      text_at(o, {"httpStatusCode"}) != f.result) {
    return false;
  }
  if (f.since_ms != INT64_MIN || f.until_ms != INT64_MAX) {
    auto t = parse_iso8601(text_at(o, {"time"}));
    if (!t) return false;
    // Record times carry milliseconds; parse_iso8601 drops them, so compare at second precision.
    if (*t * 1000 + 999 < f.since_ms || *t * 1000 > f.until_ms) return false;
  }
  return true;
}

Status search_audit_files(const std::vector<std::string>& files, const AuditFilter& f,
                          const std::function<void(const std::string&)>& emit) {
  for (const auto& file : files) {
    std::ifstream in(file);
    if (!in) return Status(Code::kBadParameter, "Cannot read " + file + ".");
    std::string line;
    while (std::getline(in, line)) {
      boost::system::error_code ec;
      json::value v = json::parse(line, ec);
      if (ec || !v.is_object()) continue;
      if (audit_record_matches(f, v.get_object())) emit(line);
    }
  }
  return Status::Ok();
}

}  // namespace coffer::audit
