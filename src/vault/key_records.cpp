#include "vault/key_records.hpp"

#include <cstdio>

#include "common/record_codec.hpp"
#include "vault/version_fields.hpp"

namespace coffer::vault {
namespace {

enum KeyField : uint8_t {
  kVTags = kFirstKindField,
  kVSealed,
  kVExportable,
  kVKty,
  kVOps,
  kVRpContentType,
  kVRpImmutable,
  kVRpData,
  kVJwkKty,
  kVCrv,
  kVN,
  kVE,
  kVX,
  kVY,
  kVSize
};
enum PolicyField : uint8_t { kPActions = 1, kPExpiry, kPExpirySeconds, kPCreated, kPUpdated };
enum ActionField : uint8_t { kAAction = 1, kAAfterCreate, kABeforeExpiry, kAAfterSeconds, kABeforeSeconds };

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) {
    if (!out.empty()) out += ',';
    out += s;
  }
  return out;
}

std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start < s.size()) {
    auto comma = s.find(',', start);
    if (comma == std::string::npos) comma = s.size();
    out.push_back(s.substr(start, comma - start));
    start = comma + 1;
  }
  return out;
}

// One encoding for both forms: `payload` is the sealed private key in the
// store, the private key itself in a backup.
std::string encode(const KeyProperties& p, std::string_view payload) {
  RecordWriter w;
  write_version_fields(w, p.version, p.attributes);
  w.map(kVTags, p.tags).bytes(kVSealed, payload).boolean(kVExportable, p.exportable);
  w.bytes(kVKty, p.kty).bytes(kVOps, join(p.key_ops)).i64(kVSize, p.key_size);
  if (p.release_policy) {
    w.bytes(kVRpContentType, p.release_policy->content_type)
        .boolean(kVRpImmutable, p.release_policy->immutable)
        .bytes(kVRpData, p.release_policy->data);
  }
  const auto& j = p.public_key;
  w.bytes(kVJwkKty, j.kty).bytes(kVCrv, j.crv).bytes(kVN, j.n).bytes(kVE, j.e).bytes(kVX, j.x).bytes(kVY, j.y);
  return w.take();
}

Result<KeyProperties> decode(std::string_view data, std::string& payload) {
  auto r = RecordReader::parse(data);
  if (!r) return Status(Code::kInternal, "corrupt key version record");
  KeyProperties p;
  read_version_fields(*r, p.version, p.attributes);
  p.tags = r->map(kVTags);
  payload = r->bytes(kVSealed);
  p.exportable = r->boolean(kVExportable);
  p.kty = r->bytes(kVKty);
  p.key_ops = split(r->bytes(kVOps));
  p.key_size = static_cast<int>(r->i64(kVSize));
  if (r->has(kVRpData)) {
    p.release_policy = ReleasePolicy{r->bytes(kVRpContentType), r->boolean(kVRpImmutable), r->bytes(kVRpData)};
  }
  auto& j = p.public_key;
  j.kty = r->bytes(kVJwkKty);
  j.crv = r->bytes(kVCrv);
  j.n = r->bytes(kVN);
  j.e = r->bytes(kVE);
  j.x = r->bytes(kVX);
  j.y = r->bytes(kVY);
  return p;
}

}  // namespace

std::string encode_key_version(const KeyVersionRecord& v) { return encode(v.properties, v.sealed_key.bytes()); }

Result<KeyVersionRecord> decode_key_version(std::string_view data) {
  std::string sealed;
  COFFER_ASSIGN_OR_RETURN(KeyProperties p, decode(data, sealed));
  return KeyVersionRecord{std::move(p), Sealed::from_stored(std::move(sealed))};
}

SecureString encode_key_version_in_clear(const KeyVersionInClear& v) {
  return SecureString(encode(v.properties, v.private_key.view()));
}

Result<KeyVersionInClear> decode_key_version_in_clear(std::string_view data) {
  std::string private_key;
  auto p = decode(data, private_key);
  SecureString wiped(std::move(private_key));
  if (!p.ok()) return p.status();
  return KeyVersionInClear{std::move(*p), std::move(wiped)};
}

std::string encode_rotation_policy(const RotationPolicy& p) {
  std::map<std::string, std::string> actions;
  for (std::size_t i = 0; i < p.lifetime_actions.size(); ++i) {
    const auto& a = p.lifetime_actions[i];
    RecordWriter w;
    w.bytes(kAAction, a.action)
        .i64(kAAfterSeconds, a.after_create_seconds)
        .i64(kABeforeSeconds, a.before_expiry_seconds);
    if (a.time_after_create) w.bytes(kAAfterCreate, *a.time_after_create);
    if (a.time_before_expiry) w.bytes(kABeforeExpiry, *a.time_before_expiry);
    char idx[16];
    std::snprintf(idx, sizeof idx, "%04u", static_cast<unsigned>(i));
    actions[idx] = w.take();
  }
  RecordWriter w;
  w.map(kPActions, actions).i64(kPExpirySeconds, p.expiry_seconds).i64(kPCreated, p.created).i64(kPUpdated, p.updated);
  if (p.expiry_time) w.bytes(kPExpiry, *p.expiry_time);
  return w.take();
}

Result<RotationPolicy> decode_rotation_policy(std::string_view data) {
  auto r = RecordReader::parse(data);
  if (!r) return Status(Code::kInternal, "corrupt rotation policy record");
  RotationPolicy p;
  p.stored = true;
  for (const auto& [idx, enc] : r->map(kPActions)) {
    auto a = RecordReader::parse(enc);
    if (!a) return Status(Code::kInternal, "corrupt rotation policy action");
    LifetimeAction la;
    la.action = a->bytes(kAAction);
    la.after_create_seconds = a->i64(kAAfterSeconds);
    la.before_expiry_seconds = a->i64(kABeforeSeconds);
    if (a->has(kAAfterCreate)) la.time_after_create = a->bytes(kAAfterCreate);
    if (a->has(kABeforeExpiry)) la.time_before_expiry = a->bytes(kABeforeExpiry);
    p.lifetime_actions.push_back(std::move(la));
  }
  if (r->has(kPExpiry)) p.expiry_time = r->bytes(kPExpiry);
  p.expiry_seconds = r->i64(kPExpirySeconds);
  p.created = r->i64(kPCreated);
  p.updated = r->i64(kPUpdated);
  return p;
}

}  // namespace coffer::vault
