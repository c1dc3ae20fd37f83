// ParsedTarget: a request target split into decoded path segments and query
// parameters. "/secrets/a/" yields {"secrets","a",""}: the empty last
// segment is how SDKs ask for the latest version. Repeated slashes collapse
// except for a trailing one. The first value of a repeated parameter wins.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.hpp"

namespace coffer::api {

struct ParsedTarget {
  std::string path;  // decoded path
  std::vector<std::string> segments;
  std::map<std::string, std::string> query;
  std::optional<std::string_view> param(const std::string& name) const;
};

Result<ParsedTarget> parse_target(std::string_view target);

// application/x-www-form-urlencoded ("+" is a space); the first value wins.
Result<std::map<std::string, std::string>> parse_form(std::string_view body);

// Wipes every value of a parsed form when it goes out of scope: forms carry
// passwords, client secrets, codes and refresh tokens.
class FormWipe {
 public:
  explicit FormWipe(std::map<std::string, std::string>& form) : form_(form) {}
  FormWipe(const FormWipe&) = delete;
  FormWipe& operator=(const FormWipe&) = delete;
  ~FormWipe();

 private:
  std::map<std::string, std::string>& form_;
};

}  // namespace coffer::api
