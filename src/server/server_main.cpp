#include "server/server_main.hpp"

#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <atomic>
#include <filesystem>
#include <iostream>
#include <optional>
#include <thread>

#include "api/app.hpp"
#include "api/arm_routes.hpp"
#include "api/responses.hpp"
#include "audit/audit_sink.hpp"
#include "auth/authorization_grants.hpp"
#include "auth/authorizer.hpp"
#include "auth/rbac_registry.hpp"
#include "auth/server_identity.hpp"
#include "auth/user_sessions.hpp"
#include "auth/users.hpp"
#include "common/ascii.hpp"
#include "common/prometheus.hpp"
#include "crypto/root_key.hpp"
#include "http/plain_server.hpp"
#include "http/server.hpp"
#include "seal/pkcs11_keys.hpp"
#include "seal/seal_state.hpp"
#include "server/audit_batching.hpp"
#include "server/audit_setup.hpp"
#include "server/data_dir_lock.hpp"
#include "server/dev_bootstrap.hpp"
#include "server/event_delivery.hpp"
#include "server/external_rotator.hpp"
#include "server/hsm_keys.hpp"
#include "server/hsm_unseal.hpp"
#include "server/initial_admin.hpp"
#include "server/metered_audit_sink.hpp"
#include "server/root_rotation.hpp"
#include "server/seal_gate.hpp"
#include "server/storage.hpp"
#include "server/workload_identity.hpp"
#include "store/store.hpp"
#include "vault/change_feed.hpp"
#include "vault/event_schedule.hpp"
#include "vault/events.hpp"
#include "vault/resource_groups.hpp"
#include "vault/scheduler.hpp"

namespace coffer::server {
namespace fs = std::filesystem;
namespace {

int fail(const Status& st) {
  std::cerr << "coffer server: " << st.message() << std::endl;
  return 1;
}

// Blocks SIGINT/SIGTERM (and SIGHUP: reopen the audit log) in every thread
// started after this call, so one waiter thread receives them with sigwait().
sigset_t block_shutdown_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  return set;
}

// The server's event loops on a thread of their own from start on (the gate
// answers until the application is published), and the signal waiter:
// SIGHUP reopens the audit log once there is one, SIGINT/SIGTERM stop the
// gate and the server. The destructor stops and joins both, so no return
// leaves anything running.
class Serving {
 public:
  Serving(http::HttpsServer& server, SealGate& gate, const sigset_t& signals) : server_(server), gate_(gate) {
    waiter_ = std::thread([this, signals] {
      int sig = 0;
      while (sigwait(&signals, &sig) == 0 && sig == SIGHUP) {
        if (audit::AuditLog* log = audit_log_.load()) {
          spdlog::info("SIGHUP received: reopening the audit log");
          log->reopen();
        }
      }
      if (sig != 0 && !stopping_.load()) spdlog::info("signal {} received: finishing in-flight requests", sig);
      gate_.stop();
      server_.stop();
    });
    runner_ = std::thread([this] { server_.run(); });
  }
  Serving(const Serving&) = delete;
  Serving& operator=(const Serving&) = delete;
  ~Serving() { shutdown(); }

  void set_audit_log(audit::AuditLog* log) { audit_log_.store(log); }
  // Blocks until the server has stopped and drained its requests.
  void wait() {
    if (runner_.joinable()) runner_.join();
  }
  // Stops the server, drains it, and ends the waiter.
  void shutdown() {
    stopping_.store(true);
    gate_.stop();
    server_.stop();
    wait();
    if (waiter_.joinable()) {
      pthread_kill(waiter_.native_handle(), SIGTERM);
      waiter_.join();
    }
  }

