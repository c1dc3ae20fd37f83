// SealGate: the server's front door (SEAL-SPEC.md §1.4), in front of
// authentication because tokens and credentials are inside the barrier.
// Always, without a token:
//   GET  /coffer/v1/sys/seal-status   {type, initialized, sealed, t, n, progress, nonce, keysetId, clusterId,
//   lastError} POST /coffer/v1/sys/init          {secretShares, secretThreshold} → {keys: [...], keysetId} once, on an
//                                     uninitialized server whose configured seal is shamir
//   POST /coffer/v1/sys/unseal        {key} | {reset: true} → the seal status
//   GET  /coffer/v1/sys/rekey/init    the rekey's progress
//   POST /coffer/v1/sys/rekey/update  {nonce, key} → progress, or at K {complete, keys, …} once
//   POST /coffer/v1/sys/rekey/verify  {nonce, key}: with verify, K new shares put the new set in force
// A rekey is started and cancelled by an authenticated admin (POST/DELETE
// /coffer/admin/rekey, api/admin_routes.hpp: OpenBao's authenticated
// rekey), and completed by the quorum of current shares; POST or DELETE
// rekey/init here answers 403 naming that route.
// Until the application is published (the root keys are in memory and the
// server built on them), every other request gets AKV's 503 with
// Retry-After and innererror VaultSealed (NotInitialized before init), and
// /healthz answers 503 (501 uninitialized). These requests are logged, not
// audited: the audit keys are inside the barrier.
// Sealing a running server (POST /coffer/admin/seal, authorized and audited
// by the application, which calls request_seal()): withdraw() stops handing
// requests to the application and waits for every one it was given to
// finish, answers given later included, so the application can be torn down.
// A shamir seal then opens again with shares, a pkcs11 seal with a quorum
// of its recovery shares (and the HSM); a keyfile seal, or a pkcs11 seal
// without recovery shares, stays shut until the server restarts (an
// operator who sealed meant it). The unseal and rekey routes take recovery
// shares on a pkcs11 server (SEAL-SPEC.md §1.6). Thread-safe.
#pragma once

#include <atomic>
#include <condition_variable>
#include <mutex>

#include "api/admin_routes.hpp"
#include "http/message.hpp"
#include "seal/seal_state.hpp"

namespace coffer::server {

// The rekey's progress as the admin and sys routes show it.
api::RekeyProgress rekey_progress(const seal::SealState::RekeyStatus& status);

class SealGate {
 public:
  // `configured`: the seal the server's configuration names (what init makes;
  // once initialized, the messages follow the store's seal, which a
  // migration may have changed while the server runs);
  // `open_token`: its HSM (pkcs11), which recovery shares need at the threshold.
  SealGate(seal::SealState& seal, seal::SealType configured, seal::TokenOpener open_token = nullptr)
      : seal_(seal), configured_(configured), open_token_(std::move(open_token)) {}

  http::Response handle(http::Request& request);
  // From now on requests other than the sys routes go to `app`.
  void publish(const http::Handler* app) { app_.store(app); }
  // Seals: no request reaches the application from now on, the seal's keys
  // are wiped, and the call returns once no request the application was
  // given is still running (it may then be destroyed).
  void withdraw();

  // The operator asked to seal (called by the application's seal route).
  void request_seal();
  enum class Wake { kStop, kSeal };
  // Blocks until stop() or request_seal(); a seal request is consumed.
  Wake wait_stop_or_seal();

  // Blocks until the seal is open (true) or stop() was called (false).
  bool wait_unsealed();
  // Wakes wait_unsealed() after the seal was opened elsewhere (the HSM).
  void notify_unsealed();
  void stop();

 private:
  http::Response sys(http::Request& request, const std::string& path);
  http::Response closed(const http::Request& request) const;
  // The application's requests: one more / one fewer running.
  http::Response to_app(const http::Handler& app, http::Request& request);
  void release();

  seal::SealState& seal_;
  seal::SealType configured_;
  seal::TokenOpener open_token_;
  std::atomic<const http::Handler*> app_{nullptr};
  std::atomic<long> in_app_{0};  // requests handed to the application and not answered yet
  std::atomic<bool> sealed_by_operator_{false};
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  bool seal_requested_ = false;
};

}  // namespace coffer::server
