#include "auth/authorization_grants.hpp"

#include "common/ascii.hpp"
#include "common/base64.hpp"
#include "common/record_codec.hpp"
#include "crypto/digest.hpp"
#include "crypto/random.hpp"

namespace coffer::auth {
namespace {

enum CodeField : uint8_t {
  kCodeClientId = 1,
  kCodeRedirectUri,
  kCodeChallenge,
  kCodeScope,
  kCodeNonce,
  kCodeObjectId,
  kCodeGeneration,
  kCodeSessionId,
  kCodeExpires,
};
enum DeviceField : uint8_t {
  kDeviceClientId = 1,
  kDeviceScope,
  kDeviceUserCode,
  kDeviceExpires,
  kDeviceLastPoll,
  kDeviceApproved,
  kDeviceObjectId,
  kDeviceGeneration,
};
constexpr std::string_view kCodePrefix = "ucode/";
constexpr std::string_view kDevicePrefix = "udevice/";
constexpr std::string_view kUserCodePrefix = "udevuser/";
constexpr std::string_view kUserCodeAlphabet = "BCDFGHJKLMNPQRSTVWXZ";  // RFC 8628 §6.1: no vowels
constexpr std::size_t kCodeBytes = 32;

Status refused(std::string message, std::string reason = "invalid_grant") {
  return Status(Code::kUnauthorized, std::move(message), std::move(reason));
}

// "bcdf-ghjk" → "BCDFGHJK"; empty unless 8 letters of the alphabet.
std::string normalize_user_code(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '-' || c == ' ') continue;
    const char up = (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
    if (kUserCodeAlphabet.find(up) == std::string_view::npos) return {};
    out += up;
  }
  return out.size() == 8 ? out : std::string();
}

std::string new_user_code() {
  const SecureString random = crypto::random_bytes(8);
  std::string code;
  for (std::size_t i = 0; i < 8; ++i) {
    // 256 % 20 = 16: the first 16 letters are a little likelier; no matter for a code this short-lived.
    code += kUserCodeAlphabet[static_cast<unsigned char>(random.view()[i]) % kUserCodeAlphabet.size()];
  }
  return code;
}

// Erases a user code's index entry if it still names the device code `device_key`
// (once approved, the user code may serve another device).
Status erase_user_code(store::WriteTxn& txn, std::string_view user_code, std::string_view device_key) {
  const std::string index_key = std::string(kUserCodePrefix) + std::string(user_code);
  COFFER_ASSIGN_OR_RETURN(auto index, txn.get(index_key));
  if (!index || index->value != device_key) return Status::Ok();
  return txn.erase(index_key);
}

}  // namespace

std::string pkce_s256_challenge(std::string_view code_verifier) {
  if (code_verifier.size() < 43 || code_verifier.size() > 128) return {};
  for (char c : code_verifier) {
    if (!ascii_alnum(c) && c != '-' && c != '.' && c != '_' && c != '~') return {};
  }
  return base64url_encode(crypto::sha256(code_verifier));
}

AuthorizationGrants::AuthorizationGrants(store::Store& store, UserRegistry& users, const Clock& clock)
    : store_(store), users_(users), clock_(clock) {}

Result<SecureString> AuthorizationGrants::issue_code(const AuthorizationRequest& request, const SignedIn& signed_in) {
  if (request.code_challenge.size() != 43 || !base64url_decode(request.code_challenge)) {
    return Status(Code::kBadParameter, "code_challenge must be the base64url SHA-256 of the verifier (S256).");
  }
  SecureString code = crypto::random_token(kCodeBytes);
  RecordWriter w;
  w.bytes(kCodeClientId, request.client_id).bytes(kCodeRedirectUri, request.redirect_uri);
  w.bytes(kCodeChallenge, request.code_challenge).bytes(kCodeScope, request.scope).bytes(kCodeNonce, request.nonce);
  w.bytes(kCodeObjectId, signed_in.user.object_id).i64(kCodeGeneration, signed_in.user.generation);
  w.bytes(kCodeSessionId, signed_in.session_id).i64(kCodeExpires, clock_.now() + kAuthorizationCodeSeconds);
  const std::string key = std::string(kCodePrefix) + crypto::sha256_hex(code.view());
  COFFER_RETURN_IF_ERROR(store_.write([&](store::WriteTxn& txn) { return txn.put_if(key, w.data(), 0); }));
  return code;
}

