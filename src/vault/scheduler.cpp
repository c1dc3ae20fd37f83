#include "vault/scheduler.hpp"

#include <spdlog/spdlog.h>

namespace coffer::vault {

MaintenanceScheduler::MaintenanceScheduler(SecretService& secrets, const Clock& clock, std::chrono::seconds period,
                                           store::Leadership* leadership)
    : secrets_(secrets), clock_(clock), period_(period), leadership_(leadership) {}

MaintenanceScheduler::~MaintenanceScheduler() { stop(); }

void MaintenanceScheduler::attach_keys(KeyService& keys, VaultRegistry& vaults) {
  std::lock_guard lock(run_mu_);
  keys_ = &keys;
  vaults_ = &vaults;
}

void MaintenanceScheduler::start() {
  thread_ = std::thread([this] {
    std::unique_lock lock(mu_);
    while (!stopping_) {
      cv_.wait_for(lock, period_, [this] { return stopping_; });
      if (stopping_) break;
      lock.unlock();
      auto report = run_once();
      if (!report.ok()) spdlog::warn("maintenance run failed: {}", report.status().message());
      lock.lock();
    }
  });
}

void MaintenanceScheduler::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void MaintenanceScheduler::attach_secret_rotation(SecretRotation& rotation, VaultRegistry& vaults) {
  secret_rotation_ = &rotation;
  vaults_ = &vaults;
}

void MaintenanceScheduler::attach_certificates(CertificateService& certificates) { certificates_ = &certificates; }

void MaintenanceScheduler::attach_vault_removal(VaultRemoval& removal) { removal_ = &removal; }

void MaintenanceScheduler::attach_metrics(prometheus::Registry& metrics) {
  std::lock_guard lock(run_mu_);
  runs_ = &metrics.counter("coffer_maintenance_runs_total",
                           "Runs of the maintenance jobs: ok, failed, or not_leader (another server runs them).");
  run_seconds_ = &metrics.histogram("coffer_maintenance_duration_seconds", "Runs of the maintenance jobs.",
                                    prometheus::latency_buckets());
  objects_ = &metrics.counter("coffer_maintenance_objects_total",
                              "Objects the maintenance jobs purged, rotated or renewed, by job.");
}

Result<MaintenanceReport> MaintenanceScheduler::run_once() {
  std::lock_guard lock(run_mu_);
  const auto started = std::chrono::steady_clock::now();
  auto report = run_jobs();
  record(report, std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  return report;
}

void MaintenanceScheduler::record(const Result<MaintenanceReport>& report, double seconds) {
  if (!runs_) return;
  const char* result = !report.ok() ? "failed" : report->leader ? "ok" : "not_leader";
  runs_->add(prometheus::label_set({{"result", result}}));
  run_seconds_->observe({}, seconds);
  if (!report.ok()) return;
  const std::pair<const char*, std::size_t> done[] = {{"secrets_purged", report->secrets_purged},
                                                      {"secrets_rotated", report->secrets_rotated},
                                                      {"keys_purged", report->keys_purged},
                                                      {"keys_rotated", report->keys_rotated},
                                                      {"certificates_purged", report->certificates_purged},
                                                      {"certificates_renewed", report->certificates_renewed},
                                                      {"vaults_purged", report->vaults_purged}};
  for (const auto& [job, n] : done) {
    if (n > 0) objects_->add(prometheus::label_set({{"job", job}}), static_cast<double>(n));
  }
}

Result<MaintenanceReport> MaintenanceScheduler::run_jobs() {
  MaintenanceReport report;
  if (leadership_ && !leadership_->lead()) {
    report.leader = false;
    return report;
  }
  COFFER_ASSIGN_OR_RETURN(report.secrets_purged, secrets_.purge_due(clock_.now()));
  if (report.secrets_purged > 0) spdlog::info("purged {} soft-deleted secret(s)", report.secrets_purged);
  if (secret_rotation_ != nullptr) {
    COFFER_ASSIGN_OR_RETURN(auto vaults, vaults_->list());
    COFFER_ASSIGN_OR_RETURN(report.secrets_rotated, secret_rotation_->rotate_due(vaults, clock_.now()));
    if (report.secrets_rotated > 0) {
      spdlog::info("rotated {} secret(s) by their rotation policy", report.secrets_rotated);
    }
  }
  if (keys_ != nullptr) {
    COFFER_ASSIGN_OR_RETURN(report.keys_purged, keys_->purge_due(clock_.now()));
    if (report.keys_purged > 0) spdlog::info("purged {} soft-deleted key(s)", report.keys_purged);
    COFFER_ASSIGN_OR_RETURN(auto vaults, vaults_->list());
    COFFER_ASSIGN_OR_RETURN(report.keys_rotated, keys_->rotate_due(vaults, clock_.now()));
    if (report.keys_rotated > 0) spdlog::info("rotated {} key(s) by their rotation policy", report.keys_rotated);
  }
  if (certificates_ != nullptr) {
    COFFER_ASSIGN_OR_RETURN(report.certificates_purged, certificates_->purge_due(clock_.now()));
    if (report.certificates_purged > 0) {
      spdlog::info("purged {} soft-deleted certificate(s)", report.certificates_purged);
    }
    if (vaults_ != nullptr) {
      COFFER_ASSIGN_OR_RETURN(auto vaults, vaults_->list());
      COFFER_ASSIGN_OR_RETURN(report.certificates_renewed, certificates_->renew_due(vaults, clock_.now()));
      if (report.certificates_renewed > 0) spdlog::info("renewed {} certificate(s)", report.certificates_renewed);
    }
  }
  if (removal_ != nullptr) {
    COFFER_ASSIGN_OR_RETURN(report.vaults_purged, removal_->purge_expired(clock_.now()));
    if (report.vaults_purged > 0) spdlog::info("purged {} soft-deleted vault(s)", report.vaults_purged);
  }
  for (const auto& job : extra_jobs_) COFFER_RETURN_IF_ERROR(job(clock_.now()));
  return report;
}

}  // namespace coffer::vault
