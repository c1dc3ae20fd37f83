#include "vault/secret_records.hpp"

#include "common/record_codec.hpp"

namespace coffer::vault {
namespace {

enum HeadField : uint8_t { kHName = 1, kHLatest, kHDeleted, kHPurge, kHManaged };
enum VersionField : uint8_t {
  kVVersion = 1, kVEnabled, kVNbf, kVExp, kVCreated, kVUpdated, kVContentType, kVTags, kVSealed
};

}  // namespace

std::string encode_head(const SecretHead& h) {
  RecordWriter w;
  w.bytes(kHName, h.name).bytes(kHLatest, h.latest_version).boolean(kHManaged, h.managed);
  if (h.deletion) w.i64(kHDeleted, h.deletion->deleted_date).i64(kHPurge, h.deletion->scheduled_purge_date);
  return w.take();
}

Result<SecretHead> decode_head(std::string_view data) {
  auto r = RecordReader::parse(data);
  if (!r) return Status(Code::kInternal, "corrupt secret record");
  SecretHead h;
  h.name = r->bytes(kHName);
  h.latest_version = r->bytes(kHLatest);
  h.managed = r->boolean(kHManaged);
  if (r->has(kHDeleted)) h.deletion = DeletionInfo{r->i64(kHDeleted), r->i64(kHPurge)};
  return h;
}

std::string encode_version(const SecretVersionRecord& v) {
  const auto& p = v.properties;
  RecordWriter w;
  w.bytes(kVVersion, p.version).boolean(kVEnabled, p.attributes.enabled);
  if (p.attributes.not_before) w.i64(kVNbf, *p.attributes.not_before);
  if (p.attributes.expires) w.i64(kVExp, *p.attributes.expires);
  w.i64(kVCreated, p.attributes.created).i64(kVUpdated, p.attributes.updated);
  if (p.content_type) w.bytes(kVContentType, *p.content_type);
  w.map(kVTags, p.tags).bytes(kVSealed, v.sealed_value);
  return w.take();
}

Result<SecretVersionRecord> decode_version(std::string_view data) {
  auto r = RecordReader::parse(data);
  if (!r) return Status(Code::kInternal, "corrupt secret version record");
  SecretVersionRecord v;
  auto& p = v.properties;
  p.version = r->bytes(kVVersion);
  p.attributes.enabled = r->boolean(kVEnabled, true);
  p.attributes.not_before = r->opt_i64(kVNbf);
  p.attributes.expires = r->opt_i64(kVExp);
  p.attributes.created = r->i64(kVCreated);
  p.attributes.updated = r->i64(kVUpdated);
  if (r->has(kVContentType)) p.content_type = r->bytes(kVContentType);
  p.tags = r->map(kVTags);
  v.sealed_value = r->bytes(kVSealed);
  return v;
}

}  // namespace coffer::vault
