// AuthorizationGrants: the short-lived proofs that a person signed in, which
// a client application trades at the token endpoint — kept in the shared
// store, so the replica that redeems need not be the one that issued.
//   - Authorization codes (OAuth 2.0 with PKCE, RFC 7636; S256 only): issued
//     after the sign-in page, valid 5 minutes, redeemed once, by the same
//     client, with the same redirect URI and the verifier of the challenge.
//   - Device codes (RFC 8628): a device asks for a device code and a short
//     user code; the person enters the user code on the sign-in page of any
//     browser and signs in; the device polls until then (at most once per
//     `interval`: faster polls get "slow_down"), 15 minutes at most. The
//     approved code is redeemed once.
// Only SHA-256 digests of codes are stored (user codes in clear: they are
// worthless without a signed-in approver). Thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "auth/user_sessions.hpp"
#include "auth/users.hpp"
#include "common/clock.hpp"
#include "common/secure_memory.hpp"
#include "common/status.hpp"
#include "store/store.hpp"

namespace coffer::auth {

inline constexpr int64_t kAuthorizationCodeSeconds = 300;
inline constexpr int64_t kDeviceCodeSeconds = 900;
inline constexpr int64_t kDevicePollSeconds = 5;

// What the authorization endpoint was asked, carried to the token endpoint.
struct AuthorizationRequest {
  std::string client_id;
  std::string redirect_uri;
  std::string code_challenge;  // base64url(SHA-256(verifier)), 43 characters
  std::string scope;
  std::string nonce;
};

// A redeemed grant: who signed in, for which client and scope.
struct GrantedSignIn {
  SignedIn signed_in;
  std::string client_id;
  std::string scope;
  std::string nonce;
};

struct DeviceAuthorization {
  SecureString device_code;
  std::string user_code;  // "BCDF-GHJK": 8 letters of an alphabet without vowels or look-alikes
  int64_t expires_in = kDeviceCodeSeconds;
  int64_t interval = kDevicePollSeconds;
};

// A device code waiting for a person: what the sign-in page shows.
struct PendingDevice {
  std::string client_id;
  std::string scope;
};

class AuthorizationGrants {
 public:
  AuthorizationGrants(store::Store& store, UserRegistry& users, const Clock& clock);

  // kBadParameter unless the challenge is 43 base64url characters.
  Result<SecureString> issue_code(const AuthorizationRequest& request, const SignedIn& signed_in);
  // Refusals are kUnauthorized with reason "invalid_grant" (unknown, used,
  // expired, another client or redirect URI, wrong verifier).
  Result<GrantedSignIn> redeem_code(std::string_view code, std::string_view client_id, std::string_view redirect_uri,
                                    std::string_view code_verifier);

  Result<DeviceAuthorization> start_device(std::string_view client_id, std::string_view scope);
  // The pending device code of a user code (any case, dash optional);
  // kNotFound when there is none or it expired or was decided.
  Result<PendingDevice> find_device(std::string_view user_code);
  Status approve_device(std::string_view user_code, const SignedIn& signed_in);
  // The approved sign-in, once. Otherwise kUnauthorized with reason
  // "authorization_pending", "slow_down", "expired_token" or
  // "bad_verification_code" (RFC 8628 §3.5).
  Result<GrantedSignIn> poll_device(std::string_view device_code, std::string_view client_id);

  // Erases expired codes; the number erased.
  Result<int> purge_expired();

 private:
  store::Store& store_;
  UserRegistry& users_;
  const Clock& clock_;
};

// base64url(SHA-256(verifier)) as RFC 7636 §4.2 computes it; empty when the
// verifier is not 43–128 characters of [A-Za-z0-9-._~].
std::string pkce_s256_challenge(std::string_view code_verifier);

}  // namespace coffer::auth
