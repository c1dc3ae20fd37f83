#include "api/app.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>

#include "api/admin_routes.hpp"
#include "api/api_version.hpp"
#include "api/arm_routes.hpp"
#include "api/batch_get.hpp"
#include "api/certificate_issuer_routes.hpp"
#include "api/certificate_routes.hpp"
#include "api/change_feed_routes.hpp"
#include "api/credential_routes.hpp"
#include "api/event_subscription_routes.hpp"
#include "api/graph_routes.hpp"
#include "api/group_routes.hpp"
#include "api/identity_routes.hpp"
#include "api/key_routes.hpp"
#include "api/rbac_routes.hpp"
#include "api/responses.hpp"
#include "api/secret_routes.hpp"
#include "api/target.hpp"
#include "api/ui_assets.hpp"
#include "api/user_routes.hpp"
#include "auth/public_clients.hpp"
#include "common/ascii.hpp"
#include "common/base64.hpp"
#include "common/freshness.hpp"
#include "common/secure_memory.hpp"
#include "crypto/digest.hpp"
#include "crypto/random.hpp"
#include "http/deferral.hpp"
#include "vault/store_keys.hpp"

namespace coffer::api {
namespace {

// Who made the request, for its audit record.
void record_caller(audit::AuditRecord& record, const auth::Principal& principal) {
  record.caller_tenant_id = principal.tenant_id;
  record.caller_object_id = principal.object_id;
  record.caller_app_id = principal.app_id;
  record.caller_upn = principal.user_name;
}

// Views into the Host header.
struct HostParts {
  std::string_view name;  // as sent (compare ignoring case), without port
  std::string_view port;  // empty when absent
};

HostParts split_host(std::string_view host) {
  HostParts out;
  if (!host.empty() && host.front() == '[') {  // [v6]:port
    auto close = host.find(']');
    out.name = host.substr(0, close == std::string_view::npos ? host.size() : close + 1);
    if (close != std::string_view::npos && close + 2 <= host.size() && host[close + 1] == ':') {
      out.port = host.substr(close + 2);
    }
  } else {
    auto colon = host.rfind(':');
    out.name = host.substr(0, colon);
    if (colon != std::string_view::npos) out.port = host.substr(colon + 1);
  }
  return out;
}

// ":<port>" unless the port is absent or https' own.
void append_port_suffix(std::string& out, std::string_view port) {
  if (port.empty() || port == "443") return;
  out += ':';
  out += port;
}

std::string port_suffix(std::string_view port) {
  std::string out;
  append_port_suffix(out, port);
  return out;
}

int64_t now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

// CORS for the console's calls to the vault hosts (Api::from_console).
void allow_console(http::Response& r, std::string_view origin) {
  r.set_header("Access-Control-Allow-Origin", std::string(origin));
  r.set_header("Access-Control-Expose-Headers", "WWW-Authenticate, x-ms-request-id, Retry-After");
  r.set_header("Vary", "Origin");
}

}  // namespace

std::string vault_origin(const std::string& name, const std::string& dns_suffix, const std::string& port) {
  return "https://" + lower_ascii(name) + "." + dns_suffix + port_suffix(port);
}

struct Api::Call {
  audit::AuditRecord record;
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
  bool request_recorded = false;  // a "Requested" record was written before the operation ran
};

Api::Api(ApiConfig config, ApiServices services) : config_(std::move(config)), s_(services) {
  if (s_.metrics) {
    request_seconds_ = &s_.metrics->histogram(
        "coffer_request_duration_seconds",
        "Requests by operation (the audit record's operationName) and HTTP status, from arrival to the answer.",
        prometheus::latency_buckets());
    tokens_issued_ = &s_.metrics->counter("coffer_tokens_issued_total",
                                          "Access tokens issued by the token endpoint, by the client's credential.");
  }
  if (s_.users && s_.user_sessions && s_.authorization_grants) {
    people_.emplace(UserSignIn{config_.authority, config_.tenant_id, *s_.users, *s_.user_sessions,
                               *s_.authorization_grants, s_.tokens, tokens_issued_});
  }
}

std::string Api::data_resource(const http::Request& req) const {
  const std::string_view port = split_host(req.host).port;
  std::string out;
  out.reserve(suffix_audience_.size() + 1 + port.size());
  out += suffix_audience_;
  append_port_suffix(out, port);
  return out;
}

http::Response Api::arm_unauthorized(const http::Request& req, const Status& why) const {
  return api::arm_unauthorized(config_.authority + "/" + config_.tenant_id, req.header("Authorization").empty(),
                               why.message());
}

http::Response Api::challenge(const http::Request& req, const Status& why) const {
  http::Response r = error_response(why);
  r.set_header("WWW-Authenticate", "Bearer authorization=\"" + config_.authority + "/" + config_.tenant_id +
                                       "\", resource=\"" + data_resource(req) + "\"");
  return r;
}

Result<std::shared_ptr<const auth::Principal>> Api::authenticate(const http::Request& req,
                                                                 std::initializer_list<std::string_view> audiences) {
  std::string_view auth = req.header("Authorization");
  if (auth.empty()) return Status(Code::kUnauthorized, "AKV10000: Request is missing a Bearer or PoP token.");
  if (!istarts_with_ascii(auth, "Bearer ")) {
    return Status(Code::kUnauthorized, "AKV10000: Request is missing a Bearer or PoP token.");
  }
  return s_.tokens.verify(auth.substr(7), audiences);
}

http::Response Api::handle(http::Request& req) {
  Outcome outcome = prepare(req);
  if (outcome.response.offload) return std::move(outcome.response);  // not begun, nothing to record
  const Status audited = s_.audit.write(outcome.record);
  return finish(std::move(outcome), audited);
}

bool Api::from_console(const http::Request& req) const {
  // The console (served by this server at the authority) calls the vault hosts: another origin.
  const std::string_view origin = req.header("Origin");
  return origin == config_.authority && origin.substr(origin.find("://") + 3) != req.host;
}

Api::Outcome Api::prepare(http::Request& req) {
  // Every read of this request reflects what committed before it arrived, on
  // any server sharing the store (store generation tokens: freshness.hpp) —
  // so a write handed to a worker after the I/O thread's observation does
  // not wait for another one.
  FreshnessScope freshness(req.received != std::chrono::steady_clock::time_point{} ? req.received : freshness_floor());
  Call call;
  auto& rec = call.record;
  rec.time_ms = now_ms();
  rec.request_id = crypto::new_guid();
  rec.caller_ip = req.remote_address;
  rec.client_info = std::string(req.header("User-Agent").substr(0, 256));
  std::string_view corr = req.header("x-ms-client-request-id");
  if (corr.empty()) corr = req.header("client-request-id");
  rec.correlation_id = std::string(corr.substr(0, 128));
  rec.request_uri = "https://" + req.host.substr(0, 256) + req.target.substr(0, 2048);

  http::Response resp;
  try {
    resp = dispatch(req, call);
  } catch (const std::exception& e) {
    spdlog::error("request {} failed: {}", rec.request_id, e.what());
    resp = error_response(Status(Code::kInternal, e.what()));
  }
  if (!resp.offload && from_console(req)) allow_console(resp, config_.authority);
  rec.http_status = resp.status;
  rec.result_type = resp.status < 400 ? "Success" : "Failure";
  rec.result_signature = reason_phrase(resp.status);
  rec.duration_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - call.started).count();
  if (rec.operation_name.empty()) rec.operation_name = "Unknown";
  return Outcome{std::move(resp), std::move(call.record), call.request_recorded, call.started};
}

