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
  kSecPolGenEncoding,
  kSecPolRotatorUrl,
  kSecPolRotatorStrategy,
  kSecPolRotatorTimeout,
  kSecPolRotatorSigningScheme,
  kSecPolRotatorSigningSecret,
};

}  // namespace

Status check_secret_rotation_policy(const SecretRotationPolicy& p) {
  const auto bad = [](const char* m) { return bad_parameter(m); };
  COFFER_RETURN_IF_ERROR(check_lifetime_actions(p.schedule, /*allow_repeat=*/true));
  if (p.schedule.expiry_time && p.schedule.expiry_seconds < kMinSecretRotationSeconds) {
    return bad("The rotation policy's expiryTime must be at least one hour (PT1H).");
  }
  if (const LifetimeAction* rot = rotate_action(p.schedule)) {
    if (rot->time_after_create && rot->after_create_seconds < kMinSecretRotationSeconds) {
      return bad("A Rotate action's timeAfterCreate must be at least one hour (PT1H).");
    }
    if (rot->repeat && rot->repeat_period < kMinSecretRotationSeconds) {
      return bad("A Rotate action's repeat period must be at least one hour (PT1H).");
    }
    if (rot->time_before_expiry && rot->before_expiry_seconds >= p.schedule.expiry_seconds) {
      return bad("A Rotate action's timeBeforeExpiry must be shorter than the policy's expiryTime.");
    }
  }
  if (p.content_type && p.content_type->size() > 255) return bad("contentType must be at most 255 characters.");
  if (p.rotator) {
    const SecretRotator& r = *p.rotator;
    if (!r.endpoint_url.starts_with("https://") || r.endpoint_url.size() < 9 || r.endpoint_url.size() > 2048) {
      return bad("rotator.endpointUrl must be an https:// URL of at most 2048 characters.");
    }
    if (r.strategy != "single" && r.strategy != "alternating") {
      return bad("rotator.strategy must be single or alternating.");
    }
    if (r.timeout_seconds < kMinRotationTimeoutSeconds || r.timeout_seconds > kMaxRotationTimeoutSeconds) {
      return bad("rotator.rotationTimeout must be from five minutes (PT5M) to seven days (P7D).");
    }
    COFFER_RETURN_IF_ERROR(check_webhook_signing(r.signing));
  } else if (p.generator.type == SecretGenerator::Type::kNone) {
    return bad("A generator of type none needs a rotator: it supplies the new value.");
  }
  return check_generator(p.generator);
}

std::string encode_secret_rotation_policy(const SecretRotationPolicy& p) {
  const SecretGenerator& g = p.generator;
  RecordWriter w;
  w.bytes(kSecPolSchedule, encode_rotation_policy(p.schedule));
  if (p.content_type) w.bytes(kSecPolContentType, *p.content_type);
  w.i64(kSecPolGenType, static_cast<int64_t>(g.type))
      .i64(kSecPolGenLength, g.length)
      .bytes(kSecPolGenExclude, g.exclude_characters)
      .boolean(kSecPolGenNoNumbers, g.exclude_numbers)
      .boolean(kSecPolGenNoPunctuation, g.exclude_punctuation)
      .boolean(kSecPolGenNoUpper, g.exclude_uppercase)
      .boolean(kSecPolGenNoLower, g.exclude_lowercase)
      .boolean(kSecPolGenSpace, g.include_space)
      .boolean(kSecPolGenEachType, g.require_each_included_type)
      .bytes(kSecPolGenEncoding, g.encoding);
  if (p.rotator) {
    w.bytes(kSecPolRotatorUrl, p.rotator->endpoint_url)
        .bytes(kSecPolRotatorStrategy, p.rotator->strategy)
        .i64(kSecPolRotatorTimeout, p.rotator->timeout_seconds);
    if (!p.rotator->signing.scheme.empty()) {
      w.bytes(kSecPolRotatorSigningScheme, p.rotator->signing.scheme)
          .bytes(kSecPolRotatorSigningSecret, p.rotator->signing.secret.bytes());
    }
  }
  return w.take();
}

Result<SecretRotationPolicy> decode_secret_rotation_policy(std::string_view data) {
  auto r = RecordReader::parse(data);
  if (!r) return Status(Code::kInternal, "corrupt secret rotation policy record");
  SecretRotationPolicy p;
  COFFER_ASSIGN_OR_RETURN(p.schedule, decode_rotation_policy(r->bytes(kSecPolSchedule)));
  if (r->has(kSecPolContentType)) p.content_type = r->bytes(kSecPolContentType);
  SecretGenerator& g = p.generator;
  const int64_t type = r->i64(kSecPolGenType);
  if (type < 0 || type > static_cast<int64_t>(SecretGenerator::Type::kNone)) {
    return Status(Code::kInternal, "corrupt secret rotation policy record (generator type)");
  }
  g.type = static_cast<SecretGenerator::Type>(type);
  g.length = static_cast<int>(r->i64(kSecPolGenLength, 32));
  g.exclude_characters = r->bytes(kSecPolGenExclude);
  g.exclude_numbers = r->boolean(kSecPolGenNoNumbers);
  g.exclude_punctuation = r->boolean(kSecPolGenNoPunctuation);
  g.exclude_uppercase = r->boolean(kSecPolGenNoUpper);
  g.exclude_lowercase = r->boolean(kSecPolGenNoLower);
  g.include_space = r->boolean(kSecPolGenSpace);
  g.require_each_included_type = r->boolean(kSecPolGenEachType, true);
  g.encoding = r->bytes(kSecPolGenEncoding);
  if (r->has(kSecPolRotatorUrl)) {
    p.rotator =
        SecretRotator{r->bytes(kSecPolRotatorUrl), r->bytes(kSecPolRotatorStrategy), r->i64(kSecPolRotatorTimeout), {}};
    p.rotator->signing.scheme = r->bytes(kSecPolRotatorSigningScheme);
    p.rotator->signing.secret = Sealed::from_stored(r->bytes(kSecPolRotatorSigningSecret));
  }
  return p;
}

}  // namespace coffer::vault
