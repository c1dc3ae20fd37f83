// MaintenanceScheduler: runs the vault layer's time-driven jobs (purging
// soft-deleted secrets, keys, certificates and vaults whose retention has
// passed, rotating keys and secrets whose rotation policy is due) against the
// injected Clock. A background thread calls run_once() every `period` of
// real time; tests and `--test-clock` servers advance a ManualClock and
// call run_once() directly, so nothing waits on wall time.
// With a Leadership (servers sharing a store), a run does anything only on
// the leader, and the services given here must write through its fenced()
// store, so a server that lost the lead cannot commit a job's change.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "common/clock.hpp"
#include "common/prometheus.hpp"
#include "common/status.hpp"
#include "vault/certificate_service.hpp"
#include "vault/key_service.hpp"
#include "vault/secret_rotation.hpp"
#include "vault/secret_service.hpp"
#include "vault/vault_registry.hpp"
#include "vault/vault_removal.hpp"

namespace coffer::vault {

struct MaintenanceReport {
  std::size_t secrets_purged = 0;
  std::size_t secrets_rotated = 0;
  std::size_t keys_purged = 0;
  std::size_t keys_rotated = 0;
  std::size_t certificates_purged = 0;
  std::size_t certificates_renewed = 0;
  std::size_t vaults_purged = 0;
  bool leader = true;  // false: another server leads the jobs; nothing was done here
};

class MaintenanceScheduler {
 public:
  MaintenanceScheduler(SecretService& secrets, const Clock& clock, std::chrono::seconds period,
                       store::Leadership* leadership = nullptr);
  ~MaintenanceScheduler();  // stops the thread

  // Adds the key jobs (purge, scheduled rotation). Call before start().
  void attach_keys(KeyService& keys, VaultRegistry& vaults);
  // Adds the rotation of plain secrets whose rotation policy is due. Call before start().
  void attach_secret_rotation(SecretRotation& rotation, VaultRegistry& vaults);
  // Adds the certificate jobs (purge, renewal by lifetime action; renewal
  // needs attach_keys() for the vault list). Call before start().
  void attach_certificates(CertificateService& certificates);
  // Adds the purge of soft-deleted vaults. Call before start().
  void attach_vault_removal(VaultRemoval& removal);
  // Adds a job of a layer above this one, run last with the clock's now
  // (the retirement of old root key generations). Call before start().
  void attach_job(std::function<Status(int64_t now)> job) { extra_jobs_.push_back(std::move(job)); }
  // Counts runs (coffer_maintenance_runs_total{result}), times them
  // (coffer_maintenance_duration_seconds) and adds up what they did
  // (coffer_maintenance_objects_total{job}). Call before start().
  void attach_metrics(prometheus::Registry& metrics);

  void start();
  void stop();
  // Runs every job once, now. Serialised with the background runs.
  Result<MaintenanceReport> run_once();

 private:
  Result<MaintenanceReport> run_jobs();
  void record(const Result<MaintenanceReport>& report, double seconds);

  SecretService& secrets_;
  KeyService* keys_ = nullptr;
  SecretRotation* secret_rotation_ = nullptr;
  CertificateService* certificates_ = nullptr;
  VaultRegistry* vaults_ = nullptr;
  VaultRemoval* removal_ = nullptr;
  std::vector<std::function<Status(int64_t)>> extra_jobs_;
  const Clock& clock_;
  std::chrono::seconds period_;
  store::Leadership* leadership_;
  std::mutex run_mu_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread thread_;
  prometheus::Counters* runs_ = nullptr;
  prometheus::Histograms* run_seconds_ = nullptr;
  prometheus::Counters* objects_ = nullptr;
};

}  // namespace coffer::vault