 private:
  http::HttpsServer& server_;
  SealGate& gate_;
  std::atomic<audit::AuditLog*> audit_log_{nullptr};
  std::atomic<bool> stopping_{false};
  std::thread waiter_;
  std::thread runner_;
};

enum class Served { kStopped, kSealed, kFailed };

// The key file the configuration names (rootKeyFile, else the environment variable).
Result<SecureString> configured_key_file(const ServerConfig& config) {
  auto source = config.root_key_file.empty() ? crypto::env_root_key(config.root_key_env)
                                             : crypto::file_root_key(config.root_key_file);
  return source->load();
}

// A seal migration (seal/seal_state.hpp): from keyfile at once, else begun for a quorum to complete.
Result<api::SealMigration> migrate_seal(seal::SealState& seal_state, const ServerConfig& config,
                                        const TokenOpener& open_token, const std::string& target_name,
                                        const std::optional<api::ShareCounts>& counts) {
  const seal::SealType target = seal::parse_seal_type(target_name).value_or(seal::SealType::kKeyfile);
  if (target == seal::SealType::kPkcs11 && !open_token) {
    return Status(Code::kConflict,
                  "Moving the seal to an HSM takes the HSM's settings (hsmLib, …) in the configuration.",
                  "HsmNotConfigured");
  }
  if (seal_state.status().type == seal::SealType::kKeyfile) {
    if (!counts)
      return bad_parameter("Moving a keyfile seal takes secretShares and secretThreshold for the new shares.");
    std::unique_ptr<seal::Pkcs11Token> token;
    if (target == seal::SealType::kPkcs11) {
      COFFER_ASSIGN_OR_RETURN(token, open_token());
    }
    COFFER_ASSIGN_OR_RETURN(auto shares,
                            seal_state.migrate_from_keyfile(target, counts->shares, counts->threshold, token.get()));
    spdlog::warn(
        "the seal migrated from 'keyfile' to '{}' by an admin: name \"seal\": \"{}\" in the configuration "
        "before the next start, rotate the root key, and delete the key file once the old generation is retired",
        target_name, target_name);
    return api::SealMigration{true, std::move(shares), seal_state.status().keyset_id, {}};
  }
  if (counts)
    return bad_parameter("A migration from shares carries them over: give no secretShares or secretThreshold.");
  SecureString file_key;
  if (target == seal::SealType::kKeyfile) {
    if (config.root_key_file.empty() && config.root_key_env.empty()) {
      return Status(Code::kConflict, "Moving the seal to a key file takes that file: set rootKeyFile (or rootKeyEnv).",
                    "KeyFileNotConfigured");
    }
    COFFER_ASSIGN_OR_RETURN(file_key, configured_key_file(config));
  }
  COFFER_ASSIGN_OR_RETURN(auto started, seal_state.migration_start(target, std::move(file_key)));
  spdlog::warn("a migration of the seal to '{}' was started by an admin; a quorum of shares completes it", target_name);
  return api::SealMigration{false, {}, 0, rekey_progress(started)};
}

// What the admin API may do to the seal (api::SealAdmin).
api::SealAdmin seal_admin(SealGate& gate, seal::SealState& seal_state, crypto::Keyring& keyring,
                          vault::VaultRegistry& vaults, store::Store& store, const TokenOpener& open_token,
                          const ServerConfig& config) {
  api::SealAdmin admin;
  admin.migrate = [&seal_state, &config, &open_token](const std::string& target,
                                                      const std::optional<api::ShareCounts>& counts) {
    return migrate_seal(seal_state, config, open_token, target, counts);
  };
  admin.request_seal = [&gate] { gate.request_seal(); };
  admin.rotate_root = [&] { return rotate_root_key(seal_state, keyring, vaults, store); };
  if (open_token) {
    admin.generate_recovery = [&](int shares, int threshold) -> Result<api::RecoveryShares> {
      COFFER_ASSIGN_OR_RETURN(auto token, open_token());
      COFFER_ASSIGN_OR_RETURN(auto made, seal_state.generate_recovery(shares, threshold, *token));
      return api::RecoveryShares{std::move(made), seal_state.status().keyset_id};
    };
  }
  admin.start_rekey = [&seal_state](const api::ShareCounts& c) -> Result<api::RekeyProgress> {
    COFFER_ASSIGN_OR_RETURN(auto started, seal_state.rekey_start(c.shares, c.threshold, c.verify));
    spdlog::warn("rekey to {} shares, threshold {}, started by an admin", c.shares, c.threshold);
    return rekey_progress(started);
  };
  admin.cancel_rekey = [&seal_state] {
    seal_state.rekey_cancel();
    spdlog::info("rekey cancelled by an admin");
    return rekey_progress(seal_state.rekey_status());
  };
  return admin;
}

// The unsealed server: the application built on the root keys, serving until
// a stop signal or an operator's seal; everything built here (keys, caches,
// services) is gone when it returns. `first`: the first unseal since start.
Served serve_unsealed(ServerConfig& config, store::Store& store, seal::SealState& seal_state, SealGate& gate,
                      Serving& serving, SystemClock& system_clock, uint16_t port, bool first,
                      const TokenOpener& open_token, crypto::HardwareKeys* hsm_keys, prometheus::Registry* metrics) {
  const auto failed = [&](const Status& st) {
    fail(st);
    serving.shutdown();  // drains before the application goes
    return Served::kFailed;
  };
  auto root_keys = seal_state.root_keys();
  if (!root_keys.ok()) return failed(root_keys.status());
  // A generation made by another server's rotation is loaded when first met.
  store.watch(std::string(seal::kSealConfigKey));
  crypto::Keyring keyring(std::move(*root_keys), seal_state.active_generation(),
                          [&seal_state] { return seal_state.refresh(); });

  auto identity = auth::load_or_create_server_identity(store, keyring);
  if (!identity.ok()) return failed(identity.status());
  auto audit_keys = load_or_create_audit_keys(store, keyring);
  if (!audit_keys.ok()) return failed(audit_keys.status());
  auto audit_sink = open_audit_log(config, *audit_keys, &store);
  if (!audit_sink.ok()) return failed(audit_sink.status());
  serving.set_audit_log(audit_sink->get());
  std::optional<MeteredAuditSink> metered;
  audit::AuditSink& application_audit =
      metrics ? static_cast<audit::AuditSink&>(metered.emplace(**audit_sink, *metrics)) : **audit_sink;

  ManualClock manual_clock;
  const Clock& clock = config.test_clock ? static_cast<const Clock&>(manual_clock) : system_clock;

  vault::VaultRegistry vaults(store, keyring, clock);
  vault::ResourceGroupRegistry resource_groups(store, clock);
  vault::SecretService secrets(store, keyring, clock);
  vault::KeyService keys(store, keyring, clock, vault::KeyServiceOptions{config.emulate_hsm, hsm_keys});
  vault::CertificateService certificates(store, keyring, clock);
  vault::CertificateIssuerService certificate_issuers(store, keyring, clock);
  // Background jobs run on one server at a time and write only through the
  // leader's fenced store (store.hpp Leadership).
  auto leadership = is_postgres_url(config.storage)
                        ? store::postgres_leadership({config.storage}, store, config.replica_id)
                        : store::sole_leadership(store);
  vault::SecretService job_secrets(leadership->fenced(), keyring, clock);
  vault::SecretRotation secret_rotation(store, secrets, keyring, clock);
  vault::SecretRotation job_secret_rotation(leadership->fenced(), job_secrets, keyring, clock);
  vault::KeyService job_keys(leadership->fenced(), keyring, clock,
                             vault::KeyServiceOptions{config.emulate_hsm, hsm_keys});
  vault::CertificateService job_certificates(leadership->fenced(), keyring, clock);
  vault::VaultRegistry job_vaults(leadership->fenced(), keyring, clock);
  auth::RbacRegistry rbac(store);
  // A change of who may use a vault is an event of that vault (VaultAccessPolicyChanged) and an entry of its
  // change feed; one above every vault (the root, a resource group, roles, groups) counts for all of them.
  rbac.on_access_changed(
      [&clock](store::WriteTxn& txn, const std::string& scope, const std::string& vault_id) -> Status {
        std::string name;  // from a scope at or below a vault: "/vaults/<name>[/…]"
        if (vault_id.empty() && scope.starts_with("/vaults/")) name = scope.substr(8, scope.find('/', 8) - 8);
        if (vault_id.empty() && name.empty()) return vault::record_global_access_change(txn);
        COFFER_ASSIGN_OR_RETURN(auto changed, vault::VaultRegistry::live_in(txn, name, vault_id));
        if (!changed) return Status::Ok();  // a vault now gone
        COFFER_RETURN_IF_ERROR(vault::record_access_change(txn, changed->id));
        return vault::append_event(txn, vault::vault_access_event(*changed, clock.now()));
      });
  if (Status st = rbac.load(); !st.ok()) return failed(st);
  // A vault removed for good takes the access granted on it along: role
  // assignments at or below it and its access policies.
  const auto revoke_vault_access = [&rbac](const vault::VaultInfo& v) -> Status {
    COFFER_RETURN_IF_ERROR(rbac.delete_assignments_within("/vaults/" + v.name).status());
    return rbac.set_access_policies(v.id, {}).status();
  };
  vault::VaultRemoval vault_removal(vaults, secrets, &keys, &certificates, revoke_vault_access);
  vault::VaultRemoval job_vault_removal(job_vaults, job_secrets, &job_keys, &job_certificates, revoke_vault_access);
  vault::MaintenanceScheduler maintenance(job_secrets, clock, std::chrono::seconds(config.maintenance_interval_seconds),
                                          leadership.get());
  if (metrics) maintenance.attach_metrics(*metrics);
  maintenance.attach_keys(job_keys, vaults);
  maintenance.attach_secret_rotation(job_secret_rotation, vaults);
  maintenance.attach_certificates(job_certificates);
  maintenance.attach_vault_removal(job_vault_removal);
  maintenance.attach_job(
      [&](int64_t now) { return retire_old_root_generations(seal_state, keyring, vaults, store, now, open_token); });
  vault::ChangeFeed change_feed(store);
  vault::ChangeFeed job_change_feed(leadership->fenced());
  maintenance.attach_job([&job_change_feed](int64_t) { return job_change_feed.trim().status(); });
  vault::EventSchedule event_schedule(leadership->fenced(), clock);
  maintenance.attach_job([&event_schedule](int64_t now) { return event_schedule.fire_due(now).status(); });
  auth::SignInThrottle sign_in_throttle;
  auth::ServicePrincipalRegistry principals(store, clock, identity->tenant_id, &sign_in_throttle);
  // People: their sign-in state follows real time, like token lifetimes, even under --test-clock.
  auth::UserRegistry users(store, keyring, system_clock, identity->tenant_id, &sign_in_throttle);
  // Users made before the index by object id (an upgrade) get their entries;
  // until then their lookups fall back to a scan, so a failure only slows them.
  if (auto indexed = auth::index_user_object_ids(store); !indexed.ok()) {
    spdlog::warn("indexing users by object id: {}", indexed.status().message());
  } else if (*indexed > 0) {
    spdlog::info("indexed {} users by object id", *indexed);
  }
  auth::UserSessions user_sessions(store, users, system_clock);
  auth::AuthorizationGrants authorization_grants(store, users, system_clock);
  auth::UserSessions job_user_sessions(leadership->fenced(), users, system_clock);
  auth::AuthorizationGrants job_authorization_grants(leadership->fenced(), users, system_clock);
  maintenance.attach_job([&](int64_t) -> Status {
    COFFER_RETURN_IF_ERROR(job_user_sessions.purge_expired().status());
    return job_authorization_grants.purge_expired().status();
  });
  auth::Authorizer authorizer(identity->tenant_id, rbac, [&vaults](std::string_view name) {
    auto v = vaults.find(std::string(name));
    return v.ok() ? v->resource_group : std::string();
  });

  // Events: subscriptions on the admin API, delivery while this server leads.
  vault::EventSubscriptions event_subscriptions(store, keyring, clock);
  vault::EventQueue event_queue(store, clock);
  EventDelivery event_delivery(
      *leadership, vaults, keyring, clock,
      EventDeliveryOptions{config.events_ca_file, config.events_allow_private_endpoints,
                           [tenant = identity->tenant_id](const vault::VaultInfo& v) {
                             return "/subscriptions/" + api::subscription_id_of(tenant) + "/resourceGroups/" +
                                    v.resource_group + "/providers/Microsoft.KeyVault/vaults/" + v.name;
                           },
                           [&config, port](const std::string& name) {
                             return api::vault_origin(name, config.dns_suffix, std::to_string(port));
                           },
                           metrics});
  // Secret rotations by external rotators: driven while this server leads, like event delivery.
  ExternalRotator external_rotator(*leadership, vaults, job_secret_rotation, clock,
                                   ExternalRotatorOptions{config.events_ca_file, config.events_allow_private_endpoints,
                                                          [&config, port](const std::string& name) {
                                                            return api::vault_origin(name, config.dns_suffix,
                                                                                     std::to_string(port));
                                                          },
                                                          metrics});
  const api::EventServices event_services{
      event_subscriptions, event_queue,
      [&event_delivery, &config](const vault::VaultInfo& v, const vault::EventSubscription& s,
                                 const std::string& validation_token) {
        return event_delivery.handshake(v, s,
                                        api::event_validation_url(config.authority, v.name, s.name, validation_token));
      }};

  DevCredentials dev_creds;
  if (config.dev) {
    auto creds = ensure_dev_objects(config, vaults, principals, rbac);
    if (!creds.ok()) return failed(creds.status());
    dev_creds = std::move(*creds);
  } else if (auto admin = ensure_initial_admin(config, principals, identity->tenant_id); !admin.ok()) {
    return failed(admin.status());
  } else if (admin->has_value()) {
    if (Status st = auth::grant_administrator(rbac, (*admin)->object_id); !st.ok()) return failed(st);
  }

  auto workload = make_workload_identity(
      {config.oidc_ca_file, config.oidc_jwks_files, config.oidc_jwks_cache_seconds}, store, principals,
      system_clock);  // assertions are minted by real-time issuers, even under --test-clock
  if (!workload.ok()) return failed(workload.status());

  std::unique_ptr<api::Api> app;
  std::unique_ptr<AuditBatching> batching;

  auth::TokenService tokens(std::move(identity->signing_key),
                            {config.authority + "/" + identity->tenant_id + "/v2.0", identity->tenant_id, 3600, 900},
                            system_clock);  // token lifetimes follow real time, even under --test-clock
  app = std::make_unique<api::Api>(
      api::ApiConfig{config.dns_suffix, config.default_vault, config.authority, identity->tenant_id,
                     audit_file_path(config)},
      api::ApiServices{vaults,
                       secrets,
                       maintenance,
                       principals,
                       tokens,
                       authorizer,
                       application_audit,
                       clock,
                       config.test_clock ? &manual_clock : nullptr,
                       rbac,
                       vault_removal,
                       &keys,
                       &certificates,
                       &certificate_issuers,
                       (*workload)->credentials.get(),
                       (*workload)->verifier.get(),
                       &sign_in_throttle,
                       &store,
                       &resource_groups,
                       seal_admin(gate, seal_state, keyring, vaults, store, open_token, config),
                       &event_services,
                       &secret_rotation,
                       &change_feed,
                       metrics,
                       &users,
                       &user_sessions,
                       &authorization_grants});
  batching = std::make_unique<AuditBatching>(*app, application_audit, store.waits() ? &store : nullptr);
  const http::Handler application = [&batching](http::Request& req) { return batching->handle(req); };
  gate.publish(&application);

  if (config.dev && first) {
    if (Status st = write_dev_json(config, identity->tenant_id, dev_creds, port); !st.ok()) return failed(st);
  }
  if (first) spdlog::info("coffer server listening on {} (port {}), data in {}", config.listen, port, config.data_dir);

  maintenance.start();
  event_delivery.start();
  external_rotator.start();
  const SealGate::Wake wake = gate.wait_stop_or_seal();
  if (wake == SealGate::Wake::kSeal) gate.withdraw();  // no request of the application's is left running
  external_rotator.stop();
  event_delivery.stop();
  maintenance.stop();
  if (wake == SealGate::Wake::kStop) serving.shutdown();  // drains before the application goes
  serving.set_audit_log(nullptr);
  (*audit_sink)->close();  // final signed checkpoints
  return wake == SealGate::Wake::kSeal ? Served::kSealed : Served::kStopped;
}

}  // namespace

