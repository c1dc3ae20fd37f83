#include "auth/users.hpp"

#include <algorithm>
#include <map>

#include "common/ascii.hpp"
#include "common/record_codec.hpp"
#include "crypto/password_hash.hpp"
#include "crypto/random.hpp"
#include "crypto/totp.hpp"

namespace coffer::auth {
namespace {

enum UserField : uint8_t {
  kUserObjectId = 1,
  kUserFieldName,
  kUserDisplayName,
  kUserPasswordHash,
  kUserCreated,
  kUserTotpSealed,
  kUserTotpLastStep,
  kUserFailed,
  kUserLockedUntil,
  kUserGeneration,
};
constexpr std::string_view kUserPrefix = "user/";
// The index by object id: user-id/<object id, lower case> -> the user's record key.
constexpr std::string_view kUserIdPrefix = "user-id/";
constexpr std::size_t kMaxObjectIdSize = 64;         // ours are GUIDs (36)
constexpr std::size_t kGeneratedPasswordBytes = 18;  // 24 base64url characters
constexpr std::chrono::milliseconds kUserHashWait{2000};
constexpr int64_t kFirstLockSeconds = 30;
constexpr int64_t kLongestLockSeconds = 15 * 60;

std::string key_of_name(std::string_view user_name) { return std::string(kUserPrefix) + lower_ascii(user_name); }
std::string key_of_object_id(std::string_view object_id) { return std::string(kUserIdPrefix) + lower_ascii(object_id); }

// The associated data of a user's TOTP secret: its record and object id, so
// a sealed secret copied to another user does not open.
std::string totp_associated_data(std::string_view key, std::string_view object_id) {
  return std::string(key) + "/totp/" + std::string(object_id);
}

Status bad_user_input(std::string message) { return Status(Code::kBadParameter, std::move(message)); }

Status check_user_name(std::string_view name) {
  if (name.empty() || name.size() > 64) return bad_user_input("userName must be 1-64 characters.");
  if (!ascii_alnum(name.front())) return bad_user_input("userName must start with a letter or a digit.");
  for (char c : name) {
    if (!ascii_alnum(c) && c != '.' && c != '_' && c != '@' && c != '-') {
      return bad_user_input("userName may hold only letters, digits and . _ @ -.");
    }
  }
  return Status::Ok();
}

Status check_password(std::string_view password) {
  if (password.size() < 12 || password.size() > 256) return bad_user_input("The password must be 12-256 characters.");
  return Status::Ok();
}

Status user_not_found(std::string_view who) {
  return Status(Code::kNotFound, "User '" + std::string(who.substr(0, 64)) + "' was not found.");
}

int64_t lock_seconds(int64_t failures) {
  const int64_t doublings = std::min<int64_t>(failures - kLockoutThreshold, 10);
  return std::min(kLongestLockSeconds, kFirstLockSeconds << doublings);
}

}  // namespace

struct UserRegistry::Stored {
  std::string key;
  int64_t revision = 0;
  User user;
  std::string password_hash;
  std::string totp_sealed;
  int64_t totp_last_step = 0;

  std::string encode() const {
    RecordWriter w;
    w.bytes(kUserObjectId, user.object_id)
        .bytes(kUserFieldName, user.user_name)
        .bytes(kUserDisplayName, user.display_name);
    w.bytes(kUserPasswordHash, password_hash).i64(kUserCreated, user.created).i64(kUserFailed, user.failed_sign_ins);
    w.i64(kUserLockedUntil, user.locked_until).i64(kUserGeneration, user.generation);
    if (!totp_sealed.empty()) w.bytes(kUserTotpSealed, totp_sealed).i64(kUserTotpLastStep, totp_last_step);
    return w.take();
  }

