#include "auth/user_sessions.hpp"

#include "common/base64.hpp"
#include "common/record_codec.hpp"
#include "crypto/digest.hpp"
#include "crypto/random.hpp"

namespace coffer::auth {
namespace {

enum SessionField : uint8_t { kSessionId = 1, kSessionObjectId, kSessionGeneration, kSessionExpires };
enum RefreshField : uint8_t {
  kRefreshObjectId = 1,
  kRefreshGeneration,
  kRefreshClientId,
  kRefreshSecretHash,
  kRefreshExpires,
  kRefreshFamilyEnds,
};
constexpr std::string_view kSessionPrefix = "usession/";
constexpr std::string_view kRefreshPrefix = "urefresh/";
constexpr std::size_t kSessionSecretBytes = 32;

std::string session_key(std::string_view cookie) { return std::string(kSessionPrefix) + crypto::sha256_hex(cookie); }
std::string family_key(std::string_view session_id, std::string_view family) {
  return std::string(kRefreshPrefix) + std::string(session_id) + "/" + std::string(family);
}

bool is_hex32(std::string_view s) {
  if (s.size() != 32) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

Status invalid_grant(std::string message) { return Status(Code::kUnauthorized, std::move(message), "invalid_grant"); }

// "<session id>.<family>.<secret>": the record's place and the secret checked against its digest.
struct RefreshTokenParts {
  std::string_view session_id, family, secret;
};

std::optional<RefreshTokenParts> split_refresh_token(std::string_view token) {
  const auto dot1 = token.find('.');
  if (dot1 == std::string_view::npos) return std::nullopt;
  const auto dot2 = token.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos) return std::nullopt;
  RefreshTokenParts p{token.substr(0, dot1), token.substr(dot1 + 1, dot2 - dot1 - 1), token.substr(dot2 + 1)};
  if (!is_hex32(p.session_id) || !is_hex32(p.family) || p.secret.empty() || p.secret.size() > 64) return std::nullopt;
  return p;
}

}  // namespace

UserSessions::UserSessions(store::Store& store, UserRegistry& users, const Clock& clock)
    : store_(store), users_(users), clock_(clock) {}

Result<User> UserSessions::current_user(std::string_view object_id, int64_t generation) {
  auto user = users_.find(object_id);
  if (!user.ok()) {
    if (user.status().code() == Code::kNotFound) return invalid_grant("The user no longer exists.");
    return user.status();
  }
  if (user->generation != generation) {
    return invalid_grant("The sign-in was revoked: the user's credentials changed since.");
  }
  return user;
}

Result<BrowserSession> UserSessions::open(const User& user) {
  BrowserSession out;
  out.cookie = crypto::random_token(kSessionSecretBytes);
  out.session_id = crypto::new_version_id();
  RecordWriter w;
  w.bytes(kSessionId, out.session_id).bytes(kSessionObjectId, user.object_id);
  w.i64(kSessionGeneration, user.generation).i64(kSessionExpires, clock_.now() + kBrowserSessionSeconds);
  const std::string key = session_key(out.cookie.view());
  COFFER_RETURN_IF_ERROR(store_.write([&](store::WriteTxn& txn) { return txn.put_if(key, w.data(), 0); }));
  return out;
}

Result<SignedIn> UserSessions::resume(std::string_view cookie) {
  const Status none(Code::kUnauthorized, "No live sign-in session.");
  if (cookie.empty() || cookie.size() > 128) return none;
  COFFER_ASSIGN_OR_RETURN(auto value, store::read_value(store_, session_key(cookie)));
  if (!value) return none;
  auto r = RecordReader::parse(*value);
  if (!r) return Status(Code::kInternal, "corrupt session record");
  if (r->i64(kSessionExpires) <= clock_.now()) return none;
  auto user = current_user(r->bytes(kSessionObjectId), r->i64(kSessionGeneration));
  if (!user.ok()) return user.status().code() == Code::kUnauthorized ? none : user.status();
  return SignedIn{std::move(*user), r->bytes(kSessionId)};
}

Status UserSessions::close(std::string_view cookie) {
  if (cookie.empty() || cookie.size() > 128) return Status::Ok();
  const std::string key = session_key(cookie);
  return store_.write([&](store::WriteTxn& txn) -> Status {
    COFFER_ASSIGN_OR_RETURN(auto entry, txn.get(key));
    if (!entry) return Status::Ok();
    auto r = RecordReader::parse(entry->value);
    if (r) {
      const std::string families = std::string(kRefreshPrefix) + r->bytes(kSessionId) + "/";
      std::vector<std::string> keys;
      COFFER_RETURN_IF_ERROR(store::for_each_entry(txn, families, [&](const store::Entry& e) {
        keys.push_back(e.key);
        return Status::Ok();
      }));
      for (const auto& k : keys) COFFER_RETURN_IF_ERROR(txn.erase(k));
    }
    return txn.erase(key);
  });
}

Result<SecureString> UserSessions::issue_refresh(const User& user, std::string_view client_id,
                                                 std::string_view session_id) {
  const std::string sid = session_id.empty() ? crypto::new_version_id() : std::string(session_id);
  const std::string family = crypto::new_version_id();
  SecureString secret = crypto::random_token(kSessionSecretBytes);
  const int64_t now = clock_.now();
  RecordWriter w;
  w.bytes(kRefreshObjectId, user.object_id).i64(kRefreshGeneration, user.generation);
  w.bytes(kRefreshClientId, client_id).bytes(kRefreshSecretHash, crypto::sha256_hex(secret.view()));
  w.i64(kRefreshExpires, now + kRefreshIdleSeconds).i64(kRefreshFamilyEnds, now + kRefreshLongestSeconds);
  const std::string key = family_key(sid, family);
  COFFER_RETURN_IF_ERROR(store_.write([&](store::WriteTxn& txn) { return txn.put_if(key, w.data(), 0); }));
  return SecureString(sid + "." + family + "." + std::string(secret.view()));
}

Result<Refreshed> UserSessions::redeem_refresh(std::string_view refresh_token, std::string_view client_id) {
  auto parts = split_refresh_token(refresh_token);
  if (!parts) return invalid_grant("AADSTS9002313: The refresh token is malformed.");
  const std::string key = family_key(parts->session_id, parts->family);
  SecureString next = crypto::random_token(kSessionSecretBytes);
  std::string object_id;
  int64_t generation = 0;
  Status refused;
  COFFER_RETURN_IF_ERROR(store_.write([&](store::WriteTxn& txn) -> Status {
    refused = Status::Ok();
    COFFER_ASSIGN_OR_RETURN(auto entry, txn.get(key));
    if (!entry) {
      refused = invalid_grant("AADSTS50173: The refresh token was revoked or has expired.");
      return Status::Ok();
    }
    auto r = RecordReader::parse(entry->value);
    if (!r) return Status(Code::kInternal, "corrupt refresh token record");
    const int64_t now = clock_.now();
    if (!constant_time_equal(r->bytes(kRefreshSecretHash), crypto::sha256_hex(parts->secret))) {
      // A voided token came back: it leaked. The family ends here (committed).
      refused = invalid_grant("AADSTS50173: The refresh token was already used; its sign-in is revoked.");
      return txn.erase(key);
    }
    if (r->bytes(kRefreshClientId) != client_id) {
      refused = invalid_grant("AADSTS700005: The refresh token was issued to another application.");
      return Status::Ok();
    }
    if (r->i64(kRefreshExpires) <= now || r->i64(kRefreshFamilyEnds) <= now) {
      refused = invalid_grant("AADSTS700082: The refresh token has expired.");
      return txn.erase(key);
    }
    object_id = r->bytes(kRefreshObjectId);
    generation = r->i64(kRefreshGeneration);
    RecordWriter w;
    w.bytes(kRefreshObjectId, object_id).i64(kRefreshGeneration, generation);
    w.bytes(kRefreshClientId, client_id).bytes(kRefreshSecretHash, crypto::sha256_hex(next.view()));
    w.i64(kRefreshExpires, std::min(now + kRefreshIdleSeconds, r->i64(kRefreshFamilyEnds)));
    w.i64(kRefreshFamilyEnds, r->i64(kRefreshFamilyEnds));
    return txn.put_if(key, w.data(), entry->revision);
  }));
  COFFER_RETURN_IF_ERROR(refused);
  COFFER_ASSIGN_OR_RETURN(User user, current_user(object_id, generation));
  Refreshed out;
  out.signed_in = SignedIn{std::move(user), std::string(parts->session_id)};
  out.refresh_token =
      SecureString(std::string(parts->session_id) + "." + std::string(parts->family) + "." + std::string(next.view()));
  return out;
}

Result<int> UserSessions::purge_expired() {
  const int64_t now = clock_.now();
  std::vector<std::string> expired;
  COFFER_RETURN_IF_ERROR(store_.read([&](store::ReadTxn& txn) -> Status {
    expired.clear();
    COFFER_RETURN_IF_ERROR(store::for_each_entry(txn, kSessionPrefix, [&](const store::Entry& e) {
      auto r = RecordReader::parse(e.value);
      if (!r || r->i64(kSessionExpires) <= now) expired.push_back(e.key);
      return Status::Ok();
    }));
    return store::for_each_entry(txn, kRefreshPrefix, [&](const store::Entry& e) {
      auto r = RecordReader::parse(e.value);
      if (!r || r->i64(kRefreshExpires) <= now) expired.push_back(e.key);
      return Status::Ok();
    });
  }));
  if (expired.empty()) return 0;
  int erased = 0;
  COFFER_RETURN_IF_ERROR(store_.write([&](store::WriteTxn& txn) -> Status {
    erased = 0;
    for (const auto& k : expired) {
      // Checked again: a refresh may have extended it since the read.
      COFFER_ASSIGN_OR_RETURN(auto entry, txn.get(k));
      if (!entry) continue;
      auto r = RecordReader::parse(entry->value);
      const uint8_t field = k.rfind(kSessionPrefix, 0) == 0 ? uint8_t(kSessionExpires) : uint8_t(kRefreshExpires);
      if (r && r->i64(field) > now) continue;
      COFFER_RETURN_IF_ERROR(txn.erase(k));
      ++erased;
    }
    return Status::Ok();
  }));
  return erased;
}

}  // namespace coffer::auth
