#include "api/secret_rotation_codec.hpp"

#include "api/json_body.hpp"
#include "api/key_codec.hpp"
#include "api/webhook_signing_codec.hpp"

namespace coffer::api {
namespace json = boost::json;
namespace {

Result<vault::SecretGenerator> parse_generator(const json::object& o) {
  vault::SecretGenerator g;
  COFFER_ASSIGN_OR_RETURN(auto type, opt_string(o, "type"));
  if (!type || *type == "password") {
    g.type = vault::SecretGenerator::Type::kPassword;
  } else if (*type == "randomBytes") {
    g.type = vault::SecretGenerator::Type::kRandomBytes;
  } else if (*type == "none") {
    g.type = vault::SecretGenerator::Type::kNone;
    if (o.size() > 1) return bad_parameter("A generator of type none takes no options.");
    return g;
  } else {
    return bad_parameter("generator.type must be password, randomBytes or none, not '" + type->substr(0, 64) + "'.");
  }
  COFFER_ASSIGN_OR_RETURN(auto length, opt_int(o, "length"));
  if (length) {
    if (*length < 1 || *length > 1'000'000) return bad_parameter("generator.length is out of range.");
    g.length = static_cast<int>(*length);
  }
  COFFER_ASSIGN_OR_RETURN(auto encoding, opt_string(o, "encoding"));
  if (encoding) g.encoding = *encoding;
  COFFER_ASSIGN_OR_RETURN(auto exclude, opt_string(o, "excludeCharacters"));
  if (exclude) g.exclude_characters = *exclude;
  const std::pair<const char*, bool*> flags[] = {
      {"excludeNumbers", &g.exclude_numbers},     {"excludePunctuation", &g.exclude_punctuation},
      {"excludeUppercase", &g.exclude_uppercase}, {"excludeLowercase", &g.exclude_lowercase},
      {"includeSpace", &g.include_space},         {"requireEachIncludedType", &g.require_each_included_type}};
  for (const auto& [name, field] : flags) {
    COFFER_ASSIGN_OR_RETURN(auto v, opt_bool(o, name));
    if (v) *field = *v;
  }
  const bool password_options = exclude || o.contains("excludeNumbers") || o.contains("excludePunctuation") ||
                                o.contains("excludeUppercase") || o.contains("excludeLowercase") ||
                                o.contains("includeSpace") || o.contains("requireEachIncludedType");
  if (g.type == vault::SecretGenerator::Type::kRandomBytes && password_options) {
    return bad_parameter("A randomBytes generator takes only length and encoding.");
  }
  if (g.type == vault::SecretGenerator::Type::kPassword && encoding) {
    return bad_parameter("A password generator has no encoding (randomBytes has).");
  }
  return g;
}

json::object generator_json(const vault::SecretGenerator& g) {
  if (g.type == vault::SecretGenerator::Type::kNone) return json::object{{"type", "none"}};
  if (g.type == vault::SecretGenerator::Type::kRandomBytes) {
    return json::object{{"type", "randomBytes"}, {"length", g.length}, {"encoding", g.encoding}};
  }
  return json::object{{"type", "password"},
                      {"length", g.length},
                      {"excludeCharacters", g.exclude_characters},
                      {"excludeNumbers", g.exclude_numbers},
                      {"excludePunctuation", g.exclude_punctuation},
                      {"excludeUppercase", g.exclude_uppercase},
                      {"excludeLowercase", g.exclude_lowercase},
                      {"includeSpace", g.include_space},
                      {"requireEachIncludedType", g.require_each_included_type}};
}

// 21600 → "PT6H": the largest whole unit.
std::string duration_text(int64_t seconds) {
  if (seconds % 86400 == 0) return "P" + std::to_string(seconds / 86400) + "D";
  if (seconds % 3600 == 0) return "PT" + std::to_string(seconds / 3600) + "H";
  if (seconds % 60 == 0) return "PT" + std::to_string(seconds / 60) + "M";
  return "PT" + std::to_string(seconds) + "S";
}

Result<vault::SecretRotator> parse_rotator(const json::object& o) {
  vault::SecretRotator r;
  COFFER_ASSIGN_OR_RETURN(auto url, opt_string(o, "endpointUrl"));
  if (!url) return bad_parameter("Property 'rotator.endpointUrl' is required.");
  r.endpoint_url = *url;
  COFFER_ASSIGN_OR_RETURN(auto strategy, opt_string(o, "strategy"));
  if (strategy) r.strategy = *strategy;
  COFFER_ASSIGN_OR_RETURN(auto timeout, opt_string(o, "rotationTimeout"));
  if (timeout) {
    auto seconds = parse_iso_duration(*timeout);
    if (!seconds.ok()) return bad_parameter("rotator.rotationTimeout is not an ISO-8601 duration (like PT6H).");
    r.timeout_seconds = *seconds;
  }
  COFFER_ASSIGN_OR_RETURN(r.signing, parse_webhook_signing(o));
  return r;
}

}  // namespace

Result<vault::SecretRotationPolicy> parse_secret_rotation_policy(std::string_view body) {
  COFFER_ASSIGN_OR_RETURN(json::object o, parse_json_object(body));
  vault::SecretRotationPolicy p;
  COFFER_ASSIGN_OR_RETURN(p.schedule, parse_rotation_policy_fields(o));
  COFFER_ASSIGN_OR_RETURN(auto attrs, opt_object(o, "attributes"));
  if (attrs) {
    COFFER_ASSIGN_OR_RETURN(p.content_type, opt_string(*attrs, "contentType"));
  }
  COFFER_ASSIGN_OR_RETURN(auto generator, opt_object(o, "generator"));
  if (generator) {
    COFFER_ASSIGN_OR_RETURN(p.generator, parse_generator(*generator));
  }
  COFFER_ASSIGN_OR_RETURN(auto rotator, opt_object(o, "rotator"));
  if (rotator) {
    COFFER_ASSIGN_OR_RETURN(p.rotator, parse_rotator(*rotator));
  }
  return p;
}

json::object secret_rotation_policy_json(const std::string& secret_url, const vault::SecretRotationPolicy& p) {
  json::object o = rotation_policy_json(secret_url, p.schedule);
  if (p.content_type) o["attributes"].as_object()["contentType"] = *p.content_type;
  o["generator"] = generator_json(p.generator);
  if (p.rotator) {
    json::object rotator{{"endpointUrl", p.rotator->endpoint_url},
                         {"strategy", p.rotator->strategy},
                         {"rotationTimeout", duration_text(p.rotator->timeout_seconds)}};
    add_webhook_signing_json(rotator, p.rotator->signing);
    o["rotator"] = std::move(rotator);
  }
  return o;
}

json::object rotation_status_json(const std::string& secret_url, const vault::RotationStatus& s) {
  json::object stages{{"CURRENT", s.current}};
  if (!s.pending.empty()) stages["PENDING"] = s.pending;
  if (!s.previous.empty()) stages["PREVIOUS"] = s.previous;
  json::object o{{"id", secret_url + "/rotation"}, {"status", s.state}, {"stages", stages}};
  if (!s.pending.empty()) {
    o["step"] = s.step;
    o["attempts"] = s.attempts;
    o["started"] = s.started;
    o["nextTry"] = s.next_try;
    o["deadline"] = s.deadline;
    if (!s.last_error.empty()) o["lastError"] = s.last_error;
  }
  return o;
}

std::string rotator_step_body(const vault::RotatorCall& call, const std::string& secret_url) {
  json::object o{{"Step", vault::rotation_step_name(call.step)},
                 {"SecretId", secret_url},
                 {"ClientRequestToken", call.token},
                 {"Strategy", call.rotator.strategy},
                 {"CurrentVersion", call.current}};
  if (!call.previous.empty()) o["PreviousVersion"] = call.previous;
  if (!call.credential_id.empty()) o["CredentialId"] = call.credential_id;
  return json::serialize(o);
}

Result<vault::RotatorAnswer> parse_rotator_answer(std::string_view body) {
  vault::RotatorAnswer a;
  if (body.find_first_not_of(" \t\r\n") == std::string_view::npos) return a;  // no body: done, nothing to add
  boost::system::error_code ec;
  json::value parsed = json::parse(body, ec);
  if (ec || !parsed.is_object()) return a;  // an answer that is not a JSON object carries nothing for Coffer
  json::object& o = parsed.as_object();
  WipeOnExit wipe(o);  // the new value, on every return
  COFFER_ASSIGN_OR_RETURN(auto value, opt_string(o, "value"));
  if (value) a.value = SecureString(std::move(*value));
  COFFER_ASSIGN_OR_RETURN(auto tags, opt_string_map(o, "tags"));
  if (tags) a.tags = vault::Tags(tags->begin(), tags->end());
  return a;
}

}  // namespace coffer::api
