#include "vault/secret_rotation_policy.hpp"

#include "common/record_codec.hpp"
#include "vault/key_records.hpp"
#include "vault/lifetime_actions.hpp"

namespace coffer::vault {
namespace {

enum SecretPolicyField : uint8_t {
  kSecPolSchedule = 1,  // the RotationPolicy's own record (key_records.hpp)
  kSecPolContentType,
  kSecPolGenType,
  kSecPolGenLength,
  kSecPolGenExclude,
  kSecPolGenNoNumbers,
  kSecPolGenNoPunctuation,
  kSecPolGenNoUpper,
  kSecPolGenNoLower,
  kSecPolGenSpace,
  kSecPolGenEachType,
  kSecPolGenEncoding
};

}  // namespace

Status check_secret_rotation_policy(const SecretRotationPolicy& p) {
  const auto bad = [](const char* m) { return bad_parameter(m); };
  COFFER_RETURN_IF_ERROR(check_lifetime_actions(p.schedule));
  if (p.schedule.expiry_time && p.schedule.expiry_seconds < kMinSecretRotationSeconds) {
    return bad("The rotation policy's expiryTime must be at least one hour (PT1H).");
  }
  if (const LifetimeAction* rot = rotate_action(p.schedule)) {
    if (rot->time_after_create && rot->after_create_seconds < kMinSecretRotationSeconds) {
      return bad("A Rotate action's timeAfterCreate must be at least one hour (PT1H).");
    }
    if (rot->time_before_expiry && rot->before_expiry_seconds >= p.schedule.expiry_seconds) {
      return bad("A Rotate action's timeBeforeExpiry must be shorter than the policy's expiryTime.");
    }
  }
  if (p.content_type && p.content_type->size() > 255) return bad("contentType must be at most 255 characters.");
  return check_generator(p.generator);
}

std::string encode_secret_rotation_policy(const SecretRotationPolicy& p) {
  const SecretGenerator& g = p.generator;
  RecordWriter w;
  w.bytes(kSecPolSchedule, encode_rotation_policy(p.schedule));
  if (p.content_type) w.bytes(kSecPolContentType, *p.content_type);
  w.i64(kSecPolGenType, g.type == SecretGenerator::Type::kRandomBytes ? 1 : 0)
      .i64(kSecPolGenLength, g.length)
      .bytes(kSecPolGenExclude, g.exclude_characters)
      .boolean(kSecPolGenNoNumbers, g.exclude_numbers)
      .boolean(kSecPolGenNoPunctuation, g.exclude_punctuation)
      .boolean(kSecPolGenNoUpper, g.exclude_uppercase)
      .boolean(kSecPolGenNoLower, g.exclude_lowercase)
      .boolean(kSecPolGenSpace, g.include_space)
      .boolean(kSecPolGenEachType, g.require_each_included_type)
      .bytes(kSecPolGenEncoding, g.encoding);
  return w.take();
}

Result<SecretRotationPolicy> decode_secret_rotation_policy(std::string_view data) {
  auto r = RecordReader::parse(data);
  if (!r) return Status(Code::kInternal, "corrupt secret rotation policy record");
  SecretRotationPolicy p;
  COFFER_ASSIGN_OR_RETURN(p.schedule, decode_rotation_policy(r->bytes(kSecPolSchedule)));
  if (r->has(kSecPolContentType)) p.content_type = r->bytes(kSecPolContentType);
  SecretGenerator& g = p.generator;
  g.type = r->i64(kSecPolGenType) == 1 ? SecretGenerator::Type::kRandomBytes : SecretGenerator::Type::kPassword;
  g.length = static_cast<int>(r->i64(kSecPolGenLength, 32));
  g.exclude_characters = r->bytes(kSecPolGenExclude);
  g.exclude_numbers = r->boolean(kSecPolGenNoNumbers);
  g.exclude_punctuation = r->boolean(kSecPolGenNoPunctuation);
  g.exclude_uppercase = r->boolean(kSecPolGenNoUpper);
  g.exclude_lowercase = r->boolean(kSecPolGenNoLower);
  g.include_space = r->boolean(kSecPolGenSpace);
  g.require_each_included_type = r->boolean(kSecPolGenEachType, true);
  g.encoding = r->bytes(kSecPolGenEncoding);
  return p;
}

}  // namespace coffer::vault
