// Robustness of the token parsers: a compact JWS (client assertions, bearer
// tokens) and a JWK Set (issuer keys), valid, mutated at random (seeded) —
// always a value or kBadParameter, never an exception or kInternal.
#include <gtest/gtest.h>

#include <string>

#include "../support/mutation.hpp"
#include "auth/jwt.hpp"
#include "common/base64.hpp"
#include "crypto/key_material.hpp"

namespace coffer::auth {
namespace {

constexpr int kRounds = 3000;

bool is_bad_parameter(const Status& st) { return st.code() == Code::kBadParameter; }

TEST(TokenParserRobustness, CompactJwsAndJwkSet) {
  const std::string jws =
      base64url_encode(R"({"alg":"RS256","typ":"JWT","kid":"k1"})") + "." +
      base64url_encode(
          R"({"iss":"https://issuer","sub":"system:serviceaccount:a:b","aud":["api://AzureADTokenExchange"],"exp":1900000000,"nbf":1700000000})") +
      "." + base64url_encode("signature-bytes");
  coffer::testing::expect_robust(
      "parse_compact_jws", jws, [](const std::string& s) { return parse_compact_jws(s).status(); }, is_bad_parameter,
      11, kRounds);

  auto rsa = crypto::KeyMaterial::generate_rsa(2048).value().public_jwk();
  auto ec = crypto::KeyMaterial::generate_ec("P-256").value().public_jwk();
  const std::string jwks = R"({"keys":[{"kty":"RSA","use":"sig","alg":"RS256","kid":"r1","n":")" +
                           base64url_encode(rsa.n) + R"(","e":")" + base64url_encode(rsa.e) +
                           R"("},{"kty":"EC","use":"sig","crv":"P-256","kid":"e1","x":")" + base64url_encode(ec.x) +
                           R"(","y":")" + base64url_encode(ec.y) + R"("}]})";
  coffer::testing::expect_robust(
      "parse_jwks", jwks, [](const std::string& s) { return parse_jwks(s).status(); }, is_bad_parameter, 12, kRounds);
}

}  // namespace
}  // namespace coffer::auth
