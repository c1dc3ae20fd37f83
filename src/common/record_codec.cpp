#include "common/record_codec.hpp"

#include <cstdio>
#include <cstring>

namespace coffer {
namespace {

void put_u32(std::string& out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out += char((v >> (8 * i)) & 0xff);
}
uint32_t get_u32(std::string_view in) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v |= uint32_t(uint8_t(in[i])) << (8 * i);
  return v;
}

}  // namespace

RecordWriter& RecordWriter::bytes(uint8_t tag, std::string_view v) {
  out_ += char(tag);
  put_u32(out_, uint32_t(v.size()));
  out_.append(v);
  return *this;
}

RecordWriter& RecordWriter::i64(uint8_t tag, int64_t v) {
  std::string b(8, '\0');
  uint64_t u = uint64_t(v);
  for (int i = 0; i < 8; ++i) b[i] = char((u >> (8 * i)) & 0xff);
  return bytes(tag, b);
}

RecordWriter& RecordWriter::map(uint8_t tag, const std::map<std::string, std::string>& m) {
  std::string b;
  for (const auto& [k, v] : m) {
    put_u32(b, uint32_t(k.size()));
    b += k;
    put_u32(b, uint32_t(v.size()));
    b += v;
  }
  return bytes(tag, b);
}

std::optional<RecordReader> RecordReader::parse(std::string_view data) {
  RecordReader r;
  while (!data.empty()) {
    if (data.size() < 5) return std::nullopt;
    uint8_t tag = uint8_t(data[0]);
    uint32_t len = get_u32(data.substr(1));
    data.remove_prefix(5);
    if (len > data.size()) return std::nullopt;
    r.fields_[tag] = data.substr(0, len);
    data.remove_prefix(len);
  }
  return r;
}

std::string RecordReader::bytes(uint8_t tag) const {
  auto it = fields_.find(tag);
  return it == fields_.end() ? std::string() : std::string(it->second);
}

std::optional<int64_t> RecordReader::opt_i64(uint8_t tag) const {
  auto it = fields_.find(tag);
  if (it == fields_.end() || it->second.size() != 8) return std::nullopt;
  uint64_t u = 0;
  for (int i = 0; i < 8; ++i) u |= uint64_t(uint8_t(it->second[i])) << (8 * i);
  return int64_t(u);
}

int64_t RecordReader::i64(uint8_t tag, int64_t dflt) const { return opt_i64(tag).value_or(dflt); }

std::map<std::string, std::string> RecordReader::map(uint8_t tag) const {
  std::map<std::string, std::string> m;
  auto it = fields_.find(tag);
  if (it == fields_.end()) return m;
  std::string_view d = it->second;
  while (d.size() >= 4) {
    uint32_t kl = get_u32(d);
    d.remove_prefix(4);
    if (kl > d.size()) break;
    std::string k(d.substr(0, kl));
    d.remove_prefix(kl);
    if (d.size() < 4) break;
    uint32_t vl = get_u32(d);
    d.remove_prefix(4);
    if (vl > d.size()) break;
    m[k] = std::string(d.substr(0, vl));
    d.remove_prefix(vl);
  }
  return m;
}

}  // namespace coffer

namespace coffer {

RecordWriter& RecordWriter::list(uint8_t tag, const std::vector<std::string>& items) {
  std::map<std::string, std::string> m;
  char key[24];  // room for any size_t
  for (std::size_t i = 0; i < items.size(); ++i) {
    std::snprintf(key, sizeof key, "%06zu", i);
    m.emplace(key, items[i]);
  }
  return map(tag, m);
}

std::vector<std::string> RecordReader::list(uint8_t tag) const {
  std::vector<std::string> out;
  for (auto& [k, v] : map(tag)) out.push_back(std::move(v));
  return out;
}

}  // namespace coffer
