// Internal to seal/'s PKCS#11 files (SEAL-SPEC.md §2.1, §2.2, §2.6): the
// module loaded once per library path, one token's sessions (a logged-in
// anchor kept for the token's lifetime, a pool of sessions borrowed one
// thread at a time, a fresh login after the token lost them), object search
// and attribute reads, and CKR_* codes mapped to Coffer's errors. Include it
// only from files kept out of unity batches (CMakeLists.txt): pkcs11.h's
// names must reach no other file.
#pragma once

// Cryptoki's GNU names (lower-case members, no compatibility macros): the
// header's default compatibility mode defines macros such as `value` and
// `count`, which would rewrite unrelated code.
#define CRYPTOKI_GNU 1
#include <p11-kit/pkcs11.h>
#undef CRYPTOKI_GNU

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "common/secure_memory.hpp"
#include "common/status.hpp"

namespace coffer::seal::p11 {

std::string ckr_name(ck_rv_t rv);
// kUnavailable naming the call and the CKR_ code: reason "HsmSessionLost"
// when the token lost its sessions or login (retried once after a new
// login), "HsmHandleStale" for a handle that names no object any more
// (searched again), "HsmUnavailable" otherwise; a refused PIN is kBadParameter
// "HsmPinRefused" (never retried in a loop: tokens lock PINs out).
Status hsm_error(const char* what, ck_rv_t rv);

inline unsigned char* bytes_of(std::string_view s) {
  return reinterpret_cast<unsigned char*>(const_cast<char*>(s.data()));
}

// One loaded, initialized module, shared by every user in this process that
// names the same library; finalized and unloaded with its last user.
struct Module {
  void* handle = nullptr;
  struct ck_function_list* f = nullptr;
  ~Module();
};
Result<std::shared_ptr<Module>> load_module(const std::string& lib);

// One token's sessions. Thread-safe.
class TokenSessions {
 public:
  // Loads the module, finds the token by label, opens the anchor and logs in.
  static Result<std::unique_ptr<TokenSessions>> open(const std::string& lib, const std::string& token_label,
                                                     const SecureString& pin);
  ~TokenSessions();
  TokenSessions(const TokenSessions&) = delete;
  TokenSessions& operator=(const TokenSessions&) = delete;

  struct ck_function_list* f() const {
    return module_->f;
  }
  // The logged-in anchor: for the seal's few calls, under the caller's own lock.
  ck_session_handle_t anchor() const { return anchor_; }
  const std::string& token_label() const { return token_label_; }

  // A pooled session, given back when the lease ends; one marked broken
  // (left mid-operation) is closed instead.
  class Lease {
   public:
    Lease(TokenSessions* owner, ck_session_handle_t s, unsigned generation)
        : owner_(owner), s_(s), generation_(generation) {}
    Lease(Lease&& o) noexcept : owner_(o.owner_), s_(o.s_), generation_(o.generation_), broken_(o.broken_) {
      o.owner_ = nullptr;
    }
    Lease& operator=(Lease&&) = delete;
    ~Lease() {
      if (owner_) owner_->give_back(s_, generation_, broken_);
    }
    ck_session_handle_t get() const { return s_; }
    void set_broken(bool broken) { broken_ = broken; }

   private:
    TokenSessions* owner_;
    ck_session_handle_t s_;
    unsigned generation_;
    bool broken_ = false;
  };
  // Opens sessions on demand up to the token's ulMaxSessionCount less the
  // anchor (64 at most); a waiter gives up after 10 s: kUnavailable "HsmBusy".
  Result<Lease> borrow();
  // After "HsmSessionLost": forgets every session, opens a new anchor and
  // logs in again. Leases of the old sessions are closed when they end.
  Status relogin();

 private:
  TokenSessions() = default;
  Status open_anchor();
  void give_back(ck_session_handle_t s, unsigned generation, bool broken);

  std::shared_ptr<Module> module_;
  std::string token_label_;
  SecureString pin_;
  ck_slot_id_t slot_ = 0;
  ck_session_handle_t anchor_ = 0;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<ck_session_handle_t> idle_;
  unsigned long opened_ = 0;
  unsigned long max_sessions_ = 64;
  unsigned generation_ = 0;
};

// The objects matching `tmpl` (at most `max`), found on `session`.
Result<std::vector<ck_object_handle_t>> find_objects(struct ck_function_list* f, ck_session_handle_t session,
                                                     struct ck_attribute* tmpl, unsigned long count,
                                                     unsigned long max = 2);
// One attribute's value of `object` (its length first, then the bytes).
Result<std::string> attribute(struct ck_function_list* f, ck_session_handle_t session, ck_object_handle_t object,
                              ck_attribute_type_t type);

// The attributes every key object gets, after `own` (SEAL-SPEC.md §2.4:
// set explicitly, SoftHSM's defaults differ): a token object with its
// CKA_ID and label; a private or secret half (`secret_half`) is also
// private, sensitive and never extractable. The values point into `id`,
// `label` and static storage.
std::vector<struct ck_attribute> key_template(std::vector<struct ck_attribute> own, bool secret_half,
                                              std::string_view id, std::string_view label);

// AES-GCM with the secret key `key` on `session`, 128-bit tag: encrypting
// gives ciphertext ‖ tag, decrypting takes it. A blob that does not open is
// kBadParameter, reason "GcmTagMismatch" (SoftHSM 2.6 reports a failed tag
// check as CKR_GENERAL_ERROR, so that counts too).
Result<std::string> aes_gcm(struct ck_function_list* f, ck_session_handle_t session, ck_object_handle_t key,
                            bool decrypting, std::string_view iv, std::string_view input, std::string_view aad);
inline constexpr std::size_t kGcmTagSize = 16;

}  // namespace coffer::seal::p11
