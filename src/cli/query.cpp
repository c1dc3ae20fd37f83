#include "cli/query.hpp"

#include <boost/json.hpp>
#include <cctype>

namespace coffer::cli {
namespace json = boost::json;

Result<Query> Query::parse(std::string_view text) {
  Query q;
  auto bad = [&](const std::string& why) {
    return Status(Code::kBadParameter, "Unsupported --query '" + std::string(text) + "': " + why + ".");
  };
  std::size_t pos = 0;
  bool need_member = true;  // at the start and after '.', a member or a bracket must follow
  while (pos < text.size()) {
    const char c = text[pos];
    if (c == '[') {
      const auto close = text.find(']', pos);
      if (close == std::string_view::npos) return bad("missing ']'");
      std::string_view inside = text.substr(pos + 1, close - pos - 1);
      if (inside.empty() || inside == "*") {
        q.steps_.push_back({Step::Kind::kProject, "", 0});
      } else {
        std::string digits(inside);
        std::size_t used = 0;
        long n = 0;
        try {
          n = std::stol(digits, &used);
        } catch (const std::exception&) {
          return bad("an index must be an integer");
        }
        if (used != digits.size()) return bad("an index must be an integer");
        q.steps_.push_back({Step::Kind::kIndex, "", n});
      }
      pos = close + 1;
      need_member = false;
    } else if (c == '.') {
      if (need_member) return bad("unexpected '.'");
      ++pos;
      need_member = true;
    } else if (c == '"') {
      if (!need_member) return bad("expected '.' before a member");
      const auto close = text.find('"', pos + 1);
      if (close == std::string_view::npos) return bad("missing closing quote");
      q.steps_.push_back({Step::Kind::kMember, std::string(text.substr(pos + 1, close - pos - 1)), 0});
      pos = close + 1;
      need_member = false;
    } else if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
      if (!need_member) return bad("expected '.' before a member");
      std::size_t end = pos;
      while (end < text.size() && (std::isalnum(static_cast<unsigned char>(text[end])) || text[end] == '_')) ++end;
      q.steps_.push_back({Step::Kind::kMember, std::string(text.substr(pos, end - pos)), 0});
      pos = end;
      need_member = false;
    } else {
      return bad(std::string("unexpected '") + c + "'");
    }
  }
  if (need_member) return bad("empty expression or trailing '.'");
  return q;
}

json::value Query::apply(const json::value& input) const { return apply_from(input, 0); }

json::value Query::apply_from(const json::value& v, std::size_t i) const {
  if (i == steps_.size()) return v;
  const Step& s = steps_[i];
  switch (s.kind) {
    case Step::Kind::kMember: {
      if (!v.is_object()) return nullptr;
      const json::value* m = v.get_object().if_contains(s.name);
      return m ? apply_from(*m, i + 1) : json::value(nullptr);
    }
    case Step::Kind::kIndex: {
      if (!v.is_array()) return nullptr;
      const auto& a = v.get_array();
      const long n = long(a.size());
      const long at = s.index < 0 ? n + s.index : s.index;
      if (at < 0 || at >= n) return nullptr;
      return apply_from(a[std::size_t(at)], i + 1);
    }
    case Step::Kind::kProject: {
      if (!v.is_array()) return nullptr;
      json::array out;
      for (const auto& e : v.get_array()) {
        json::value r = apply_from(e, i + 1);
        if (!r.is_null()) out.push_back(std::move(r));
      }
      return out;
    }
  }
  return nullptr;
}

}  // namespace coffer::cli
