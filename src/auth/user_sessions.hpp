// UserSessions: what a person's sign-in leaves behind, kept in the shared
// store so every replica honours it at once.
//   - A browser session (the sign-in page's cookie, 12 h): lets the
//     authorization endpoint answer again without asking for the password.
//     Closing it (sign-out) revokes every refresh token minted under it.
//   - Refresh tokens (a family per sign-in, 14 days idle, 90 days at most):
//     each use returns a new token and voids the one used; presenting a
//     voided one revokes the whole family (RFC 9700 §4.14.2: a replayed
//     refresh token means it leaked). Bound to the client id they were
//     issued to.
// Both are checked against the user on every use: a removed user, or one
// whose credential generation rose (password reset, TOTP change, revoked
// sign-ins: users.hpp), has no session and no working refresh token.
// Only SHA-256 digests of cookies and token secrets are stored. Thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "auth/users.hpp"
#include "common/clock.hpp"
#include "common/secure_memory.hpp"
#include "common/status.hpp"
#include "store/store.hpp"

namespace coffer::auth {

inline constexpr int64_t kBrowserSessionSeconds = 12 * 3600;
inline constexpr int64_t kRefreshIdleSeconds = 14 * 24 * 3600;
inline constexpr int64_t kRefreshLongestSeconds = 90 * 24 * 3600;

struct BrowserSession {
  SecureString cookie;     // the cookie's value: the session's secret
  std::string session_id;  // names the session in refresh tokens; not secret
};

// A user signed in, as a session or a refresh token finds them.
struct SignedIn {
  User user;
  std::string session_id;  // empty: no browser session behind it
};

struct Refreshed {
  SignedIn signed_in;
  SecureString refresh_token;  // the next one; the one presented is void
};

class UserSessions {
 public:
  UserSessions(store::Store& store, UserRegistry& users, const Clock& clock);

  Result<BrowserSession> open(const User& user);
  // kUnauthorized when the cookie names no live session of a live user.
  Result<SignedIn> resume(std::string_view cookie);
  // Ends the session of `cookie` and revokes its refresh tokens; OK when
  // there was none.
  Status close(std::string_view cookie);

  // A new refresh token family for `client_id`, under `session_id` (empty:
  // a sign-in without a browser session, as the password grant's).
  Result<SecureString> issue_refresh(const User& user, std::string_view client_id, std::string_view session_id);
  // kUnauthorized (reason "invalid_grant") for an unknown, expired, revoked
  // or replayed token, or one issued to another client.
  Result<Refreshed> redeem_refresh(std::string_view refresh_token, std::string_view client_id);

  // Erases expired sessions and refresh families; the number erased.
  Result<int> purge_expired();

 private:
  // The user behind a record, if it still exists at the same generation.
  Result<User> current_user(std::string_view object_id, int64_t generation);

  store::Store& store_;
  UserRegistry& users_;
  const Clock& clock_;
};

}  // namespace coffer::auth
