// SealGate: the server's front door (SEAL-SPEC.md §1.4), in front of
// authentication because tokens and credentials are inside the barrier.
// Always, without a token:
//   GET  /coffer/v1/sys/seal-status   {type, initialized, sealed, t, n, progress, nonce, keysetId, clusterId,
//   lastError} POST /coffer/v1/sys/init          {secretShares, secretThreshold} → {keys: [...], keysetId} once, on an
//                                     uninitialized server whose configured seal is shamir
//   POST /coffer/v1/sys/unseal        {key} | {reset: true} → the seal status
//   GET|POST|DELETE /coffer/v1/sys/rekey/init   status | {secretShares, secretThreshold, verify?} → nonce | cancel
//   POST /coffer/v1/sys/rekey/update  {nonce, key} → progress, or at K {complete, keys, …} once
//   POST /coffer/v1/sys/rekey/verify  {nonce, key}: with verify, K new shares put the new set in force
// (Vault's rekey: the quorum of current shares is the authority; an admin
// token on top of it is a later step.)
// Until the application is published (the root keys are in memory and the
// server built on them), every other request gets AKV's 503 with
// Retry-After and innererror VaultSealed (NotInitialized before init), and
// /healthz answers 503 (501 uninitialized). These requests are logged, not
// audited: the audit keys are inside the barrier. Thread-safe.
#pragma once

#include <atomic>
#include <condition_variable>
#include <mutex>

#include "http/message.hpp"
#include "seal/seal_state.hpp"

namespace coffer::server {

class SealGate {
 public:
  // `configured`: the seal the server's configuration names (what init makes).
  SealGate(seal::SealState& seal, seal::SealType configured) : seal_(seal), configured_(configured) {}

  http::Response handle(http::Request& request);
  // From now on requests other than the sys routes go to `app` (null: none).
  void publish(const http::Handler* app) { app_.store(app); }

  // Blocks until the seal is open (true) or stop() was called (false).
  bool wait_unsealed();
  // Wakes wait_unsealed() after the seal was opened elsewhere (the HSM).
  void notify_unsealed();
  void stop();

 private:
  http::Response sys(http::Request& request, const std::string& path);
  http::Response closed(const http::Request& request) const;

  seal::SealState& seal_;
  seal::SealType configured_;
  std::atomic<const http::Handler*> app_{nullptr};
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
};

}  // namespace coffer::server
