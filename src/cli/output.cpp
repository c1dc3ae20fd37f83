#include "cli/output.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <charconv>
#include <vector>

namespace coffer::cli {
namespace json = boost::json;
namespace {

std::vector<const json::key_value_pair*> sorted_members(const json::object& o) {
  std::vector<const json::key_value_pair*> members;
  members.reserve(o.size());
  for (const auto& kv : o) members.push_back(&kv);
  std::sort(members.begin(), members.end(), [](const auto* a, const auto* b) { return a->key() < b->key(); });
  return members;
}

std::string number_text(double d) {
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, d);
  std::string s(buf, ec == std::errc() ? end : buf);
  if (s.find_first_of(".eEn") == std::string::npos) s += ".0";  // keep it a JSON float, as Python does
  return s;
}

std::string scalar_json(const json::value& v) {
  if (v.is_double()) return number_text(v.get_double());
  return json::serialize(v);
}

void write_pretty(std::string& out, const json::value& v, std::size_t indent) {
  const std::string pad(indent + 2, ' ');
  if (v.is_object()) {
    const auto& o = v.get_object();
    if (o.empty()) {
      out += "{}";
      return;
    }
    out += "{\n";
    bool first = true;
    for (const auto* kv : sorted_members(o)) {
      if (!first) out += ",\n";
      first = false;
      out += pad;
      out += json::serialize(json::string(kv->key()));
      out += ": ";
      write_pretty(out, kv->value(), indent + 2);
    }
    out += "\n" + std::string(indent, ' ') + "}";
  } else if (v.is_array()) {
    const auto& a = v.get_array();
    if (a.empty()) {
      out += "[]";
      return;
    }
    out += "[\n";
    for (std::size_t i = 0; i < a.size(); ++i) {
      if (i) out += ",\n";
      out += pad;
      write_pretty(out, a[i], indent + 2);
    }
    out += "\n" + std::string(indent, ' ') + "]";
  } else {
    out += scalar_json(v);
  }
}

// A scalar as table/tsv text; nested values and null are empty.
std::string cell(const json::value& v) {
  switch (v.kind()) {
    case json::kind::string: return std::string(v.get_string());
    case json::kind::bool_: return v.get_bool() ? "true" : "false";
    case json::kind::null:
    case json::kind::object:
    case json::kind::array: return "";
    default: return scalar_json(v);
  }
}

bool is_scalar(const json::value& v) { return !v.is_object() && !v.is_array(); }

// Display width: counts UTF-8 code points, not bytes.
std::size_t width(std::string_view s) {
  std::size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

std::string render_table(const json::value& result) {
  std::vector<const json::value*> rows;
  if (result.is_array()) {
    for (const auto& e : result.get_array()) rows.push_back(&e);
  } else if (!result.is_null()) {
    rows.push_back(&result);
  }
  if (rows.empty()) return "";
  std::vector<std::string> columns;  // object keys, sorted; "Result" for scalar rows
  bool scalar_rows = false;
  for (const auto* r : rows) {
    if (!r->is_object()) {
      scalar_rows = true;
      continue;
    }
    for (const auto& kv : r->get_object()) {
      if (is_scalar(kv.value()) && std::find(columns.begin(), columns.end(), kv.key()) == columns.end()) {
        columns.emplace_back(kv.key());
      }
    }
  }
  std::sort(columns.begin(), columns.end());
  if (scalar_rows && columns.empty()) columns.push_back("");
  std::vector<std::vector<std::string>> cells;
  for (const auto* r : rows) {
    std::vector<std::string> line;
    for (const auto& c : columns) {
      if (r->is_object()) {
        const auto* v = r->get_object().if_contains(c);
        line.push_back(v && is_scalar(*v) ? cell(*v) : "");
      } else {
        line.push_back(c.empty() ? cell(*r) : "");
      }
    }
    cells.push_back(std::move(line));
  }
  std::vector<std::string> headers;
  for (const auto& c : columns) {
    std::string h = c.empty() ? "Result" : c;
    if (!h.empty() && h[0] >= 'a' && h[0] <= 'z') h[0] = char(h[0] - 'a' + 'A');
    headers.push_back(std::move(h));
  }
  std::vector<std::size_t> widths;
  for (std::size_t i = 0; i < headers.size(); ++i) {
    std::size_t w = width(headers[i]);
    for (const auto& line : cells) w = std::max(w, width(line[i]));
    widths.push_back(w);
  }
  auto emit = [&](std::string& out, const std::vector<std::string>& line) {
    std::string text;
    for (std::size_t i = 0; i < line.size(); ++i) {
      if (i) text += "  ";
      text += line[i];
      if (i + 1 < line.size()) text += std::string(widths[i] - width(line[i]), ' ');
    }
    out += text + "\n";
  };
  std::string out;
  emit(out, headers);
  std::vector<std::string> rule;
  for (std::size_t w : widths) rule.emplace_back(w, '-');
  emit(out, rule);
  for (const auto& line : cells) emit(out, line);
  return out;
}

void tsv_line(std::string& out, const json::value& v) {
  if (v.is_object()) {
    bool first = true;
    for (const auto* kv : sorted_members(v.get_object())) {
      if (!first) out += '\t';
      first = false;
      out += cell(kv->value());
    }
  } else {
    out += cell(v);
  }
  out += '\n';
}

std::string render_tsv(const json::value& result) {
  std::string out;
  if (result.is_null()) return out;
  if (result.is_array()) {
    for (const auto& e : result.get_array()) tsv_line(out, e);
  } else {
    tsv_line(out, result);
  }
  return out;
}

}  // namespace

std::optional<OutputFormat> parse_output_format(std::string_view name) {
  if (name == "json") return OutputFormat::kJson;
  if (name == "table") return OutputFormat::kTable;
  if (name == "tsv") return OutputFormat::kTsv;
  return std::nullopt;
}

std::string pretty_json(const json::value& v) {
  std::string out;
  write_pretty(out, v, 0);
  return out;
}

std::string render(const json::value& result, OutputFormat format) {
  switch (format) {
    case OutputFormat::kTable: return render_table(result);
    case OutputFormat::kTsv: return render_tsv(result);
    case OutputFormat::kJson: break;
  }
  return pretty_json(result) + "\n";
}

}  // namespace coffer::cli
