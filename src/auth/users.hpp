// UserRegistry: the people of the tenant. A user is a principal like a
// service principal (an object id that roles, groups and audit records
// name) who signs in with a user name and a password, and, when enrolled,
// a TOTP code (crypto/totp.hpp). Passwords are kept only as Argon2id
// hashes; a TOTP secret is sealed under the root key (associated data: the
// user's record and object id) and shown once, at enrolment.
//
// Lockout: after kLockoutThreshold failed sign-ins in a row (a wrong
// password or a wrong code), the account refuses every sign-in for
// 30 s, doubling with each further failure up to 15 min, without checking
// anything; a success or an admin's unlock() ends it. The count lives in the
// shared store, so every replica enforces it. A SignInThrottle (optional)
// also limits failures per source address.
//
// A user's credential generation rises whenever a password is reset, TOTP
// is enrolled or removed, or sign-ins are revoked: sessions
// and refresh tokens minted under an older generation stop working
// (user_sessions.hpp). Thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "auth/principal.hpp"
#include "auth/sign_in_throttle.hpp"
#include "common/clock.hpp"
#include "common/concurrency_gate.hpp"
#include "common/secure_memory.hpp"
#include "common/status.hpp"
#include "crypto/keyring.hpp"
#include "store/store.hpp"

namespace coffer::auth {

inline constexpr int kLockoutThreshold = 5;

struct User {
  std::string object_id;
  std::string user_name;  // as created; unique without case
  std::string display_name;
  int64_t created = 0;
  bool totp_enrolled = false;
  int64_t failed_sign_ins = 0;  // in a row
  int64_t locked_until = 0;     // Unix seconds; 0 or past: not locked
  int64_t generation = 1;       // credential generation (see above)
};

struct NewUser {
  User user;
  SecureString password;  // only when the registry generated it
};

class UserRegistry {
 public:
  // `throttle` (optional, outlives the registry) limits failures per address;
  // `hash_slots` 0 = one per core.
  UserRegistry(store::Store& store, crypto::Keyring& keyring, const Clock& clock, std::string tenant_id,
               SignInThrottle* throttle = nullptr, unsigned hash_slots = 0);

  // User names: 1–64 of [A-Za-z0-9._@-], starting with a letter or digit.
  // Display names: 1–120 printable characters (default: the user name).
  // Passwords: 12–256 bytes; an empty one is generated and returned once.
  // kConflict when the name is taken.
  Result<NewUser> create(std::string_view user_name, std::string_view display_name, std::string_view password);
  Result<std::vector<User>> list();
  // By user name (without case) or object id; kNotFound otherwise.
  Result<User> find(std::string_view name_or_object_id);
  // The user and everything signed in as it (sessions, refresh tokens go
  // with its records: user_sessions.hpp checks the user on every use).
  Status remove(std::string_view name_or_object_id);
  // Sets a new password (generated and returned when `password` is empty),
  // ends the lockout and voids every session and refresh token.
  Result<SecureString> reset_password(std::string_view name_or_object_id, std::string_view password);
  // A new TOTP secret (raw bytes, for the otpauth:// URI), replacing any
  // earlier one; voids sessions. disable_totp removes it.
  Result<SecureString> enroll_totp(std::string_view name_or_object_id);
  Status disable_totp(std::string_view name_or_object_id);
  Status unlock(std::string_view name_or_object_id);
  // Voids every session and refresh token of the user (Entra's "revoke
  // sessions"); the password stays.
  Status revoke_sign_ins(std::string_view name_or_object_id);

  // The sign-in check. kUnauthorized without saying which part was wrong;
  // kUnauthorized with reason "MfaRequired" when the password is right and
  // the user is enrolled but `totp_code` is empty (not a failure);
  // kThrottled (reason = seconds to wait) while the account is locked, the
  // address throttled or too many checks run. Returns the user as it is
  // after the sign-in.
  Result<User> authenticate(std::string_view user_name, std::string_view password, std::string_view totp_code,
                            std::string_view source_address);

  // Whether the user's sign-ins are refused now for failures (lockout).
  bool is_locked(const User& user) const;
  // The principal a user's tokens carry, signed in through `client_id`.
  Principal principal(const User& user, std::string_view client_id) const;

 private:
  friend Result<int> reseal_totp_secrets(store::Store& store, crypto::Keyring& keyring);
  friend Result<int> index_user_object_ids(store::Store& store);
  struct Stored;
  // Calls `fn` with every user's record, decoded, in key order; stops at the
  // first error.
  static Status for_each_stored(store::ReadTxn& txn, const std::function<Status(Stored&&)>& fn);
  Result<std::optional<Stored>> load(store::ReadTxn& txn, std::string_view name_or_object_id);
  // Reads, changes and writes one user by compare-and-set.
  Status update(std::string_view name_or_object_id, const std::function<Status(Stored&)>& change);
  Status record_failure(const std::string& key);

  store::Store& store_;
  crypto::Keyring& keyring_;
  const Clock& clock_;
  std::string tenant_id_;
  SignInThrottle* throttle_;
  ConcurrencyGate hash_gate_;
};

// Makes the index by object id (the lookups of sessions, refresh tokens and
// codes) match the users: writes the entry of each user that has none or a
// wrong one (users made before the index existed, or by an older replica)
// and erases the entries of users that are gone; the number of entries
// written or erased. Idempotent; writes nothing when the index is whole.
Result<int> index_user_object_ids(store::Store& store);

// Seals every user's TOTP secret again under the active root key
// generation; the number resealed (root-key rotation, crypto/keyring.hpp).
Result<int> reseal_totp_secrets(store::Store& store, crypto::Keyring& keyring);

}  // namespace coffer::auth