  static Result<Stored> decode(const store::Entry& e) {
    auto r = RecordReader::parse(e.value);
    if (!r) return Status(Code::kInternal, "corrupt user record");
    Stored s;
    s.key = e.key;
    s.revision = e.revision;
    s.user.object_id = r->bytes(kUserObjectId);
    s.user.user_name = r->bytes(kUserFieldName);
    s.user.display_name = r->bytes(kUserDisplayName);
    s.user.created = r->i64(kUserCreated);
    s.user.failed_sign_ins = r->i64(kUserFailed);
    s.user.locked_until = r->i64(kUserLockedUntil);
    s.user.generation = r->i64(kUserGeneration, 1);
    s.password_hash = r->bytes(kUserPasswordHash);
    s.totp_sealed = r->bytes(kUserTotpSealed);
    s.totp_last_step = r->i64(kUserTotpLastStep);
    s.user.totp_enrolled = !s.totp_sealed.empty();
    return s;
  }
};

UserRegistry::UserRegistry(store::Store& store, crypto::Keyring& keyring, const Clock& clock, std::string tenant_id,
                           SignInThrottle* throttle, unsigned hash_slots)
    : store_(store),
      keyring_(keyring),
      clock_(clock),
      tenant_id_(std::move(tenant_id)),
      throttle_(throttle),
      hash_gate_(ConcurrencyGate::slots_or_cores(hash_slots), 2 * ConcurrencyGate::slots_or_cores(hash_slots)) {}

Result<std::optional<UserRegistry::Stored>> UserRegistry::load(store::ReadTxn& txn,
                                                               std::string_view name_or_object_id) {
  if (check_user_name(name_or_object_id).ok()) {
    COFFER_ASSIGN_OR_RETURN(auto entry, txn.get(key_of_name(name_or_object_id)));
    if (entry) {
      COFFER_ASSIGN_OR_RETURN(Stored s, Stored::decode(*entry));
      return std::optional<Stored>(std::move(s));
    }
  }
  if (name_or_object_id.size() > kMaxObjectIdSize) return std::optional<Stored>();
  COFFER_ASSIGN_OR_RETURN(auto indexed, txn.get(key_of_object_id(name_or_object_id)));
  if (indexed) {
    COFFER_ASSIGN_OR_RETURN(auto entry, txn.get(indexed->value));
    if (entry) {
      COFFER_ASSIGN_OR_RETURN(Stored s, Stored::decode(*entry));
      if (iequals_ascii(s.user.object_id, name_or_object_id)) return std::optional<Stored>(std::move(s));
    }
  }
  // Not in the index: a user made before it existed, or by an older
  // replica (index_user_object_ids() adds them), or no such user.
  std::optional<Stored> found;
  COFFER_RETURN_IF_ERROR(for_each_stored(txn, [&](Stored&& s) -> Status {
    if (!found && iequals_ascii(s.user.object_id, name_or_object_id)) found = std::move(s);
    return Status::Ok();
  }));
  return found;
}

Status UserRegistry::for_each_stored(store::ReadTxn& txn, const std::function<Status(Stored&&)>& fn) {
  return store::for_each_entry(txn, kUserPrefix, [&](const store::Entry& e) -> Status {
    COFFER_ASSIGN_OR_RETURN(Stored s, Stored::decode(e));
    return fn(std::move(s));
  });
}

Status UserRegistry::update(std::string_view name_or_object_id, const std::function<Status(Stored&)>& change) {
  return store_.write([&](store::WriteTxn& txn) -> Status {
    COFFER_ASSIGN_OR_RETURN(auto stored, load(txn, name_or_object_id));
    if (!stored) return user_not_found(name_or_object_id);
    COFFER_RETURN_IF_ERROR(change(*stored));
    return txn.put_if(stored->key, stored->encode(), stored->revision);
  });
}

Result<NewUser> UserRegistry::create(std::string_view user_name, std::string_view display_name,
                                     std::string_view password) {
  COFFER_RETURN_IF_ERROR(check_user_name(user_name));
  const std::string_view shown = display_name.empty() ? user_name : display_name;
  if (shown.size() > 120) return bad_user_input("displayName must be 1-120 characters.");
  for (unsigned char c : shown) {
    if (c < 0x20 || c == 0x7f) return bad_user_input("displayName contains control characters.");
  }
  NewUser out;
  if (password.empty()) {
    out.password = crypto::random_token(kGeneratedPasswordBytes);
    password = out.password.view();
  }
  COFFER_RETURN_IF_ERROR(check_password(password));
  Stored s;
  s.key = key_of_name(user_name);
  s.user = User{crypto::new_guid(), std::string(user_name), std::string(shown), clock_.now(), false, 0, 0, 1};
  COFFER_ASSIGN_OR_RETURN(s.password_hash, crypto::hash_password(password));
  COFFER_RETURN_IF_ERROR(store_.write([&](store::WriteTxn& txn) -> Status {
    COFFER_ASSIGN_OR_RETURN(auto existing, txn.get(s.key));
    if (existing) {
      return Status(Code::kConflict, "User '" + std::string(user_name) + "' already exists.", "UserExists");
    }
    COFFER_RETURN_IF_ERROR(txn.put_if(s.key, s.encode(), 0));
    return txn.put_if(key_of_object_id(s.user.object_id), s.key, 0);
  }));
  out.user = s.user;
  return out;
}

Result<std::vector<User>> UserRegistry::list() {
  std::vector<User> out;
  COFFER_RETURN_IF_ERROR(store_.read([&](store::ReadTxn& txn) -> Status {
    out.clear();
    return for_each_stored(txn, [&](Stored&& s) -> Status {
      out.push_back(std::move(s.user));
      return Status::Ok();
    });
  }));
  return out;
}

Result<User> UserRegistry::find(std::string_view name_or_object_id) {
  std::optional<Stored> stored;
  COFFER_RETURN_IF_ERROR(store_.read([&](store::ReadTxn& txn) -> Status {
    COFFER_ASSIGN_OR_RETURN(stored, load(txn, name_or_object_id));
    return Status::Ok();
  }));
  if (!stored) return user_not_found(name_or_object_id);
  return stored->user;
}

Status UserRegistry::remove(std::string_view name_or_object_id) {
  return store_.write([&](store::WriteTxn& txn) -> Status {
    COFFER_ASSIGN_OR_RETURN(auto stored, load(txn, name_or_object_id));
    if (!stored) return user_not_found(name_or_object_id);
    COFFER_RETURN_IF_ERROR(txn.erase(key_of_object_id(stored->user.object_id)));
    return txn.erase(stored->key);
  });
}

Result<SecureString> UserRegistry::reset_password(std::string_view name_or_object_id, std::string_view password) {
  SecureString generated;
  if (password.empty()) {
    generated = crypto::random_token(kGeneratedPasswordBytes);
    password = generated.view();
  }
  COFFER_RETURN_IF_ERROR(check_password(password));
  COFFER_ASSIGN_OR_RETURN(std::string hash, crypto::hash_password(password));
  COFFER_RETURN_IF_ERROR(update(name_or_object_id, [&](Stored& s) {
    s.password_hash = hash;
    s.user.failed_sign_ins = 0;
    s.user.locked_until = 0;
    s.user.generation += 1;
    return Status::Ok();
  }));
  return generated;
}

Result<SecureString> UserRegistry::enroll_totp(std::string_view name_or_object_id) {
  SecureString secret = crypto::random_bytes(crypto::kTotpSecretBytes);
  COFFER_RETURN_IF_ERROR(update(name_or_object_id, [&](Stored& s) -> Status {
    COFFER_ASSIGN_OR_RETURN(s.totp_sealed,
                            keyring_.seal_system(secret.view(), totp_associated_data(s.key, s.user.object_id)));
    s.totp_last_step = 0;
    s.user.generation += 1;
    return Status::Ok();
  }));
  return secret;
}

Status UserRegistry::disable_totp(std::string_view name_or_object_id) {
  return update(name_or_object_id, [&](Stored& s) {
    if (s.totp_sealed.empty()) return Status::Ok();
    s.totp_sealed.clear();
    s.user.generation += 1;
    return Status::Ok();
  });
}

Status UserRegistry::unlock(std::string_view name_or_object_id) {
  return update(name_or_object_id, [&](Stored& s) {
    s.user.failed_sign_ins = 0;
    s.user.locked_until = 0;
    return Status::Ok();
  });
}

Status UserRegistry::revoke_sign_ins(std::string_view name_or_object_id) {
  return update(name_or_object_id, [&](Stored& s) {
    s.user.generation += 1;
    return Status::Ok();
  });
}

Status UserRegistry::record_failure(const std::string& key) {
  const int64_t now = clock_.now();
  return store_.write([&](store::WriteTxn& txn) -> Status {
    COFFER_ASSIGN_OR_RETURN(auto entry, txn.get(key));
    if (!entry) return Status::Ok();  // removed meanwhile
    COFFER_ASSIGN_OR_RETURN(Stored s, Stored::decode(*entry));
    s.user.failed_sign_ins += 1;
    if (s.user.failed_sign_ins >= kLockoutThreshold) s.user.locked_until = now + lock_seconds(s.user.failed_sign_ins);
    return txn.put_if(key, s.encode(), s.revision);
  });
}

Result<User> UserRegistry::authenticate(std::string_view user_name, std::string_view password,
                                        std::string_view totp_code, std::string_view source_address) {
  const Status denied(Code::kUnauthorized, "The user name or password is incorrect.");
  auto throttled = [](int64_t wait, std::string what) {
    return Status(Code::kThrottled, what + "; retry after " + std::to_string(wait) + " seconds.", std::to_string(wait));
  };
  const std::string throttle_key = "user:" + lower_ascii(user_name.substr(0, 64));
  if (throttle_) {
    if (const int64_t wait = throttle_->begin(source_address, throttle_key); wait > 0) {
      return throttled(wait, "Too many failed sign-ins");
    }
  }
  if (!check_user_name(user_name).ok() || password.empty() || password.size() > 256) return denied;
  std::optional<Stored> stored;
  COFFER_RETURN_IF_ERROR(store_.read([&](store::ReadTxn& txn) -> Status {
    COFFER_ASSIGN_OR_RETURN(auto entry, txn.get(key_of_name(user_name)));
    if (entry) {
      COFFER_ASSIGN_OR_RETURN(Stored s, Stored::decode(*entry));
      stored = std::move(s);
    }
    return Status::Ok();
  }));
  const int64_t now = clock_.now();
  if (stored && stored->user.locked_until > now) {
    return throttled(stored->user.locked_until - now, "The account is locked after repeated failed sign-ins");
  }
  auto pass = hash_gate_.enter(kUserHashWait);
  if (!pass) return Status(Code::kThrottled, "Too many sign-ins at once; retry in a second.", "1");
  if (!stored) {
    crypto::spend_password_check(password);
    return denied;
  }
  if (!crypto::verify_password(password, stored->password_hash)) {
    COFFER_RETURN_IF_ERROR(record_failure(stored->key));
    return denied;
  }
  std::optional<int64_t> step;
  if (!stored->totp_sealed.empty()) {
    if (totp_code.empty()) {
      if (throttle_) throttle_->succeeded(source_address, throttle_key);
      return Status(Code::kUnauthorized, "A verification code from the authenticator app is required.", "MfaRequired");
    }
    COFFER_ASSIGN_OR_RETURN(
        SecureString secret,
        keyring_.open_system(stored->totp_sealed, totp_associated_data(stored->key, stored->user.object_id)));
    step = crypto::totp_match(secret.view(), totp_code, now, stored->totp_last_step);
    if (!step) {
      COFFER_RETURN_IF_ERROR(record_failure(stored->key));
      return Status(Code::kUnauthorized, "The verification code is incorrect or was used already.", "InvalidCode");
    }
  }
  if (step || stored->user.failed_sign_ins != 0) {
    // A code is used once: two sign-ins racing with it cannot both store its step.
    Status written = store_.write([&](store::WriteTxn& txn) -> Status {
      COFFER_ASSIGN_OR_RETURN(auto entry, txn.get(stored->key));
      if (!entry) return denied;
      COFFER_ASSIGN_OR_RETURN(Stored s, Stored::decode(*entry));
      if (step) {
        if (*step <= s.totp_last_step) {
          return Status(Code::kUnauthorized, "The verification code is incorrect or was used already.", "InvalidCode");
        }
        s.totp_last_step = *step;
      }
      s.user.failed_sign_ins = 0;
      s.user.locked_until = 0;
      *stored = s;
      return txn.put_if(s.key, s.encode(), s.revision);
    });
    if (!written.ok()) return written.code() == Code::kConflict ? denied : written;
  }
  if (throttle_) throttle_->succeeded(source_address, throttle_key);
  return stored->user;
}

bool UserRegistry::is_locked(const User& user) const { return user.locked_until > clock_.now(); }

Principal UserRegistry::principal(const User& user, std::string_view client_id) const {
  return Principal{tenant_id_, user.object_id, std::string(client_id), user.display_name, user.user_name};
}

namespace {

// What index_user_object_ids() changes: index entries of users that are
// gone, and missing or wrong ones (index key → the record's key).
struct IndexRepair {
  std::vector<std::string> stale;
  std::map<std::string, std::string> missing;
  bool empty() const { return stale.empty() && missing.empty(); }
};

}  // namespace

Result<int> index_user_object_ids(store::Store& store) {
  using Stored = UserRegistry::Stored;
  auto plan = [](store::ReadTxn& txn, IndexRepair& repair) -> Status {
    repair = IndexRepair();
    COFFER_RETURN_IF_ERROR(UserRegistry::for_each_stored(txn, [&](Stored&& s) -> Status {
      repair.missing.emplace(key_of_object_id(s.user.object_id), s.key);
      return Status::Ok();
    }));
    return store::for_each_entry(txn, kUserIdPrefix, [&](const store::Entry& e) -> Status {
      const auto it = repair.missing.find(e.key);
      if (it == repair.missing.end()) {
        repair.stale.push_back(e.key);
      } else if (it->second == e.value) {
        repair.missing.erase(it);  // right already; a wrong one is written again below
      }
      return Status::Ok();
    });
  };
  // Looked at first: a store whose index is whole is not written to (on
  // PostgreSQL a write is a commit every replica hears of).
  IndexRepair repair;
  COFFER_RETURN_IF_ERROR(store.read([&](store::ReadTxn& txn) { return plan(txn, repair); }));
  if (repair.empty()) return 0;
  COFFER_RETURN_IF_ERROR(store.write([&](store::WriteTxn& txn) -> Status {
    COFFER_RETURN_IF_ERROR(plan(txn, repair));
    for (const std::string& key : repair.stale) COFFER_RETURN_IF_ERROR(txn.erase(key));
    for (const auto& [key, record] : repair.missing) COFFER_RETURN_IF_ERROR(txn.put(key, record));
    return Status::Ok();
  }));
  return static_cast<int>(repair.stale.size() + repair.missing.size());
}

Result<int> reseal_totp_secrets(store::Store& store, crypto::Keyring& keyring) {
  using Stored = UserRegistry::Stored;
  int resealed = 0;
  COFFER_RETURN_IF_ERROR(store.write([&](store::WriteTxn& txn) -> Status {
    resealed = 0;
    std::vector<Stored> stale;
    COFFER_RETURN_IF_ERROR(UserRegistry::for_each_stored(txn, [&](Stored&& s) -> Status {
      if (!s.totp_sealed.empty() && !keyring.under_active_generation(s.totp_sealed)) stale.push_back(std::move(s));
      return Status::Ok();
    }));
    for (Stored& s : stale) {
      COFFER_ASSIGN_OR_RETURN(s.totp_sealed,
                              keyring.reseal_system(s.totp_sealed, totp_associated_data(s.key, s.user.object_id)));
      COFFER_RETURN_IF_ERROR(txn.put_if(s.key, s.encode(), s.revision));
      ++resealed;
    }
    return Status::Ok();
  }));
  return resealed;
}

}  // namespace coffer::auth
