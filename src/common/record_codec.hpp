// A small, versionless binary encoding for records kept in the store:
// a sequence of fields, each a 1-byte tag, a 4-byte little-endian length
// and the bytes. Readers skip tags they do not know, so fields can be added
// without a migration. Used by vault/ and auth/, which must not speak JSON.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace coffer {

class RecordWriter {
 public:
  RecordWriter& bytes(uint8_t tag, std::string_view v);
  RecordWriter& i64(uint8_t tag, int64_t v);
  RecordWriter& boolean(uint8_t tag, bool v) { return i64(tag, v ? 1 : 0); }
  // A string→string map, stored as one field.
  RecordWriter& map(uint8_t tag, const std::map<std::string, std::string>& m);
  // A list of strings, order kept: a map "000000"→item, "000001"→item, ….
  RecordWriter& list(uint8_t tag, const std::vector<std::string>& items);
  const std::string& data() const { return out_; }
  std::string take() { return std::move(out_); }

 private:
  std::string out_;
};

class RecordReader {
 public:
  // Returns nullopt when the input is truncated or malformed.
  static std::optional<RecordReader> parse(std::string_view data);

  bool has(uint8_t tag) const { return fields_.count(tag) != 0; }
  std::string bytes(uint8_t tag) const;
  int64_t i64(uint8_t tag, int64_t dflt = 0) const;
  std::optional<int64_t> opt_i64(uint8_t tag) const;
  bool boolean(uint8_t tag, bool dflt = false) const { return i64(tag, dflt ? 1 : 0) != 0; }
  std::map<std::string, std::string> map(uint8_t tag) const;
  std::vector<std::string> list(uint8_t tag) const;

 private:
  std::map<uint8_t, std::string_view> fields_;
};

}  // namespace coffer
