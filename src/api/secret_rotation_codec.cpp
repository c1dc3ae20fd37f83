#include "api/secret_rotation_codec.hpp"

#include "api/json_body.hpp"
#include "api/key_codec.hpp"

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
  } else {
    return bad_parameter("generator.type must be password or randomBytes, not '" + type->substr(0, 64) + "'.");
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
  return p;
}

json::object secret_rotation_policy_json(const std::string& secret_url, const vault::SecretRotationPolicy& p) {
  json::object o = rotation_policy_json(secret_url, p.schedule);
  if (p.content_type) o["attributes"].as_object()["contentType"] = *p.content_type;
  o["generator"] = generator_json(p.generator);
  return o;
}

}  // namespace coffer::api
