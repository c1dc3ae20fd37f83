// Api: the request pipeline behind the HTTPS server. For every request:
//   route by Host — "<vault>.<dns-suffix>[:port]" is that vault's data
//   plane; any other host (localhost, an IP) serves the identity endpoints,
//   the admin API and the data plane of the default vault;
//   authenticate (bearer JWT; none → 401 with the AKV challenge, before the
//   body is even looked at), check api-version, resolve the vault,
//   authorize(principal, action, scope), run the operation, and write one
//   audit record of the outcome. Reached on a connection's I/O thread, an
//   operation that does not run inline (operation.hpp runs_inline()) is not
//   begun: the response asks the server to run the request on a worker
//   (Response::offload), unrecorded. A request that may change state (not
//   runs_inline()) is recorded before it runs as well — a record with
//   resultType "Requested" and the same requestId — and refused with 503,
//   unapplied, when that record cannot be written: no change is ever applied
//   without a record of it, even if the process dies before the outcome is
//   recorded. If the outcome's record cannot be written, the response is
//   replaced by 503 (the request record already tells that it was asked for).
// Thread-safe; handle() never throws.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "api/admin_routes.hpp"
#include "api/event_subscription_routes.hpp"
#include "api/operation.hpp"
#include "api/rbac_routes.hpp"
#include "api/target.hpp"
#include "api/user_token_grants.hpp"
#include "audit/audit_sink.hpp"
#include "auth/authorizer.hpp"
#include "auth/client_assertion.hpp"
#include "auth/rbac_registry.hpp"
#include "auth/service_principals.hpp"
#include "auth/token_service.hpp"
#include "common/clock.hpp"
#include "common/concurrency_gate.hpp"
#include "common/prometheus.hpp"
#include "http/message.hpp"
#include "vault/certificate_issuers.hpp"
#include "vault/certificate_service.hpp"
#include "vault/change_feed.hpp"
#include "vault/key_service.hpp"
#include "vault/resource_groups.hpp"
#include "vault/scheduler.hpp"
#include "vault/secret_rotation.hpp"
#include "vault/secret_service.hpp"
#include "vault/vault_registry.hpp"

namespace coffer::api {

struct ApiConfig {
  std::string dns_suffix = "vault.localhost";  // vault hosts are <name>.<dns_suffix>[:port]
  std::string default_vault;                   // served on bare hosts; empty = none
  std::string authority;                       // https://localhost:8443 — identity + admin audience
  std::string tenant_id;
  std::string audit_file = {};  // the file sink's log, searched by GET /coffer/admin/audit; empty = none
};

// https://<vault>.<suffix>[:port], the vault's URL as its callers reach it (port "" or "443": none).
std::string vault_origin(const std::string& name, const std::string& dns_suffix, const std::string& port);

struct ApiServices {
  vault::VaultRegistry& vaults;
  vault::SecretService& secrets;
  vault::MaintenanceScheduler& maintenance;
  auth::ServicePrincipalRegistry& principals;
  auth::TokenService& tokens;
  auth::Authorizer& authorizer;
  audit::AuditSink& audit;
  const Clock& clock;
  ManualClock* test_clock;                            // non-null only with --test-clock
  auth::RbacRegistry& rbac;                           // role definitions, assignments, groups, access policies
  vault::VaultRemoval& vault_removal;                 // deletes a vault for good
  vault::KeyService* keys = nullptr;                  // the AKV keys surface; null = keys routes off
  vault::CertificateService* certificates = nullptr;  // the certificates surface; null = off
  vault::CertificateIssuerService* certificate_issuers = nullptr;  // issuers and contacts; null = off
  // Workload identity (federated and certificate credentials); null = client secrets only.
  auth::WorkloadCredentialRegistry* workload_credentials = nullptr;
  auth::ClientAssertionVerifier* assertions = nullptr;
  auth::SignInThrottle* sign_in_throttle = nullptr;         // failed sign-ins per address and client id; null = none
  store::Store* storage = nullptr;                          // checked by /healthz; null = not checked
  vault::ResourceGroupRegistry* resource_groups = nullptr;  // ARM's resource groups; null = those routes off
  // Seal, rekey, root rotation, recovery shares (admin_routes.hpp); empty ones are off.
  SealAdmin seal_admin = {};
  const EventServices* events = nullptr;             // event subscriptions (event_subscription_routes.hpp); null = off
  vault::SecretRotation* secret_rotation = nullptr;  // secret rotation policies and rotate; null = those routes off
  vault::ChangeFeed* change_feed = nullptr;          // GET /coffer/changes on vaults; null = off
  // Where request metrics go (coffer_request_duration_seconds{operation, status}); null = none.
  prometheus::Registry* metrics = nullptr;
  // People: users, their sessions and sign-in grants (sign_in_routes.hpp); any null = applications only.
  auth::UserRegistry* users = nullptr;
  auth::UserSessions* user_sessions = nullptr;
  auth::AuthorizationGrants* authorization_grants = nullptr;
};

class Api {
 public:
  Api(ApiConfig config, ApiServices services);
  // prepare(), the audit write, finish(): the whole request at once.
  http::Response handle(http::Request& request);