http::Response Api::perform(const http::Request& req, Call& call, const Operation& op, const auth::Principal& principal,
                            const vault::VaultInfo* vault) {
  call.record.operation_name = op.name;
  call.record.object_id = op.object_id;
  const Status allowed = vault != nullptr && !vault->rbac_authorization
                             ? s_.authorizer.authorize_by_access_policy(principal, op.name, vault->id,
                                                                        vault->name + ";location=" + vault->location)
                             : s_.authorizer.authorize(principal, op.action, op.scope);
  if (!allowed.ok()) return error_response(allowed);
  if (!runs_inline(op, req)) {
    if (http::can_defer()) return http::Response::offloaded();  // on an I/O thread: run again on a worker
    audit::AuditRecord requested = call.record;
    requested.result_type = "Requested";
    requested.result_signature = "Requested";
    requested.http_status = 0;
    requested.duration_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - call.started).count();
    if (Status st = s_.audit.write(requested); !st.ok()) {
      spdlog::error("audit sink failed, request {} ({}) refused before it ran: {}", requested.request_id, op.name,
                    st.message());
      return error_response(Status(Code::kUnavailable, "The request could not be audited; it was not applied."));
    }
    call.request_recorded = true;
  }
  return op.run();
}

http::Response Api::finish(Outcome&& outcome, const Status& audited) {
  const audit::AuditRecord& rec = outcome.record;
  http::Response resp = std::move(outcome.response);
  if (!audited.ok()) {
    if (resp.sensitive) secure_wipe(resp.body.data(), resp.body.size());  // never sent: wipe it here
    spdlog::error("audit sink failed, refusing to report the outcome of request {}: {}", rec.request_id,
                  audited.message());
    if (rec.operation_name == "Health") {
      resp = json_response(503, boost::json::object{{"status", "unhealthy"}, {"reason", audited.message()}});
    } else if (outcome.request_recorded) {
      resp = error_response(Status(Code::kUnavailable,
                                   "The outcome of the request could not be audited; the request was recorded "
                                   "before it ran and may have been applied."));
    } else {
      resp = error_response(Status(Code::kUnavailable, "The request could not be audited; it was not applied."));
    }
  }
  resp.set_header("x-ms-request-id", rec.request_id);
  if (!rec.correlation_id.empty()) resp.set_header("x-ms-client-request-id", rec.correlation_id);
  if (request_seconds_) {
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - outcome.started).count();
    request_seconds_->observe(
        prometheus::label_set({{"operation", rec.operation_name}, {"status", std::to_string(resp.status)}}), seconds);
  }
  return resp;
}