Result<GrantedSignIn> AuthorizationGrants::redeem_code(std::string_view code, std::string_view client_id,
                                                       std::string_view redirect_uri, std::string_view code_verifier) {
  if (code.empty() || code.size() > 128) return refused("AADSTS9002313: The authorization code is malformed.");
  const std::string key = std::string(kCodePrefix) + crypto::sha256_hex(code);
  std::optional<std::string> record;
  // Erased as it is read: a code works once, even when two requests race with it.
  COFFER_RETURN_IF_ERROR(store_.write([&](store::WriteTxn& txn) -> Status {
    COFFER_ASSIGN_OR_RETURN(auto entry, txn.get(key));
    if (!entry) {
      record.reset();
      return Status::Ok();
    }
    record = entry->value;
    return txn.erase(key);
  }));
  if (!record) return refused("AADSTS54005: The authorization code was already redeemed, or never issued.");
  auto r = RecordReader::parse(*record);
  if (!r) return Status(Code::kInternal, "corrupt authorization code record");
  if (r->i64(kCodeExpires) <= clock_.now()) return refused("AADSTS70008: The authorization code has expired.");
  if (r->bytes(kCodeClientId) != client_id) {
    return refused("AADSTS70000: The authorization code was issued to another application.");
  }
  if (r->bytes(kCodeRedirectUri) != redirect_uri) {
    return refused("AADSTS70000: redirect_uri differs from the one of the authorization request.");
  }
  const std::string challenge = pkce_s256_challenge(code_verifier);
  if (challenge.empty() || !constant_time_equal(challenge, r->bytes(kCodeChallenge))) {
    return refused("AADSTS501481: The code_verifier does not match the code_challenge of the authorization request.");
  }
  auto user = users_.find(r->bytes(kCodeObjectId));
  if (!user.ok() || user->generation != r->i64(kCodeGeneration)) {
    return user.ok() || user.status().code() == Code::kNotFound ? refused("AADSTS50173: The sign-in was revoked.")
                                                                : user.status();
  }
  return GrantedSignIn{SignedIn{std::move(*user), r->bytes(kCodeSessionId)}, std::string(client_id),
                       r->bytes(kCodeScope), r->bytes(kCodeNonce)};
}

Result<DeviceAuthorization> AuthorizationGrants::start_device(std::string_view client_id, std::string_view scope) {
  DeviceAuthorization out;
  out.device_code = crypto::random_token(kCodeBytes);
  const std::string key = std::string(kDevicePrefix) + crypto::sha256_hex(out.device_code.view());
  RecordWriter w;
  w.bytes(kDeviceClientId, client_id).bytes(kDeviceScope, scope);
  w.i64(kDeviceExpires, clock_.now() + kDeviceCodeSeconds).i64(kDeviceLastPoll, 0);
  COFFER_RETURN_IF_ERROR(store_.write([&](store::WriteTxn& txn) -> Status {
    // A user code in use by a live device code is drawn again.
    for (int attempt = 0; attempt < 8; ++attempt) {
      out.user_code = new_user_code();
      COFFER_ASSIGN_OR_RETURN(auto taken, txn.get(std::string(kUserCodePrefix) + out.user_code));
      if (!taken) break;
      if (attempt == 7) return Status(Code::kUnavailable, "No free user code; retry.");
    }
    RecordWriter with_code = w;
    with_code.bytes(kDeviceUserCode, out.user_code);
    COFFER_RETURN_IF_ERROR(txn.put_if(key, with_code.data(), 0));
    return txn.put(std::string(kUserCodePrefix) + out.user_code, key);
  }));
  out.user_code = out.user_code.substr(0, 4) + "-" + out.user_code.substr(4);
  return out;
}

Result<PendingDevice> AuthorizationGrants::find_device(std::string_view user_code) {
  const Status none(Code::kNotFound, "That code is not valid, or it has expired. Ask the device for a new one.");
  const std::string code = normalize_user_code(user_code);
  if (code.empty()) return none;
  PendingDevice out;
  bool found = false;
  COFFER_RETURN_IF_ERROR(store_.read([&](store::ReadTxn& txn) -> Status {
    found = false;
    COFFER_ASSIGN_OR_RETURN(auto index, txn.get(std::string(kUserCodePrefix) + code));
    if (!index) return Status::Ok();
    COFFER_ASSIGN_OR_RETURN(auto entry, txn.get(index->value));
    if (!entry) return Status::Ok();
    auto r = RecordReader::parse(entry->value);
    if (!r || r->i64(kDeviceExpires) <= clock_.now() || r->boolean(kDeviceApproved)) return Status::Ok();
    out = PendingDevice{r->bytes(kDeviceClientId), r->bytes(kDeviceScope)};
    found = true;
    return Status::Ok();
  }));
  if (!found) return none;
  return out;
}

Status AuthorizationGrants::approve_device(std::string_view user_code, const SignedIn& signed_in) {
  const Status none(Code::kNotFound, "That code is not valid, or it has expired. Ask the device for a new one.");
  const std::string code = normalize_user_code(user_code);
  if (code.empty()) return none;
  return store_.write([&](store::WriteTxn& txn) -> Status {
    COFFER_ASSIGN_OR_RETURN(auto index, txn.get(std::string(kUserCodePrefix) + code));
    if (!index) return none;
    COFFER_ASSIGN_OR_RETURN(auto entry, txn.get(index->value));
    if (!entry) return none;
    auto r = RecordReader::parse(entry->value);
    if (!r) return Status(Code::kInternal, "corrupt device code record");
    if (r->i64(kDeviceExpires) <= clock_.now() || r->boolean(kDeviceApproved)) return none;
    RecordWriter w;
    w.bytes(kDeviceClientId, r->bytes(kDeviceClientId)).bytes(kDeviceScope, r->bytes(kDeviceScope));
    w.bytes(kDeviceUserCode, code).i64(kDeviceExpires, r->i64(kDeviceExpires));
    w.i64(kDeviceLastPoll, r->i64(kDeviceLastPoll)).boolean(kDeviceApproved, true);
    w.bytes(kDeviceObjectId, signed_in.user.object_id).i64(kDeviceGeneration, signed_in.user.generation);
    COFFER_RETURN_IF_ERROR(txn.put_if(entry->key, w.data(), entry->revision));
    return txn.erase(index->key);  // a user code approves once
  });
}

