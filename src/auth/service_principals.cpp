#include "auth/service_principals.hpp"

#include "auth/workload_credentials.hpp"
#include "common/record_codec.hpp"
#include "crypto/password_hash.hpp"
#include "crypto/random.hpp"

namespace coffer::auth {
namespace {

enum Field : uint8_t { kClientId = 1, kObjectId, kDisplayName, kSecretHash, kCreated };
constexpr std::string_view kPrefix = "sp/";
constexpr std::size_t kSecretBytes = 30;
constexpr std::size_t kMaxVerified = 4096;
constexpr std::chrono::milliseconds kHashWait{2000};

std::string key_of(const std::string& client_id) { return std::string(kPrefix) + client_id; }

struct SpRecord {
  Principal principal;
  std::string secret_hash;
  int64_t created = 0;
};

std::string encode(const SpRecord& r) {
  RecordWriter w;
  w.bytes(kClientId, r.principal.app_id).bytes(kObjectId, r.principal.object_id);
  w.bytes(kDisplayName, r.principal.display_name).bytes(kSecretHash, r.secret_hash).i64(kCreated, r.created);
  return w.take();
}

Result<SpRecord> decode(std::string_view data, const std::string& tenant) {
  auto r = RecordReader::parse(data);
  if (!r) return Status(Code::kInternal, "corrupt service principal record");
  SpRecord out;
  out.principal = Principal{tenant, r->bytes(kObjectId), r->bytes(kClientId), r->bytes(kDisplayName), ""};
  out.secret_hash = r->bytes(kSecretHash);
  out.created = r->i64(kCreated);
  return out;
}

Status not_found(const std::string& client_id) {
  return Status(Code::kNotFound, "Service principal '" + client_id + "' was not found.");
}

}  // namespace

ServicePrincipalRegistry::ServicePrincipalRegistry(store::Store& store, const Clock& clock, std::string tenant_id,
                                                   SignInThrottle* throttle, unsigned hash_slots)
    : store_(store),
      clock_(clock),
      tenant_id_(std::move(tenant_id)),
      throttle_(throttle),
      hash_gate_(ConcurrencyGate::slots_or_cores(hash_slots), 2 * ConcurrencyGate::slots_or_cores(hash_slots)),
      verified_mac_(crypto::random_bytes(32).view()) {}

bool ServicePrincipalRegistry::recently_verified(const std::string& client_id, const std::string& secret_hash,
                                                 const std::string& mac) {
  MutexLock lock(verified_mu_);
  auto it = verified_.find(client_id);
  return it != verified_.end() && it->second.secret_hash == secret_hash && constant_time_equal(it->second.mac, mac);
}

void ServicePrincipalRegistry::remember_verified(const std::string& client_id, const std::string& secret_hash,
                                                 std::string mac) {
  MutexLock lock(verified_mu_);
  if (verified_.size() >= kMaxVerified && !verified_.contains(client_id)) verified_.erase(verified_.begin());
  verified_[client_id] = Verified{secret_hash, std::move(mac)};
}

Result<NewCredential> ServicePrincipalRegistry::create(const std::string& display_name) {
  COFFER_ASSIGN_OR_RETURN(auto made, create_if(display_name, false));
  return std::move(*made);
}

Result<std::optional<NewCredential>> ServicePrincipalRegistry::create_first(const std::string& display_name) {
  return create_if(display_name, true);
}

Result<std::optional<NewCredential>> ServicePrincipalRegistry::create_if(const std::string& display_name,
                                                                         bool only_if_none) {
  if (display_name.empty() || display_name.size() > 120) {
    return Status(Code::kBadParameter, "displayName must be 1-120 characters.");
  }
  for (unsigned char c : display_name) {
    if (c < 0x20 || c == 0x7f) return Status(Code::kBadParameter, "displayName contains control characters.");
  }
  NewCredential out;
  out.principal = Principal{tenant_id_, crypto::new_guid(), crypto::new_guid(), display_name, ""};
  out.client_secret = crypto::random_token(kSecretBytes);
  COFFER_ASSIGN_OR_RETURN(std::string hash, crypto::hash_password(out.client_secret.view()));
  const std::string record = encode(SpRecord{out.principal, hash, clock_.now()});
  bool made = true;
  COFFER_RETURN_IF_ERROR(store_.write([&](store::WriteTxn& txn) -> Status {
    made = true;
    if (only_if_none) {
      COFFER_ASSIGN_OR_RETURN(auto any, txn.scan(kPrefix, "", 1));
      if (!any.empty()) {
        made = false;
        return Status::Ok();
      }
    }
    return txn.put_if(key_of(out.principal.app_id), record, 0);
  }));
  if (!made) return std::optional<NewCredential>();
  return std::optional<NewCredential>(std::move(out));
}

Result<Principal> ServicePrincipalRegistry::find(const std::string& client_id) {
  std::optional<store::Entry> entry;
  COFFER_RETURN_IF_ERROR(store_.read([&](store::ReadTxn& txn) -> Status {
    COFFER_ASSIGN_OR_RETURN(entry, txn.get(key_of(client_id)));
    return Status::Ok();
  }));
  if (!entry) return not_found(client_id);
  COFFER_ASSIGN_OR_RETURN(SpRecord rec, decode(entry->value, tenant_id_));
  return rec.principal;
}

Result<Principal> ServicePrincipalRegistry::authenticate(const std::string& client_id, std::string_view client_secret,
                                                         std::string_view source_address) {
  const Status denied(Code::kUnauthorized, "Invalid client credentials.");
  const std::string throttle_id = client_id.substr(0, 64);
  auto throttled = [&](int64_t wait) {
    return Status(Code::kThrottled, "Too many failed sign-ins; retry after " + std::to_string(wait) + " seconds.",
                  std::to_string(wait));
  };
  if (client_id.empty() || client_id.size() > 64 || client_secret.empty() || client_secret.size() > 1024) {
    if (throttle_) {
      if (const int64_t wait = throttle_->begin(source_address, throttle_id); wait > 0) return throttled(wait);
    }
    return denied;
  }
  std::optional<store::Entry> entry;
  COFFER_RETURN_IF_ERROR(store_.read([&](store::ReadTxn& txn) -> Status {
    COFFER_ASSIGN_OR_RETURN(entry, txn.get(key_of(client_id)));
    return Status::Ok();
  }));
  std::optional<SpRecord> rec;
  if (entry) {
    COFFER_ASSIGN_OR_RETURN(rec, decode(entry->value, tenant_id_));
  }
  const std::string mac = verified_mac_.mac(client_secret);
  if (rec && !mac.empty() && recently_verified(client_id, rec->secret_hash, mac)) return rec->principal;
  // From here on the attempt counts as a failure unless it succeeds.
  if (throttle_) {
    if (const int64_t wait = throttle_->begin(source_address, throttle_id); wait > 0) return throttled(wait);
  }
  auto pass = hash_gate_.enter(kHashWait);
  if (!pass) {
    // Its share stays taken: a flood that fills the gate drains its own buckets
    // and is then refused before it reaches the gate again.
    return Status(Code::kThrottled, "Too many sign-ins at once; retry in a second.", "1");
  }
  if (!rec) {
    // Spend the same time as a real check so response time does not reveal
    // whether the client id exists.
    crypto::spend_password_check(client_secret);
    return denied;
  }
  if (!crypto::verify_password(client_secret, rec->secret_hash)) return denied;
  if (throttle_) throttle_->succeeded(source_address, throttle_id);
  if (!mac.empty()) remember_verified(client_id, rec->secret_hash, mac);
  return rec->principal;
}

Result<std::vector<Principal>> ServicePrincipalRegistry::list() {
  std::vector<Principal> out;
  COFFER_RETURN_IF_ERROR(store_.read([&](store::ReadTxn& txn) -> Status {
    std::string after;
    while (true) {
      COFFER_ASSIGN_OR_RETURN(auto entries, txn.scan(kPrefix, after, 100));
      for (const auto& e : entries) {
        COFFER_ASSIGN_OR_RETURN(SpRecord rec, decode(e.value, tenant_id_));
        out.push_back(rec.principal);
      }
      if (entries.size() < 100) return Status::Ok();
      after = entries.back().key;
    }
  }));
  return out;
}

Status ServicePrincipalRegistry::remove(const std::string& client_id) {
  return store_.write([&](store::WriteTxn& txn) -> Status {
    COFFER_ASSIGN_OR_RETURN(auto entry, txn.get(key_of(client_id)));
    if (!entry) return not_found(client_id);
    // Its federated and certificate credentials go with it (workload_credentials.hpp).
    const std::string creds = credential_prefix(client_id);
    while (true) {
      COFFER_ASSIGN_OR_RETURN(auto page, txn.scan(creds, "", 100));
      for (const auto& e : page) COFFER_RETURN_IF_ERROR(txn.erase(e.key));
      if (page.size() < 100) break;
    }
    return txn.erase(key_of(client_id));
  });
}

Result<SecureString> ServicePrincipalRegistry::reset_secret(const std::string& client_id) {
  SecureString secret = crypto::random_token(kSecretBytes);
  COFFER_ASSIGN_OR_RETURN(std::string hash, crypto::hash_password(secret.view()));
  COFFER_RETURN_IF_ERROR(store_.write([&](store::WriteTxn& txn) -> Status {
    COFFER_ASSIGN_OR_RETURN(auto entry, txn.get(key_of(client_id)));
    if (!entry) return not_found(client_id);
    COFFER_ASSIGN_OR_RETURN(SpRecord rec, decode(entry->value, tenant_id_));
    rec.secret_hash = hash;
    return txn.put_if(key_of(client_id), encode(rec), entry->revision);
  }));
  return secret;
}

}  // namespace coffer::auth