http::Response Api::dispatch(http::Request& req, Call& call) {
  const HostParts host = split_host(req.host);
  if (host.name.size() > dotted_suffix_.size() && iends_with_ascii(host.name, dotted_suffix_)) {
    if (req.method == "OPTIONS" && from_console(req)) {
      // A CORS preflight of the console: answered before anything else, authorizes nothing.
      call.record.operation_name = "CorsPreflight";
      http::Response r{204, {}, ""};
      r.set_header("Access-Control-Allow-Methods", "GET, PUT, POST, PATCH, DELETE");
      r.set_header("Access-Control-Allow-Headers", "Authorization, Content-Type, x-ms-client-request-id");
      r.set_header("Access-Control-Max-Age", "600");
      return r;
    }
    const std::string vault_name = lower_ascii(host.name.substr(0, host.name.size() - dotted_suffix_.size()));
    if (vault_name.find('.') != std::string::npos) {
      return error_response(Status(Code::kVaultNotFound, "No vault is served at host " + lower_ascii(host.name) + "."));
    }
    return data_plane(req, call, vault_name);
  }
  if (iequals_ascii(host.name, config_.dns_suffix)) {
    return error_response(Status(Code::kVaultNotFound, "Name a vault: https://<vault>." + config_.dns_suffix + "."));
  }

  auto target = parse_target(req.target);
  if (!target.ok()) return error_response(target.status());
  const auto& seg = target->segments;
  if (seg.size() == 1 && seg[0] == "healthz" && req.method == "GET") {
    call.record.operation_name = "Health";
    if (Status audit = s_.audit.health(); !audit.ok()) {
      return json_response(503, boost::json::object{{"status", "unhealthy"}, {"reason", audit.message()}});
    }
    if (s_.storage) {
      if (Status storage = s_.storage->health(); !storage.ok()) {
        auto r = json_response(503, boost::json::object{{"status", "unhealthy"}, {"reason", storage.message()}});
        r.set_header("Retry-After", "1");
        return r;
      }
    }
    return json_response(200, boost::json::object{{"status", "ok"}});
  }
  if (seg.size() == 2 && seg[0] == "console" && seg[1] == "config" && req.method == "GET") {
    // What the console needs before it signs in (public): its client id and where vaults live.
    call.record.operation_name = "ConsoleConfig";
    return json_response(200, boost::json::object{{"clientId", std::string(auth::kConsoleClientId)},
                                                  {"tenantId", config_.tenant_id},
                                                  {"vaultSuffix", "." + config_.dns_suffix + port_suffix(host.port)}});
  }
  if (auto op = route_ui_asset(req, *target)) {  // public, like any static file
    call.record.operation_name = op->name;
    return op->run();
  }
  IdentityContext identity{config_.authority, config_.tenant_id,   s_.principals,  s_.tokens,
                           s_.assertions,     s_.sign_in_throttle, tokens_issued_, people_ ? &*people_ : nullptr};
  if (auto op = route_identity(req, *target, identity, call.record)) {
    if (!runs_inline(*op, req) && http::can_defer()) return http::Response::offloaded();  // a sign-in hashes
    call.record.operation_name = op->name;
    return op->run();
  }
  if (s_.events && req.method == "GET" && is_event_validation_path(*target)) {
    if (http::can_defer()) return http::Response::offloaded();  // a GET that writes: on a worker
    const Operation op = route_event_validation(*target, s_.vaults, *s_.events);
    call.record.operation_name = op.name;
    return op.run();  // public: the link's one-time token is the credential
  }
  if (seg.size() >= 2 && seg[0] == "coffer" && seg[1] == "admin") {
    return admin(req, call, std::vector<std::string>(seg.begin() + 2, seg.end()));
  }
  if (is_arm_path(*target)) {
    const std::string port(host.port);
    const ArmContext arm{
        config_.authority,
        config_.tenant_id,
        s_.resource_groups,
        &s_.vaults,
        &s_.vault_removal,
        &s_.rbac,
        [this, port](const std::string& name) { return vault_origin(name, config_.dns_suffix, port) + "/"; }};
    if (is_rbac_path(*target)) {  // Microsoft.Authorization at ARM's scopes
      auto principal = authenticate(req, {config_.authority});
      if (!principal.ok()) return arm_unauthorized(req, principal.status());
      if (auto refused = refuse_arm_api_version(*target)) return std::move(*refused);
      return rbac(req, call, *target, arm_scope_form(arm), **principal);
    }
    const Operation op = route_arm(req, *target, arm);
    call.record.operation_name = op.name;
    if (is_public_arm_path(*target)) return op.run();
    auto principal = authenticate(req, {config_.authority});
    if (!principal.ok()) return arm_unauthorized(req, principal.status());
    record_caller(call.record, **principal);
    if (op.action.empty()) return op.run();  // the cloud and its subscription: every principal of the tenant
    return perform(req, call, op, **principal);
  }
  if (is_graph_path(*target)) {
    auto principal = authenticate(req, {config_.authority});
    if (!principal.ok()) return arm_unauthorized(req, principal.status());
    record_caller(call.record, **principal);
    const Operation op =
        route_graph(req, *target, GraphContext{config_.authority, &s_.principals, &s_.rbac, s_.users, **principal});
    call.record.operation_name = op.name;
    return op.run();  // reads of the directory: every principal of the tenant
  }
  if (is_rbac_path(*target)) {
    // Role management on the bare host: absolute scopes; tokens for the authority or the vaults.
    auto principal = authenticate(req, {config_.authority, data_resource(req), suffix_audience_});
    if (!principal.ok()) {
      call.record.operation_name = "Authentication";
      return challenge(req, principal.status());
    }
    return rbac(req, call, *target, coffer_scope_form(""), **principal);
  }
  if (config_.default_vault.empty()) {
    return error_response(Status(Code::kNotFound, "No such endpoint, and this server has no default vault."));
  }
  return data_plane(req, call, config_.default_vault);
}