Result<GrantedSignIn> AuthorizationGrants::poll_device(std::string_view device_code, std::string_view client_id) {
  if (device_code.empty() || device_code.size() > 128) {
    return refused("AADSTS70000: The device code is not valid.", "bad_verification_code");
  }
  const std::string key = std::string(kDevicePrefix) + crypto::sha256_hex(device_code);
  const int64_t now = clock_.now();
  Status answer;
  std::optional<GrantedSignIn> granted;
  std::string object_id;
  int64_t generation = 0;
  COFFER_RETURN_IF_ERROR(store_.write([&](store::WriteTxn& txn) -> Status {
    answer = Status::Ok();
    COFFER_ASSIGN_OR_RETURN(auto entry, txn.get(key));
    if (!entry) {
      answer = refused("AADSTS70000: The device code is not valid, or was redeemed.", "bad_verification_code");
      return Status::Ok();
    }
    auto r = RecordReader::parse(entry->value);
    if (!r) return Status(Code::kInternal, "corrupt device code record");
    if (r->bytes(kDeviceClientId) != client_id) {
      answer = refused("AADSTS70000: The device code was issued to another application.", "bad_verification_code");
      return Status::Ok();
    }
    if (r->i64(kDeviceExpires) <= now) {
      answer = refused("AADSTS70019: The device code has expired; start a new sign-in.", "expired_token");
      COFFER_RETURN_IF_ERROR(erase_user_code(txn, r->bytes(kDeviceUserCode), key));
      return txn.erase(key);
    }
    if (r->boolean(kDeviceApproved)) {
      object_id = r->bytes(kDeviceObjectId);
      generation = r->i64(kDeviceGeneration);
      granted = GrantedSignIn{SignedIn{User{}, ""}, std::string(client_id), r->bytes(kDeviceScope), ""};
      return txn.erase(key);
    }
    if (now - r->i64(kDeviceLastPoll) < kDevicePollSeconds - 1) {
      answer = refused("AADSTS70016: Polling too fast; wait the interval between polls.", "slow_down");
    } else {
      answer = refused("AADSTS70016: The user has not signed in yet.", "authorization_pending");
    }
    RecordWriter w;
    w.bytes(kDeviceClientId, r->bytes(kDeviceClientId)).bytes(kDeviceScope, r->bytes(kDeviceScope));
    w.bytes(kDeviceUserCode, r->bytes(kDeviceUserCode)).i64(kDeviceExpires, r->i64(kDeviceExpires));
    w.i64(kDeviceLastPoll, now);
    return txn.put_if(key, w.data(), entry->revision);
  }));
  COFFER_RETURN_IF_ERROR(answer);
  auto user = users_.find(object_id);
  if (!user.ok() || user->generation != generation) {
    return user.ok() || user.status().code() == Code::kNotFound ? refused("AADSTS50173: The sign-in was revoked.")
                                                                : user.status();
  }
  granted->signed_in.user = std::move(*user);
  return std::move(*granted);
}

Result<int> AuthorizationGrants::purge_expired() {
  const int64_t now = clock_.now();
  int erased = 0;
  COFFER_RETURN_IF_ERROR(store_.write([&](store::WriteTxn& txn) -> Status {
    erased = 0;
    std::vector<std::string> keys;
    std::vector<std::pair<std::string, std::string>> user_codes;  // user code, device key
    COFFER_RETURN_IF_ERROR(store::for_each_entry(txn, kCodePrefix, [&](const store::Entry& e) {
      auto r = RecordReader::parse(e.value);
      if (!r || r->i64(kCodeExpires) <= now) keys.push_back(e.key);
      return Status::Ok();
    }));
    COFFER_RETURN_IF_ERROR(store::for_each_entry(txn, kDevicePrefix, [&](const store::Entry& e) {
      auto r = RecordReader::parse(e.value);
      if (!r || r->i64(kDeviceExpires) <= now) {
        keys.push_back(e.key);
        if (r) user_codes.emplace_back(r->bytes(kDeviceUserCode), e.key);
      }
      return Status::Ok();
    }));
    for (const auto& [code, device_key] : user_codes) COFFER_RETURN_IF_ERROR(erase_user_code(txn, code, device_key));
    for (const auto& k : keys) COFFER_RETURN_IF_ERROR(txn.erase(k));
    erased = int(keys.size());
    return Status::Ok();
  }));
  return erased;
}

}  // namespace coffer::auth
