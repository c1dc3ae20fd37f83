#include "vault/secret_records.hpp"

#include "common/record_codec.hpp"
#include "vault/version_fields.hpp"

namespace coffer::vault {
namespace {

enum SecretField : uint8_t { kVContentType = kFirstKindField, kVTags, kVSealed, kVPrevious };

}  // namespace

std::string encode_version(const SecretVersionRecord& v) {
  const auto& p = v.properties;
  RecordWriter w;
  write_version_fields(w, p.version, p.attributes);
  if (p.content_type) w.bytes(kVContentType, *p.content_type);
  w.map(kVTags, p.tags).bytes(kVSealed, v.sealed_value);
  if (!p.previous_version.empty()) w.bytes(kVPrevious, p.previous_version);
  return w.take();
}

Result<SecretVersionRecord> decode_version(std::string_view data) {
  auto r = RecordReader::parse(data);
  if (!r) return Status(Code::kInternal, "corrupt secret version record");
  SecretVersionRecord v;
  auto& p = v.properties;
  read_version_fields(*r, p.version, p.attributes);
  if (r->has(kVContentType)) p.content_type = r->bytes(kVContentType);
  p.tags = r->map(kVTags);
  v.sealed_value = r->bytes(kVSealed);
  p.previous_version = r->bytes(kVPrevious);
  return v;
}

}  // namespace coffer::vault
