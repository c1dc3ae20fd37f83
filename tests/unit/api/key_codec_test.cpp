// key_codec: AKV key JSON shapes — public members only, base64url without
// padding, request parsing errors as kBadParameter, ISO-8601 durations, and
// key operation answers (plaintexts marked sensitive).
#include "api/key_codec.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "common/base64.hpp"

namespace coffer::api {
namespace {

namespace json = boost::json;

TEST(KeyCodec, BundleCarriesOnlyPublicMembersWithoutPadding) {
  auto material = crypto::KeyMaterial::generate_rsa(2048).value();
  vault::KeyProperties p;
  p.name = "Signer";
  p.version = "0123456789abcdef0123456789abcdef";
  p.kty = "RSA";
  p.key_ops = {"sign", "verify"};
  p.public_key = material.private_jwk().value();  // even if private members were present…
  p.tags = {{"env", "test"}};
  vault::VaultInfo vault;
  json::object b = key_bundle("https://v.vault.localhost:8443", vault, p);
  const json::object& key = b.at("key").as_object();
  EXPECT_EQ(key.at("kid").as_string(), "https://v.vault.localhost:8443/keys/Signer/0123456789abcdef0123456789abcdef");
  EXPECT_EQ(key.at("kty").as_string(), "RSA");
  EXPECT_EQ(key.at("key_ops").as_array().size(), 2u);
  for (const char* priv : {"d", "p", "q", "dp", "dq", "qi", "k"})
    EXPECT_FALSE(key.contains(priv)) << priv;  // …never written
  EXPECT_EQ(std::string(key.at("n").as_string()).find('='), std::string::npos);
  EXPECT_EQ(base64url_decode(key.at("n").as_string()).value(), p.public_key.n);
  EXPECT_EQ(key.at("e").as_string(), "AQAB");
  EXPECT_FALSE(b.at("attributes").at("exportable").as_bool());
  EXPECT_EQ(b.at("tags").at("env").as_string(), "test");

  json::object item = key_item("https://h", vault, p, false);
  EXPECT_EQ(item.at("kid").as_string(), "https://h/keys/Signer");
  EXPECT_FALSE(item.contains("key"));
  json::object del = deleted_key_bundle("https://h", vault, vault::DeletedKey{p, {10, 20}}, false);
  EXPECT_EQ(del.at("recoveryId").as_string(), "https://h/deletedkeys/Signer");
  EXPECT_EQ(del.at("scheduledPurgeDate").as_int64(), 20);
}

TEST(KeyCodec, CreateImportAndOperationBodies) {
  auto d = parse_key_create(R"({"kty":"EC","crv":"P-384","key_ops":["sign"],"attributes":{"enabled":false,"exp":5}})");
  ASSERT_TRUE(d.ok()) << d.status().message();
  EXPECT_EQ(d->kty, "EC");
  EXPECT_EQ(*d->crv, "P-384");
  EXPECT_FALSE(d->enabled);
  EXPECT_EQ(*d->expires, 5);
  EXPECT_EQ(parse_key_create(R"({"key_size":2048})").status().code(), Code::kBadParameter);
  EXPECT_EQ(parse_key_create(R"({"kty":"RSA","key_ops":"sign"})").status().code(), Code::kBadParameter);
  EXPECT_EQ(parse_key_create(R"({"kty":"RSA","key_size":"big"})").status().code(), Code::kBadParameter);
  EXPECT_EQ(parse_key_create(R"({"kty":"RSA","attributes":{"nbf":9,"exp":5}})").status().code(), Code::kBadParameter);
  EXPECT_EQ(parse_key_create(R"({"kty":"RSA","release_policy":{}})").status().code(), Code::kBadParameter);

  auto im = parse_key_import(R"({"key":{"kty":"oct","k":"AAECAwQFBgcICQoLDA0ODw"},"Hsm":false})");
  ASSERT_TRUE(im.ok()) << im.status().message();
  EXPECT_EQ(im->jwk.k.size(), 16u);
  EXPECT_EQ(parse_key_import(R"({"key":{"kty":"oct","k":"***"}})").status().code(), Code::kBadParameter);
  EXPECT_EQ(parse_key_import(R"({})").status().code(), Code::kBadParameter);

  auto op = parse_key_operation(R"({"alg":"A256GCM","value":"aGk","iv":"AAAAAAAAAAAAAAAA","aad":"eA=="})", false);
  ASSERT_TRUE(op.ok()) << op.status().message();
  EXPECT_EQ(op->value, "hi");
  EXPECT_EQ(op->iv.size(), 12u);
  EXPECT_EQ(op->aad, "x");
  EXPECT_EQ(parse_key_operation(R"({"value":"aGk"})", false).status().code(), Code::kBadParameter);
  EXPECT_EQ(parse_key_operation(R"({"alg":"RS256"})", false).status().code(), Code::kBadParameter);
  EXPECT_EQ(parse_key_operation(R"({"alg":"RS256","value":"aGk"})", true).status().code(), Code::kBadParameter);
  EXPECT_EQ(parse_key_operation("[]", false).status().code(), Code::kBadParameter);
  EXPECT_EQ(parse_rng(R"({"count":128})").value(), 128);
  EXPECT_EQ(parse_rng(R"({"count":129})").status().code(), Code::kBadParameter);
}

TEST(KeyCodec, OperationAnswers) {
  vault::KeyOperationResult r;
  r.version = std::string(32, 'c');
  r.value = SecureString(std::string("\x00\xff plaintext", 12));
  r.iv = "0123456789ab";
  r.tag = "tag-bytes-16....";
  const std::string kid = "https://h/keys/k/" + r.version;

  http::Response signed_answer = key_operation_response("https://h", "k", r, false, false);
  EXPECT_EQ(signed_answer.status, 200);
  EXPECT_FALSE(signed_answer.sensitive) << "a signature or ciphertext is not secret";
  auto o = json::parse(signed_answer.body).as_object();
  EXPECT_EQ(o.at("kid").as_string(), kid);
  EXPECT_EQ(*base64url_decode(o.at("value").as_string()), std::string(r.value.view()));
  EXPECT_EQ(o.size(), 2u) << "no iv, tag or aad without the cipher extras";

  auto encrypted = json::parse(key_operation_response("https://h", "k", r, true, false).body).as_object();
  EXPECT_EQ(*base64url_decode(encrypted.at("iv").as_string()), r.iv);
  EXPECT_EQ(*base64url_decode(encrypted.at("tag").as_string()), r.tag);
  EXPECT_FALSE(encrypted.contains("aad")) << "an empty member is left out";

  http::Response plaintext = key_operation_response("https://h", "k", r, false, true);
  EXPECT_TRUE(plaintext.sensitive) << "decrypt and unwrapkey answers are wiped once sent";
  EXPECT_EQ(plaintext.body, signed_answer.body);
  EXPECT_LE(plaintext.body.size(), plaintext.body.capacity());

  // A host as sent that needs escaping still gives valid JSON.
  auto odd = json::parse(key_operation_response("https://h\"x", "k", r, false, false).body).as_object();
  EXPECT_EQ(odd.at("kid").as_string(), "https://h\"x/keys/k/" + r.version);

  for (std::size_t n : {0u, 1u, 2u, 3u, 31u, 128u}) {
    http::Response random = random_bytes_response(std::string(n, '\x7f'));
    EXPECT_TRUE(random.sensitive);
    EXPECT_EQ(*base64url_decode(json::parse(random.body).at("value").as_string()), std::string(n, '\x7f'));
  }
}

TEST(KeyCodec, IsoDurationsAndRotationPolicy) {
  EXPECT_EQ(parse_iso_duration("P90D").value(), 90 * 86400);
  EXPECT_EQ(parse_iso_duration("P1Y2M").value(), (365 + 60) * 86400);
  EXPECT_EQ(parse_iso_duration("P2W").value(), 14 * 86400);
  EXPECT_EQ(parse_iso_duration("PT1H30M5S").value(), 5405);
  EXPECT_EQ(parse_iso_duration("P1DT1H").value(), 90000);
  for (const char* bad : {"", "P", "PT", "90D", "P1H", "PT1D", "P1.5D", "P-1D", "P1DT", "P1D2"}) {
    EXPECT_EQ(parse_iso_duration(bad).status().code(), Code::kBadParameter) << bad;
  }
  auto p = parse_rotation_policy(
      R"({"lifetimeActions":[{"trigger":{"timeBeforeExpiry":"P7D"},"action":{"type":"notify"}}],"attributes":{"expiryTime":"P30D"}})");
  ASSERT_TRUE(p.ok()) << p.status().message();
  EXPECT_EQ(p->lifetime_actions[0].action, "notify");
  EXPECT_EQ(p->lifetime_actions[0].before_expiry_seconds, 7 * 86400);
  EXPECT_EQ(p->expiry_seconds, 30 * 86400);
  json::object out = rotation_policy_json("https://h/keys/k", *p);
  EXPECT_EQ(out.at("id").as_string(), "https://h/keys/k/rotationpolicy");
  EXPECT_EQ(out.at("lifetimeActions").at(0).at("trigger").at("timeBeforeExpiry").as_string(), "P7D");
  EXPECT_EQ(out.at("attributes").at("expiryTime").as_string(), "P30D");
  EXPECT_EQ(parse_rotation_policy(R"({"lifetimeActions":[{"trigger":{}}]})").status().code(), Code::kBadParameter);
}

}  // namespace
}  // namespace coffer::api
