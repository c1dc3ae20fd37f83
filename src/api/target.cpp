#include "api/target.hpp"

#include "common/secure_memory.hpp"

#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>

namespace coffer::api {
namespace {

constexpr std::size_t kMaxTargetBytes = 8192;

Status bad_target() { return Status(Code::kBadParameter, "The request URI is malformed."); }

std::optional<std::string> percent_decode(std::string_view in, bool plus_is_space) {
  std::string out;
  out.reserve(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (c == '+' && plus_is_space) {
      out += ' ';
    } else if (c == '%') {
      if (i + 2 >= in.size()) return std::nullopt;
      auto hex = [](char h) -> int {
        if (h >= '0' && h <= '9') return h - '0';
        if (h >= 'a' && h <= 'f') return h - 'a' + 10;
        if (h >= 'A' && h <= 'F') return h - 'A' + 10;
        return -1;
      };
      int hi = hex(in[i + 1]), lo = hex(in[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out += char(hi * 16 + lo);
      i += 2;
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace

std::optional<std::string_view> ParsedTarget::param(const std::string& name) const {
  auto it = query.find(name);
  if (it == query.end()) return std::nullopt;
  return std::string_view(it->second);
}

Result<ParsedTarget> parse_target(std::string_view target) {
  if (target.empty() || target.size() > kMaxTargetBytes || target.front() != '/') return bad_target();
  auto parsed = boost::urls::parse_origin_form(target);
  if (!parsed) return bad_target();
  ParsedTarget out;
  out.path = parsed->path();
  auto segs = parsed->segments();
  std::size_t i = 0, n = segs.size();
  for (auto s : segs) {
    ++i;
    std::string seg = s;
    if (seg.empty() && i != n) continue;  // "//" collapses
    out.segments.push_back(std::move(seg));
  }
  if (out.segments.size() == 1 && out.segments[0].empty()) out.segments.clear();
  for (auto p : parsed->params()) {
    if (!out.query.count(p.key)) out.query.emplace(p.key, p.has_value ? p.value : std::string());
  }
  return out;
}

Result<std::map<std::string, std::string>> parse_form(std::string_view body) {
  std::map<std::string, std::string> out;
  while (!body.empty()) {
    auto amp = body.find('&');
    std::string_view pair = body.substr(0, amp);
    body = amp == std::string_view::npos ? std::string_view() : body.substr(amp + 1);
    if (pair.empty()) continue;
    auto eq = pair.find('=');
    auto key = percent_decode(pair.substr(0, eq), true);
    auto value = percent_decode(eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1), true);
    if (!key || !value) return Status(Code::kBadParameter, "The form body is not valid URL encoding.");
    out.emplace(std::move(*key), std::move(*value));
  }
  return out;
}

FormWipe::~FormWipe() {
  for (auto& [name, value] : form_) secure_wipe(value.data(), value.size());
}

}  // namespace coffer::api
