#include "vault/secret_records.hpp"

#include "common/record_codec.hpp"
#include "vault/version_fields.hpp"

namespace coffer::vault {
namespace {

enum SecretField : uint8_t {
  kSecretVContentType = kFirstKindField,
  kSecretVTags,
  kSecretVSealed,
  kSecretVPrevious,
  kSecretVPending
};

// One encoding for both forms: `payload` is the sealed value in the store,
// the value itself in a backup.
std::string encode(const SecretProperties& p, std::string_view payload) {
  RecordWriter w;
  write_version_fields(w, p.version, p.attributes);
  if (p.content_type) w.bytes(kSecretVContentType, *p.content_type);
  w.map(kSecretVTags, p.tags).bytes(kSecretVSealed, payload);
  if (!p.previous_version.empty()) w.bytes(kSecretVPrevious, p.previous_version);
  if (p.pending) w.boolean(kSecretVPending, true);
  return w.take();
}

Result<SecretProperties> decode_secret_properties(std::string_view data, std::string& payload) {
  auto r = RecordReader::parse(data);
  if (!r) return Status(Code::kInternal, "corrupt secret version record");
  SecretProperties p;
  read_version_fields(*r, p.version, p.attributes);
  if (r->has(kSecretVContentType)) p.content_type = r->bytes(kSecretVContentType);
  p.tags = r->map(kSecretVTags);
  payload = r->bytes(kSecretVSealed);
  p.previous_version = r->bytes(kSecretVPrevious);
  p.pending = r->boolean(kSecretVPending);
  return p;
}

}  // namespace

std::string encode_version(const SecretVersionRecord& v) { return encode(v.properties, v.sealed_value.bytes()); }

Result<SecretVersionRecord> decode_version(std::string_view data) {
  std::string sealed;
  COFFER_ASSIGN_OR_RETURN(SecretProperties p, decode_secret_properties(data, sealed));
  return SecretVersionRecord{std::move(p), Sealed::from_stored(std::move(sealed))};
}

SecureString encode_version_in_clear(const SecretVersionInClear& v) {
  return SecureString(encode(v.properties, v.value.view()));
}

Result<SecretVersionInClear> decode_version_in_clear(std::string_view data) {
  std::string value;
  auto p = decode_secret_properties(data, value);
  SecureString wiped(std::move(value));
  if (!p.ok()) return p.status();
  return SecretVersionInClear{std::move(*p), std::move(wiped)};
}

}  // namespace coffer::vault
