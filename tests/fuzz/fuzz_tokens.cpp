// What arrives from outside as a token: compact JWS (bearer tokens, client
// assertions, Kubernetes service-account tokens), a JWK set (an OIDC issuer's
// keys), a JSON web key (key import). Input: a selector byte, then the text.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "auth/jwt.hpp"
#include "crypto/key_material.hpp"
#include "fuzz_check.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 2) {
    case 0:
      coffer::fuzz::expect_value_or_client_error(coffer::auth::parse_compact_jws(text), "parse_compact_jws");
      break;
    case 1: coffer::fuzz::expect_value_or_client_error(coffer::auth::parse_jwks(text), "parse_jwks"); break;
  }
  return 0;
}
