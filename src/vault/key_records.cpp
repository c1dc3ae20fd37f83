#include "vault/key_records.hpp"

#include <cstdio>

#include "common/record_codec.hpp"
#include "vault/version_fields.hpp"

namespace coffer::vault {
namespace {

enum KeyField : uint8_t {
  kKeyVTags = kFirstKindField,
  kKeyVSealed,
  kKeyVExportable,
  kKeyVKty,
  kKeyVOps,
  kKeyVRpContentType,
  kKeyVRpImmutable,
  kKeyVRpData,
  kKeyVJwkKty,
  kKeyVCrv,
  kKeyVN,
  kKeyVE,
  kKeyVX,
  kKeyVY,
  kKeyVSize,
  kKeyVHsmToken
};
enum KeyPolicyField : uint8_t { kKeyPActions = 1, kKeyPExpiry, kKeyPExpirySeconds, kKeyPCreated, kKeyPUpdated };
enum KeyActionField : uint8_t {
  kKeyAAction = 1,
  kKeyAAfterCreate,
  kKeyABeforeExpiry,
  kKeyAAfterSeconds,
  kKeyABeforeSeconds,
  kKeyARepeat,
  kKeyARepeatAnchor,
  kKeyARepeatPeriod,
};

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
  w.map(kKeyVTags, p.tags).bytes(kKeyVSealed, payload).boolean(kKeyVExportable, p.exportable);
  w.bytes(kKeyVKty, p.kty).bytes(kKeyVOps, join(p.key_ops)).i64(kKeyVSize, p.key_size);
  if (p.release_policy) {
    w.bytes(kKeyVRpContentType, p.release_policy->content_type)
        .boolean(kKeyVRpImmutable, p.release_policy->immutable)
        .bytes(kKeyVRpData, p.release_policy->data);
  }
  const auto& j = p.public_key;
  w.bytes(kKeyVJwkKty, j.kty)
      .bytes(kKeyVCrv, j.crv)
      .bytes(kKeyVN, j.n)
      .bytes(kKeyVE, j.e)
      .bytes(kKeyVX, j.x)
      .bytes(kKeyVY, j.y);
  if (!p.hsm_token.empty()) w.bytes(kKeyVHsmToken, p.hsm_token);
  return w.take();
}

Result<KeyProperties> decode_key_properties(std::string_view data, std::string& payload) {
  auto r = RecordReader::parse(data);
  if (!r) return Status(Code::kInternal, "corrupt key version record");
  KeyProperties p;
  read_version_fields(*r, p.version, p.attributes);
  p.tags = r->map(kKeyVTags);
  payload = r->bytes(kKeyVSealed);
  p.exportable = r->boolean(kKeyVExportable);
  p.kty = r->bytes(kKeyVKty);
  p.key_ops = split(r->bytes(kKeyVOps));
  p.key_size = static_cast<int>(r->i64(kKeyVSize));
  if (r->has(kKeyVRpData)) {
    p.release_policy = ReleasePolicy{r->bytes(kKeyVRpContentType), r->boolean(kKeyVRpImmutable), r->bytes(kKeyVRpData)};
  }
  auto& j = p.public_key;
  j.kty = r->bytes(kKeyVJwkKty);
  j.crv = r->bytes(kKeyVCrv);
  j.n = r->bytes(kKeyVN);
  j.e = r->bytes(kKeyVE);
  j.x = r->bytes(kKeyVX);
  j.y = r->bytes(kKeyVY);
  p.hsm_token = r->bytes(kKeyVHsmToken);
  return p;
}

}  // namespace

std::string encode_key_version(const KeyVersionRecord& v) { return encode(v.properties, v.sealed_key.bytes()); }

Result<KeyVersionRecord> decode_key_version(std::string_view data) {
  std::string sealed;
  COFFER_ASSIGN_OR_RETURN(KeyProperties p, decode_key_properties(data, sealed));
  return KeyVersionRecord{std::move(p), Sealed::from_stored(std::move(sealed))};
}

SecureString encode_key_version_in_clear(const KeyVersionInClear& v) {
  return SecureString(encode(v.properties, v.private_key.view()));
}

Result<KeyVersionInClear> decode_key_version_in_clear(std::string_view data) {
  std::string private_key;
  auto p = decode_key_properties(data, private_key);
  SecureString wiped(std::move(private_key));
  if (!p.ok()) return p.status();
  return KeyVersionInClear{std::move(*p), std::move(wiped)};
}

std::string encode_rotation_policy(const RotationPolicy& p) {
  std::map<std::string, std::string> actions;
  for (std::size_t i = 0; i < p.lifetime_actions.size(); ++i) {
    const auto& a = p.lifetime_actions[i];
    RecordWriter w;
    w.bytes(kKeyAAction, a.action)
        .i64(kKeyAAfterSeconds, a.after_create_seconds)
        .i64(kKeyABeforeSeconds, a.before_expiry_seconds);
    if (a.time_after_create) w.bytes(kKeyAAfterCreate, *a.time_after_create);
    if (a.time_before_expiry) w.bytes(kKeyABeforeExpiry, *a.time_before_expiry);
    if (a.repeat) {
      w.bytes(kKeyARepeat, *a.repeat).i64(kKeyARepeatAnchor, a.repeat_anchor).i64(kKeyARepeatPeriod, a.repeat_period);
    }
    char idx[16];
    std::snprintf(idx, sizeof idx, "%04u", static_cast<unsigned>(i));
    actions[idx] = w.take();
  }
  RecordWriter w;
  w.map(kKeyPActions, actions)
      .i64(kKeyPExpirySeconds, p.expiry_seconds)
      .i64(kKeyPCreated, p.created)
      .i64(kKeyPUpdated, p.updated);
  if (p.expiry_time) w.bytes(kKeyPExpiry, *p.expiry_time);
  return w.take();
}

Result<RotationPolicy> decode_rotation_policy(std::string_view data) {
  auto r = RecordReader::parse(data);
  if (!r) return Status(Code::kInternal, "corrupt rotation policy record");
  RotationPolicy p;
  p.stored = true;
  for (const auto& [idx, enc] : r->map(kKeyPActions)) {
    auto a = RecordReader::parse(enc);
    if (!a) return Status(Code::kInternal, "corrupt rotation policy action");
    LifetimeAction la;
    la.action = a->bytes(kKeyAAction);
    la.after_create_seconds = a->i64(kKeyAAfterSeconds);
    la.before_expiry_seconds = a->i64(kKeyABeforeSeconds);
    if (a->has(kKeyAAfterCreate)) la.time_after_create = a->bytes(kKeyAAfterCreate);
    if (a->has(kKeyABeforeExpiry)) la.time_before_expiry = a->bytes(kKeyABeforeExpiry);
    if (a->has(kKeyARepeat)) {
      la.repeat = a->bytes(kKeyARepeat);
      la.repeat_anchor = a->i64(kKeyARepeatAnchor);
      la.repeat_period = a->i64(kKeyARepeatPeriod);
    }
    p.lifetime_actions.push_back(std::move(la));
  }
  if (r->has(kKeyPExpiry)) p.expiry_time = r->bytes(kKeyPExpiry);
  p.expiry_seconds = r->i64(kKeyPExpirySeconds);
  p.created = r->i64(kKeyPCreated);
  p.updated = r->i64(kKeyPUpdated);
  return p;
}

}  // namespace coffer::vault