http::Response Api::admin(http::Request& req, Call& call, std::vector<std::string> segments) {
  call.record.operation_name = "Admin";
  auto principal = authenticate(req, {config_.authority});
  if (!principal.ok()) return challenge(req, principal.status());
  record_caller(call.record, **principal);
  const std::string port(split_host(req.host).port);
  AdminContext ctx{
      s_.vaults,      s_.vault_removal,
      s_.maintenance, s_.principals,
      s_.test_clock,  [this, port](const std::string& name) {
                     return vault_origin(name, config_.dns_suffix, port); },
      s_.seal_admin,  config_.audit_file};
  auto op = route_admin(req, segments, ctx);
  if (!op) op = route_groups(req, segments, GroupContext{s_.rbac, s_.principals, s_.users});
  if (!op && s_.workload_credentials) op = route_credentials(req, segments, *s_.workload_credentials);
  if (!op && s_.users)
    op = route_users(req, segments, *s_.users, "Coffer (" + lower_ascii(split_host(req.host).name) + ")");
  if (!op && s_.events) op = route_event_subscriptions(req, segments, s_.vaults, *s_.events);
  if (!op) return error_response(Status(Code::kNotFound, "No such admin endpoint."));
  return perform(req, call, *op, **principal);
}

http::Response Api::data_plane(http::Request& req, Call& call, const std::string& vault_name) {
  call.record.vault = vault_name;
  // A request without credentials is the SDK's body-stripped probe: answer
  // the challenge before looking at anything else, and never act on it.
  const std::string resource = data_resource(req);
  auto principal = authenticate(req, {resource, suffix_audience_});
  if (!principal.ok()) {
    call.record.operation_name = "Authentication";
    return challenge(req, principal.status());
  }
  record_caller(call.record, **principal);

  auto target = parse_target(req.target);
  if (!target.ok()) return error_response(target.status());
  if (Status st = check_api_version(target->param("api-version")); !st.ok()) return error_response(st);
  auto vault = s_.vaults.find(vault_name);
  if (!vault.ok()) return error_response(vault.status());

  if (is_rbac_path(*target)) return rbac(req, call, *target, coffer_scope_form("/vaults/" + vault->name), **principal);

  std::string base;  // https://<host as sent, lower case>
  base.reserve(8 + req.host.size());
  base += "https://";
  base += req.host;
  lower_ascii_in_place(base);
  VaultRequest vreq{req, *target, *vault, std::move(base), {}};
  if (target->segments.size() == 2 && target->segments[0] == "coffer" && target->segments[1] == "batchget" &&
      req.method == "POST") {
    // No check of its own: each object is read by a GET of its own, authorized and audited (batch_get.hpp).
    if (http::can_defer()) return http::Response::offloaded();
    call.record.operation_name = "ObjectBatchGet";
    call.record.object_id = vreq.base + "/coffer/batchget";
    return batch_get(req, target->param("api-version").value_or(""),
                     [this](http::Request& one) { return handle(one); });
  }
  auto op = route_secret_operation(vreq, s_.secrets, s_.secret_rotation);
  if (!op && s_.change_feed) op = route_change_feed_operation(vreq, *s_.change_feed, change_waiters_);
  if (!op && s_.keys) op = route_key_operation(vreq, *s_.keys);
  if (!op && s_.certificate_issuers) op = route_certificate_issuer_operation(vreq, *s_.certificate_issuers);
  if (!op && s_.certificates) op = route_certificate_operation(vreq, *s_.certificates);
  if (!op) {
    return error_response(Status(
        Code::kBadParameter, "The operation " + req.method + " " + target->path + " is not supported by this vault."));
  }
  if (std::string_view client_request = req.header("x-ms-client-request-id");
      !client_request.empty() && !runs_inline(*op, req)) {
    vreq.idempotency_key =
        hex_encode(crypto::sha256((*principal)->object_id + "\n" + std::string(client_request.substr(0, 256)) + "\n" +
                                  req.method + " " + lower_ascii(target->path)));
  }
  return perform(req, call, *op, **principal, &*vault);
}

http::Response Api::rbac(http::Request& req, Call& call, const ParsedTarget& target, const ScopeForm& form,
                         const auth::Principal& principal) {
  record_caller(call.record, principal);
  if (!form.arm) {  // ARM's api-versions were checked by the caller
    if (Status st = check_api_version(target.param("api-version")); !st.ok()) return error_response(st);
  }
  RbacContext ctx{s_.rbac, s_.authorizer, principal, form, s_.users};
  auto op = route_rbac(req, target, ctx);
  if (!op) {
    return error_response(
        Status(Code::kBadParameter, "The operation " + req.method + " " + target.path + " is not supported."));
  }
  return perform(req, call, *op, principal);
}

}  // namespace coffer::api
