// Renders a command's result like `az -o json|table|tsv`:
//   json  — pretty, 2-space indent, object keys sorted, UTF-8 as is, ends with "\n";
//   table — one row per object (an array's elements, or the object itself);
//           columns are the scalar members in key order, headed by the key with its
//           first letter upper-cased, then a dashed rule; nested values are left out;
//   tsv   — one line per object (or per array element), the values of its
//           members in key order joined by tabs; nested objects and arrays, and
//           null, print as empty fields; a scalar result prints on its own.
// Strings print raw in table/tsv; booleans as "true"/"false". Null results
// print nothing in table/tsv and "null" in json.
#pragma once

#include <boost/json/value.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace coffer::cli {

enum class OutputFormat { kJson, kTable, kTsv };

std::optional<OutputFormat> parse_output_format(std::string_view name);
std::string render(const boost::json::value& result, OutputFormat format);
// JSON only: the pretty form described above, without the final newline.
std::string pretty_json(const boost::json::value& v);

}  // namespace coffer::cli
