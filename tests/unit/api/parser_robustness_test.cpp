// Robustness of the API's request parsers: valid AKV bodies mutated at
// random (seeded) must come back as a value or as a client error — never an
// exception (a 500) and never kInternal for what is only bad input.
#include <gtest/gtest.h>

#include <functional>
#include <random>
#include <string>
#include <vector>

#include <boost/json.hpp>
#include "../support/mutation.hpp"
#include "api/batch_get.hpp"
#include "api/certificate_codec.hpp"
#include "api/certificate_issuer_codec.hpp"
#include "api/key_codec.hpp"
#include "api/secret_codec.hpp"
#include "api/secret_rotation_codec.hpp"
#include "api/target.hpp"

namespace coffer::api {
namespace {

constexpr int kRounds = 1500;

struct Case {
  const char* name;
  std::string valid;
  std::function<Status(std::string_view)> parse;
};

template <typename F>
std::function<Status(std::string_view)> status_of(F f) {
  return [f](std::string_view in) { return f(in).status(); };
}

const std::string kPolicy =
    R"({"key_props":{"kty":"RSA","key_size":2048,"exportable":true,"reuse_key":false},)"
    R"("secret_props":{"contentType":"application/x-pkcs12"},)"
    R"("x509_props":{"subject":"CN=a, O=b","sans":{"dns_names":["a.example"],"emails":["a@b.c"]},"validity_months":12,)"
    R"("ekus":["1.3.6.1.5.5.7.3.1"],"key_usage":["digitalSignature"]},"issuer":{"name":"Self"},)"
    R"("lifetime_actions":[{"trigger":{"lifetime_percentage":80},"action":{"action_type":"AutoRenew"}}]})";

std::vector<Case> cases() {
  return {
      {"secret set",
       R"({"value":"v","contentType":"text/plain","tags":{"a":"b"},"attributes":{"enabled":true,"nbf":1700000000,"exp":1800000000}})",
       status_of(parse_secret_set)},
      {"secret update", R"({"contentType":"x","tags":{"a":"b"},"attributes":{"enabled":false}})",
       status_of(parse_secret_update)},
      {"key create",
       R"({"kty":"RSA","key_size":2048,"public_exponent":65537,"key_ops":["sign","verify"],"attributes":{"enabled":true,"exportable":false},"tags":{"t":"v"}})",
       status_of(parse_key_create)},
      {"key import",
       R"({"key":{"kty":"oct","k":"AAAAAAAAAAAAAAAAAAAAAA","key_ops":["encrypt"]},"Hsm":false,"tags":{}})",
       status_of(parse_key_import)},
      {"key update", R"({"key_ops":["sign"],"attributes":{"enabled":true,"exp":1900000000}})",
       status_of(parse_key_update)},
      {"key operation", R"({"alg":"RS256","value":"AAAA"})",
       [](std::string_view b) { return parse_key_operation(b, false).status(); }},
      {"key verify", R"({"alg":"RS256","digest":"AAAA","value":"AAAA"})",
       [](std::string_view b) { return parse_key_operation(b, true).status(); }},
      {"rotation policy",
       R"({"lifetimeActions":[{"trigger":{"timeAfterCreate":"P90D"},"action":{"type":"Rotate"}},{"trigger":{"timeBeforeExpiry":"P30D"},"action":{"type":"Notify"}}],"attributes":{"expiryTime":"P1Y"}})",
       status_of(parse_rotation_policy)},
      {"secret rotation policy",
       R"({"lifetimeActions":[{"trigger":{"timeAfterCreate":"P30D"},"action":{"type":"Rotate"}}],"attributes":{"expiryTime":"P45D","contentType":"text/plain"},"generator":{"type":"password","length":32,"excludeCharacters":"x","includeSpace":true}})",
       status_of(parse_secret_rotation_policy)},
      {"rotator answer", R"({"value":"from-the-target","tags":{"CredentialId":"a2"}})",
       status_of(parse_rotator_answer)},
      {"batch get",
       R"({"objects":[{"objectType":"secret","name":"a"},{"objectType":"key","name":"k","version":"0123"}]})",
       [](std::string_view b) { return parse_batch_get(b, "7.4").status(); }},
      {"iso duration", "P1Y2M3DT4H5M6S", status_of(parse_iso_duration)},
      {"rng", R"({"count":32})", status_of(parse_rng)},
      {"certificate create", R"({"policy":)" + kPolicy + R"(,"attributes":{"enabled":true},"tags":{"a":"b"}})",
       status_of(parse_certificate_create)},
      {"certificate import", R"({"value":"MIIBAAAA","pwd":"x","policy":)" + kPolicy + "}",
       status_of(parse_certificate_import)},
      {"certificate merge", R"({"x5c":["MIIBAAAA"],"attributes":{"enabled":true}})",
       status_of(parse_certificate_merge)},
      {"certificate update", R"({"attributes":{"enabled":true},"tags":{"a":"b"},"policy":)" + kPolicy + "}",
       status_of(parse_certificate_update)},
      {"policy update", kPolicy,
       [](std::string_view b) {
         return parse_certificate_policy_update(b, vault::default_certificate_policy()).status();
       }},
      {"issuer set",
       R"({"provider":"Coffer","credentials":{"account_id":"a","pwd":"p"},"org_details":{"id":"o","admin_details":[{"first_name":"a","last_name":"b","email":"a@b.c","phone":"1"}]},"attributes":{"enabled":true}})",
       status_of(parse_issuer_set)},
      {"contacts", R"({"contacts":[{"email":"a@b.c","name":"n","phone":"1"}]})", status_of(parse_contacts)},
      {"target", "/secrets/a/0123abcd?api-version=7.4&maxresults=25&$skiptoken=x%20y", status_of(parse_target)},
      {"form", "grant_type=client_credentials&client_id=a&scope=https%3A%2F%2Fv%2F.default+x", status_of(parse_form)},
  };
}

// Replaces one value somewhere in a JSON tree by a value of another kind:
// reaches the typed checks that byte mutations (mostly bad JSON) do not.
void swap_one_value(boost::json::value& v, std::mt19937& rng, bool& done) {
  namespace json = boost::json;
  static const std::vector<json::value> kReplacements = [] {
    std::vector<json::value> r;
    for (const char* text : {"null", "true", "-1", "0", "2147483648", "1e308", "-9223372036854775807", "\"\"", "\"x\"",
                             "[]", "[1,\"a\",null]", "{}", "{\"k\":\"v\"}", "\"P-1D\"", "\"0x10\""}) {
      r.push_back(json::parse(text));
    }
    r.emplace_back(std::string(5000, 'a'));
    return r;
  }();
  auto visit = [&](json::value& child) {
    if (done) return;
    if (rng() % 4 == 0) {
      child = kReplacements[rng() % kReplacements.size()];
      done = true;
    } else {
      swap_one_value(child, rng, done);
    }
  };
  if (v.is_object()) {
    for (auto& kv : v.get_object()) visit(kv.value());
  } else if (v.is_array()) {
    for (auto& item : v.get_array()) visit(item);
  }
}

TEST(ApiParserRobustness, ValuesOfTheWrongKindAreClientErrors) {
  std::mt19937 rng(2811);
  for (const auto& c : cases()) {
    boost::system::error_code ec;
    const boost::json::value seed = boost::json::parse(c.valid, ec);
    if (ec) continue;  // not a JSON body (target, form, duration)
    for (int i = 0; i < kRounds; ++i) {
      boost::json::value v = seed;
      bool done = false;
      while (!done) swap_one_value(v, rng, done);
      const std::string input = boost::json::serialize(v);
      try {
        const Status st = c.parse(input);
        EXPECT_NE(st.code(), Code::kInternal) << c.name << " on " << input << ": " << st.message();
      } catch (const std::exception& e) {
        ADD_FAILURE() << c.name << " threw " << e.what() << " on " << input;
      }
    }
  }
}

TEST(ApiParserRobustness, MutatedBodiesAreValuesOrClientErrors) {
  uint32_t seed = 1128;
  for (const auto& c : cases()) {
    coffer::testing::expect_robust(
        c.name, c.valid, c.parse, [](const Status& st) { return st.code() != Code::kInternal; }, seed++, kRounds);
  }
}

TEST(RotatorAnswer, CarriesAValueAndTagsOrNothingAndRefusesWrongTypes) {
  auto full = parse_rotator_answer(R"({"value":"v1","tags":{"CredentialId":"a2"}})").value();
  ASSERT_TRUE(full.value);
  EXPECT_EQ(full.value->str(), "v1");
  EXPECT_EQ(full.tags, (vault::Tags{{"CredentialId", "a2"}}));
  for (std::string_view nothing : {"", "  \r\n", "OK", "[1,2]", "{}", "{\"value\":null}", "{\"status\":\"done\"}"}) {
    auto a = parse_rotator_answer(nothing).value();
    EXPECT_FALSE(a.value) << nothing;
    EXPECT_FALSE(a.tags) << nothing;
  }
  for (std::string_view bad : {R"({"value":5})", R"({"tags":{"a":1}})", R"({"tags":"x"})"}) {
    EXPECT_EQ(parse_rotator_answer(bad).status().code(), Code::kBadParameter) << bad;
  }
}

}  // namespace
}  // namespace coffer::api
