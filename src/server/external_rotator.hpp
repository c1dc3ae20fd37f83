// ExternalRotator: the server's driver of secret rotations by an external
// rotator (EVENTS-SPEC.md §4; state in vault/secret_rotation.hpp). While
// this server leads (store::Leadership), a thread claims the due steps every
// half second and posts each on its own worker (one per secret, so a slow
// rotator holds up only its secret): JSON {"Step", "SecretId",
// "ClientRequestToken", …} to the policy's endpointUrl (Standard Webhooks
// signature headers when the rotator is signed, webhook-id
// "<token>.<step>"), 30 s timeout, TLS
// verified against eventsCaFile or the system store, public addresses only
// unless eventsAllowPrivateEndpoints. 2xx = the step is done (createSecret's
// answer may carry the value); anything else is retried on Event Grid's
// schedule (a longer Retry-After wins) until the policy's rotationTimeout.
// Times follow the server's clock (--test-clock moves them).
#pragma once

#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "common/clock.hpp"
#include "common/prometheus.hpp"
#include "server/keyed_threads.hpp"
#include "store/store.hpp"
#include "vault/secret_rotation.hpp"
#include "vault/vault_registry.hpp"

namespace coffer::server {

struct ExternalRotatorOptions {
  std::string ca_file;                   // trust for rotators; empty: the system store
  bool allow_private_endpoints = false;  // eventsAllowPrivateEndpoints
  // The vault's https://<vault>.<suffix>[:port] URL (SecretId).
  std::function<std::string(const std::string& vault_name)> vault_url;
  // coffer_secret_rotation_steps_total{step, result="done"|"failed"}; null = none.
  prometheus::Registry* metrics = nullptr;
};

class ExternalRotator {
 public:
  // `rotation` writes through the leader's fenced store.
  ExternalRotator(store::Leadership& leadership, vault::VaultRegistry& vaults, vault::SecretRotation& rotation,
                  const Clock& clock, ExternalRotatorOptions options);
  ~ExternalRotator();  // stop()
  ExternalRotator(const ExternalRotator&) = delete;
  ExternalRotator& operator=(const ExternalRotator&) = delete;

  void start();
  void stop();

 private:
  void run();
  void post_step(const vault::RotatorCall& call);
  bool stopping();

  store::Leadership& leadership_;
  vault::VaultRegistry& vaults_;
  vault::SecretRotation& rotation_;
  const Clock& clock_;
  ExternalRotatorOptions options_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  prometheus::Counters* steps_ = nullptr;
  KeyedThreads workers_;  // by "<vault-id>/<secret>"
  std::thread thread_;
};

}  // namespace coffer::server