  // A request handled up to its audit record, which is not written yet.
  struct Outcome {
    http::Response response;
    audit::AuditRecord record;
    bool request_recorded = false;  // a "Requested" record was written before the operation ran
    std::chrono::steady_clock::time_point started;
  };
  Outcome prepare(http::Request& request);
  // The response to send once the record was written (`audited` OK) or
  // could not be (503: the outcome is never reported unrecorded); counted
  // in the request metrics with the status actually sent.
  // Takes the response out of `outcome`; its record is left as it was.
  http::Response finish(Outcome&& outcome, const Status& audited);

 private:
  struct Call;
  http::Response dispatch(http::Request& req, Call& call);
  // Authorizes `op` for `principal` and runs it; a state-changing request is
  // recorded first and refused unapplied if that record cannot be written.
  // Authorizes `op` (by RBAC, or by the access policies of `vault` when it
  // does not use RBAC), then runs it.
  http::Response perform(const http::Request& req, Call& call, const Operation& op, const auth::Principal& principal,
                         const vault::VaultInfo* vault = nullptr);
  http::Response data_plane(http::Request& req, Call& call, const std::string& vault_name);
  http::Response admin(http::Request& req, Call& call, std::vector<std::string> segments);
  // Role management (api/rbac_routes.hpp), scopes written in `form`.
  http::Response rbac(http::Request& req, Call& call, const ParsedTarget& target, const ScopeForm& form,
                      const auth::Principal& principal);
  Result<std::shared_ptr<const auth::Principal>> authenticate(const http::Request& req,
                                                              std::initializer_list<std::string_view> audiences);
  http::Response challenge(const http::Request& req, const Status& why) const;
  // The 401 of ARM and Graph routes (their shape, not AKV's).
  http::Response arm_unauthorized(const http::Request& req, const Status& why) const;
  std::string data_resource(const http::Request& req) const;
  // A request of the console (its Origin is the authority) to another host: CORS applies.
  bool from_console(const http::Request& req) const;

  ApiConfig config_;
  const std::string suffix_audience_ = "https://" + config_.dns_suffix;  // a vault token's audience without a port
  // "." + dns_suffix: a vault host ends with it.
  const std::string dotted_suffix_ = "." + config_.dns_suffix;
  ApiServices s_;
  ConcurrencyGate change_waiters_{8, 0};               // long polls of the change feed waiting at once
  prometheus::Histograms* request_seconds_ = nullptr;  // from s_.metrics
  prometheus::Counters* tokens_issued_ = nullptr;
  std::optional<UserSignIn> people_;  // when users, sessions and grants are all set
};

}  // namespace coffer::api