int run_server(ServerConfig config) {
  const sigset_t signals = block_shutdown_signals();
  if (Status st = validate(config); !st.ok()) return fail(st);
  std::error_code ec;
  fs::create_directories(config.data_dir, ec);
  if (ec)
    return fail(Status(Code::kUnavailable, "cannot create data directory " + config.data_dir + ": " + ec.message()));
  fs::permissions(config.data_dir, fs::perms::owner_all, fs::perm_options::replace, ec);
  if (ec) {
    return fail(Status(Code::kUnavailable,
                       "cannot restrict data directory " + config.data_dir + " to its owner: " + ec.message()));
  }
  auto data_dir_lock = DataDirLock::acquire(config.data_dir);
  if (!data_dir_lock.ok()) return fail(data_dir_lock.status());
  if (config.dev) {
    if (Status st = prepare_dev_files(config); !st.ok()) return fail(st);
  }
  if (config.audit_log.empty()) config.audit_log = (fs::path(config.data_dir) / "audit.log").string();
  if (!config.dev) {
    // Root keys and secrets live in this process's memory: no core files, no ptrace by other users.
    ::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
    const struct rlimit no_core { 0, 0 };
    ::setrlimit(RLIMIT_CORE, &no_core);
  }

  if (is_postgres_url(config.storage) || !config.replica_id.empty()) {
    auto replica = resolve_replica_id(config.data_dir, config.replica_id);
    if (!replica.ok()) return fail(replica.status());
    config.replica_id = *replica;
  }
  // Metrics live as long as the process (sealed or not); served on metricsListen once the server listens.
  prometheus::Registry metrics;
  prometheus::Registry* const measured =
      config.metrics_listen.empty() ? nullptr : &metrics;  // nothing counted when off
  auto store = open_server_store(config.data_dir, config.storage, config.storage_pool, config.storage_writers,
                                 std::chrono::milliseconds(config.storage_lease_ms), measured);
  if (!store.ok()) return fail(store.status());

  // The seal (SEAL-SPEC.md): the root keys come from the key file now, or
  // from Shamir shares handed in once the server listens.
  SystemClock system_clock;
  seal::SealState seal_state(**store, system_clock);
  if (Status st = seal_state.load(); !st.ok()) return fail(st);
  const seal::SealType configured = seal::parse_seal_type(config.seal).value_or(seal::SealType::kKeyfile);
  if (const seal::SealStatus s = seal_state.status(); s.initialized && s.type != configured) {
    return fail(Status(Code::kBadParameter, std::string("seal type mismatch: the store is sealed with '") +
                                                seal::seal_type_name(s.type) + "' but the configuration names '" +
                                                config.seal + "'."));
  }
  if (configured == seal::SealType::kKeyfile) {
    auto file_key = configured_key_file(config);
    if (!file_key.ok()) return fail(file_key.status());
    if (!seal_state.status().initialized) {
      // A store from before seals: the key must open it before the seal names it the root key
      // (a wrong key file must not lock the right one out). A new store gets its identity here.
      crypto::Keyring probe(*file_key);
      if (auto id = auth::load_or_create_server_identity(**store, probe); !id.ok()) return fail(id.status());
    }
    if (Status st = seal_state.unseal_with_key(*file_key); !st.ok()) return fail(st);
  }
  // The HSM when one is configured: the pkcs11 seal's (recovery shares, retirement of old root key
  // generations), or the one a migration moves the seal to.
  TokenOpener open_token;
  std::optional<seal::Pkcs11Options> hsm_settings;
  if (configured == seal::SealType::kPkcs11 || !config.hsm_lib.empty()) {
    auto settings = hsm_options(config);
    if (!settings.ok()) return fail(settings.status());
    if (configured == seal::SealType::kPkcs11) hsm_settings = *settings;
    open_token = [settings = *settings] { return seal::Pkcs11Token::open(settings); };
  }
  // RSA-HSM, EC-HSM and oct-HSM keys live in the configured token, whatever the seal.
  std::unique_ptr<HsmKeys> hsm_keys;
  if (!config.hsm_lib.empty()) {
    auto settings = hsm_options(config);
    if (!settings.ok()) return fail(settings.status());
    hsm_keys = std::make_unique<HsmKeys>(settings->token_label,
                                         [settings = *settings]() -> Result<std::unique_ptr<crypto::HardwareKeys>> {
                                           COFFER_ASSIGN_OR_RETURN(auto keys, seal::Pkcs11Keys::open(settings));
                                           return std::unique_ptr<crypto::HardwareKeys>(std::move(keys));
                                         });
  }
  SealGate gate(seal_state, configured, open_token);

  http::ServerOptions options;
  options.listen = config.listen;
  options.cert_chain_file = config.tls_cert_file;
  options.private_key_file = config.tls_key_file;
  options.io_threads = config.io_threads;
  options.worker_threads = config.worker_threads;
  options.max_body_bytes = config.max_body_bytes;
  options.max_connections = config.max_connections;
  options.first_request_timeout_seconds = config.first_request_timeout_seconds;
  // Reads run on the I/O thread; on PostgreSQL they are served from memory
  // after a shared observation and anything that would wait on the database
  // goes to the worker pool (AuditBatching), so no event loop blocks on it.
  options.inline_requests = http::ServerOptions::Inline::kAll;  // the Api offloads what must wait
  options.failure_response = &api::failure_response;
  http::HttpsServer server(options, [&gate](http::Request& req) { return gate.handle(req); });
  if (Status st = server.start(); !st.ok()) return fail(st);
  const uint16_t port = server.port();
  if (config.authority.empty()) config.authority = "https://localhost:" + std::to_string(port);
  Serving serving(server, gate, signals);
  // /metrics on a listener of its own (plain HTTP; meant for loopback or a scrape-only network), sealed or not.
  std::unique_ptr<http::PlainHttpServer> metrics_listener;
  if (!config.metrics_listen.empty()) {
    auto started = http::PlainHttpServer::start(config.metrics_listen, [&metrics](http::Request& req) {
      http::Response r;
      if (req.method != "GET" || req.target.substr(0, req.target.find('?')) != "/metrics") {
        r.status = 404;
        r.body = "not found\n";
        r.headers.emplace_back("Content-Type", "text/plain; charset=utf-8");
        return r;
      }
      r.body = metrics.text();
      r.headers.emplace_back("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
      return r;
    });
    if (!started.ok()) return fail(Status(started.status().code(), "metricsListen: " + started.status().message()));
    metrics_listener = std::move(*started);
    spdlog::info("coffer metrics on http://{} (port {})", config.metrics_listen, metrics_listener->port());
  }
  std::unique_ptr<HsmUnsealer> hsm;
  if (hsm_settings) {
    auto previous = previous_hsm_options(config);
    if (!previous.ok()) return fail(previous.status());
    hsm = std::make_unique<HsmUnsealer>(seal_state, std::move(*hsm_settings), std::move(*previous),
                                        [&gate] { gate.notify_unsealed(); });
  }
  if (seal_state.status().sealed) {
    spdlog::warn("coffer server listening on {} (port {}), SEALED: {}", config.listen, port,
                 configured == seal::SealType::kPkcs11 ? "unsealing through the HSM"
                 : seal_state.status().initialized     ? "hand in unseal shares with 'coffer operator unseal'"
                                                       : "initialize it with 'coffer operator init'");
    if (!gate.wait_unsealed()) {
      spdlog::info("coffer server stopped while sealed");
      return 0;
    }
  }
  hsm.reset();  // its work is done
  for (bool first = true;; first = false) {
    const Served served = serve_unsealed(config, **store, seal_state, gate, serving, system_clock, port, first,
                                         open_token, hsm_keys.get(), measured);
    if (served == Served::kFailed) return 1;
    if (served == Served::kStopped) break;
    spdlog::warn(
        "coffer server SEALED by an operator: {}",
        seal_state.status().type == seal::SealType::kShamir ? "hand in unseal shares with 'coffer operator unseal'"
        : seal_state.status().threshold > 0 ? "hand in recovery shares with 'coffer operator unseal', or restart it"
                                            : "restart it to unseal");
    if (!gate.wait_unsealed()) break;
    spdlog::info("coffer server unsealed again");
  }
  spdlog::info("coffer server stopped");
  return 0;
}

}  // namespace coffer::server
