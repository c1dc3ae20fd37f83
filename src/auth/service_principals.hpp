// ServicePrincipalRegistry: the tenant's applications that may obtain tokens
// with the OAuth2 client-credentials grant. A principal has a client id and
// an object id (GUIDs), a display name and one client secret, kept only as
// an Argon2id hash. Generated secrets are returned once and never stored.
//
// The cost of signing in is bounded: at most `hash_slots` Argon2id checks
// run at once (19 MiB each), a few more wait briefly, and the rest are
// refused as kThrottled; with a SignInThrottle, an address or client id that
// failed too often is refused (kThrottled, reason = seconds to wait) before
// any hash is computed. A secret verified recently (until it is reset or
// the principal removed) is recognised by a keyed SHA-256 MAC held in memory
// (key random per process) instead of a new Argon2id check: a client that
// signed in keeps getting tokens cheaply, even while its client id is under
// a guessing flood. Client secrets are 240-bit random tokens, so the MAC
// offers nothing to brute force.
// Thread-safe.
#pragma once

#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "auth/principal.hpp"
#include "auth/sign_in_throttle.hpp"
#include "common/clock.hpp"
#include "common/concurrency_gate.hpp"
#include "common/secure_memory.hpp"
#include "common/status.hpp"
#include "common/thread_annotations.hpp"
#include "crypto/digest.hpp"
#include "store/store.hpp"

namespace coffer::auth {

struct NewCredential {
  Principal principal;
  SecureString client_secret;
};

class ServicePrincipalRegistry {
 public:
  // `throttle` (optional, outlives the registry) limits failed sign-ins;
  // `hash_slots` 0 = one per core.
  ServicePrincipalRegistry(store::Store& store, const Clock& clock, std::string tenant_id,
                           SignInThrottle* throttle = nullptr, unsigned hash_slots = 0);

  // Display names: 1–120 printable characters.
  Result<NewCredential> create(const std::string& display_name);
  // Creates the principal only if there is none at all, in one transaction
  // (servers starting together on an empty shared store make exactly one);
  // nullopt when one existed.
  Result<std::optional<NewCredential>> create_first(const std::string& display_name);
  // kUnauthorized (without saying which part was wrong) unless the secret
  // matches; kThrottled when `source_address` or the client id failed too
  // often, or too many checks are already running.
  Result<Principal> authenticate(const std::string& client_id, std::string_view client_secret,
                                 std::string_view source_address = {});
  Result<Principal> find(const std::string& client_id);
  Result<std::vector<Principal>> list();
  Status remove(const std::string& client_id);
  // Replaces the client secret; the old one stops working at once.
  Result<SecureString> reset_secret(const std::string& client_id);

 private:
  // The MAC of a secret verified for `client_id` under `secret_hash`, if any.
  bool recently_verified(const std::string& client_id, const std::string& secret_hash, const std::string& mac);
  Result<std::optional<NewCredential>> create_if(const std::string& display_name, bool only_if_none);
  // A reset secret or a removed principal needs no forgetting: the stored
  // hash no longer matches, or there is no record.
  void remember_verified(const std::string& client_id, const std::string& secret_hash, std::string mac);

  struct Verified {
    std::string secret_hash;  // the stored hash it was checked against
    std::string mac;          // HmacSha256 of the secret
  };

  store::Store& store_;
  const Clock& clock_;
  std::string tenant_id_;
  SignInThrottle* throttle_;
  ConcurrencyGate hash_gate_;
  const crypto::HmacSha256 verified_mac_;
  Mutex verified_mu_;
  std::unordered_map<std::string, Verified> verified_ COFFER_GUARDED_BY(verified_mu_);  // by client id, bounded
};

}  // namespace coffer::auth
